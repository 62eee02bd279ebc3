import { Writable } from 'node:stream';
import { Logger, type PinoLogger } from 'nestjs-pino';
import type { Logger as Pino } from 'pino';
import { createRootLogger, logFormatFor } from './app-logger.js';
import { requestIdOf } from './http-logger.js';

/** A destination that keeps what is written, as pino and pino-pretty write it. */
function sink(): { stream: Writable; lines: () => string[] } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      chunks.push(chunk.toString());
      done();
    },
  });
  return { stream, lines: () => chunks.join('').split('\n').filter(Boolean) };
}

/** nestjs-pino's Nest Logger over a root logger of ours, as the application runs it (PinoLogger adds no context). */
function nestLogger(root: Pino): Logger {
  return new Logger(root as unknown as PinoLogger, {});
}

describe('logging through nestjs-pino', () => {
  it('writes one JSON object per line in production, with level, time, context and message', () => {
    const out = sink();
    const logger = nestLogger(createRootLogger({ nodeEnv: 'production', logLevel: 'log' }, out.stream));
    logger.log('Connected to MQTT broker', 'MqttConnectionService');
    logger.debug('not printed at LOG_LEVEL=log', 'X');
    const [line, ...rest] = out.lines();
    expect(rest).toEqual([]);
    expect(JSON.parse(line)).toMatchObject({
      level: 'info',
      context: 'MqttConnectionService',
      msg: 'Connected to MQTT broker',
      time: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
    });
  });

  it('writes one readable, uncoloured line elsewhere when the output is not a terminal', () => {
    expect(logFormatFor('development')).toBe('pretty');
    expect(logFormatFor('test')).toBe('pretty');
    const out = sink();
    const logger = nestLogger(
      createRootLogger({ nodeEnv: 'development', logLevel: 'debug', colorize: false }, out.stream),
    );
    logger.warn('Writer queue full', 'ReadingWriter');
    logger.debug('details');
    expect(out.lines()).toEqual([
      expect.stringMatching(/^\[\d\d:\d\d:\d\d\.\d{3}\] WARN: \[ReadingWriter\] Writer queue full$/),
      expect.stringMatching(/^\[\d\d:\d\d:\d\d\.\d{3}\] DEBUG: details$/),
    ]);
    expect(out.lines().join('')).not.toContain('\u001b[');
  });

  it("reads Nest's arguments: a trailing context, a stack before it, Error messages", () => {
    const out = sink();
    const logger = nestLogger(createRootLogger({ nodeEnv: 'production', logLevel: 'verbose' }, out.stream));
    const stack = 'Error: boom\n    at main (/app/dist/src/main.js:1:1)';
    logger.error('Write failed', stack, 'ReadingWriter');
    logger.error(new Error('thrown'), 'Bootstrap');
    logger.verbose('trace level');
    const [first, second, third] = out.lines().map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(first).toMatchObject({ level: 'error', context: 'ReadingWriter', err: { stack }, msg: 'Write failed' });
    expect(second).toMatchObject({ context: 'Bootstrap', err: { message: 'thrown' } });
    expect(third).toMatchObject({ level: 'trace', msg: 'trace level' });
  });

  it('never writes credentials: headers and password-like fields are redacted', () => {
    const out = sink();
    const root = createRootLogger({ nodeEnv: 'production', logLevel: 'log' }, out.stream);
    root.info(
      {
        req: { headers: { authorization: 'Bearer tc_k_s3cret', 'x-api-key': 'tc_k_s3cret', cookie: 'sid=s3cret' } },
        body: { password: 's3cret', user: { apiKey: 's3cret' } },
      },
      'request completed',
    );
    const text = out.lines().join('\n');
    expect(text).not.toContain('s3cret');
    expect(JSON.parse(text)).toMatchObject({
      req: { headers: { authorization: '[redacted]', 'x-api-key': '[redacted]', cookie: '[redacted]' } },
      body: { password: '[redacted]', user: { apiKey: '[redacted]' } },
    });
  });
});

describe('requestIdOf', () => {
  it("keeps a caller's plain X-Request-Id and replaces anything else by a UUID", () => {
    expect(requestIdOf('abc-123_x.y:z')).toBe('abc-123_x.y:z');
    expect(requestIdOf(['first', 'second'])).toBe('first');
    const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
    expect(requestIdOf(undefined)).toMatch(uuid);
    expect(requestIdOf('with space')).toMatch(uuid);
    expect(requestIdOf('line\nbreak')).toMatch(uuid);
    expect(requestIdOf('x'.repeat(129))).toMatch(uuid);
  });
});
