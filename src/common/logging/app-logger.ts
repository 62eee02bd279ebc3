import type { LoggerService } from '@nestjs/common';
import pino, { type DestinationStream, type Level, type Logger } from 'pino';
import PinoPretty from 'pino-pretty';

/** LOG_LEVEL (Nest's names, as the configuration documents them) → pino's. */
const PINO_LEVEL: Record<string, Level> = {
  fatal: 'fatal',
  error: 'error',
  warn: 'warn',
  log: 'info',
  debug: 'debug',
  verbose: 'trace',
};

/**
 * Never written to a log, whatever object carries them: credentials in request headers (pino-http logs them),
 * and password/secret/token fields of anything logged with a context object.
 */
export const REDACTED_PATHS = [
  'req.headers.authorization',
  'req.headers["proxy-authorization"]',
  'req.headers["x-api-key"]',
  'req.headers.cookie',
  'res.headers["set-cookie"]',
  ...['password', 'secret', 'token', 'apiKey', 'api_key'].flatMap((field) => [field, `*.${field}`, `*.*.${field}`]),
];

export type LogFormat = 'json' | 'pretty';

/** JSON lines in production (for log collectors); one readable line per entry elsewhere, tests included. */
export function logFormatFor(nodeEnv: string): LogFormat {
  return nodeEnv === 'production' ? 'json' : 'pretty';
}

/**
 * The process's root logger. Both formats write synchronously: log volume is low (nothing per message on the hot
 * path), and a synchronous write cannot be lost by the `process.exit` at the end of a shutdown. Pretty output is
 * formatted in-process (no transport worker), coloured only when stdout is a terminal.
 */
export function createRootLogger(
  options: { nodeEnv: string; logLevel: string; colorize?: boolean },
  destination: DestinationStream = pino.destination({ dest: 1, sync: true }),
): Logger {
  const level = PINO_LEVEL[options.logLevel] ?? 'info';
  const redact = { paths: REDACTED_PATHS, censor: '[redacted]' };
  if (logFormatFor(options.nodeEnv) === 'json') {
    return pino(
      {
        level,
        redact,
        timestamp: pino.stdTimeFunctions.isoTime,
        formatters: { level: (label) => ({ level: label }) },
      },
      destination,
    );
  }
  const pretty = PinoPretty({
    destination,
    sync: true,
    colorize: options.colorize ?? process.stdout.isTTY === true,
    translateTime: 'SYS:HH:MM:ss.l',
    singleLine: true,
    ignore: 'pid,hostname,context,req,res,responseTime',
    messageFormat: '{if context}[{context}] {end}{msg}',
  });
  return pino({ level, redact }, pretty);
}

/** True for a string that reads like a stack trace (Nest passes them as a plain string argument of `error`). */
function isStack(value: unknown): value is string {
  return typeof value === 'string' && /\n\s+at /.test(value);
}

/**
 * Nest's LoggerService on top of pino, so every `new Logger(Context)` in the code base writes through it.
 * Nest calls `method(message, ...params, context)`: the last string that is not a stack is the context; `error`
 * may carry a stack before it.
 */
export class AppLogger implements LoggerService {
  constructor(readonly pino: Logger) {}

  log(message: unknown, ...params: unknown[]): void {
    this.write('info', message, params);
  }

  error(message: unknown, ...params: unknown[]): void {
    this.write('error', message, params);
  }

  warn(message: unknown, ...params: unknown[]): void {
    this.write('warn', message, params);
  }

  debug(message: unknown, ...params: unknown[]): void {
    this.write('debug', message, params);
  }

  verbose(message: unknown, ...params: unknown[]): void {
    this.write('trace', message, params);
  }

  fatal(message: unknown, ...params: unknown[]): void {
    this.write('fatal', message, params);
  }

  private write(level: Level, message: unknown, params: unknown[]): void {
    if (!this.pino.isLevelEnabled(level)) return;
    const rest = [...params];
    const fields: Record<string, unknown> = {};
    const last = rest[rest.length - 1];
    if (typeof last === 'string' && !isStack(last)) {
      fields.context = last;
      rest.pop();
    }
    for (const param of rest) {
      if (isStack(param)) fields.stack = param;
      else if (param instanceof Error) fields.err = param;
      else if (typeof param === 'object' && param !== null) Object.assign(fields, param);
      else if (param !== undefined) fields.detail = param;
    }
    if (message instanceof Error) {
      this.pino[level]({ ...fields, err: message }, message.message);
    } else if (typeof message === 'object' && message !== null) {
      this.pino[level]({ ...fields, ...message });
    } else {
      this.pino[level](fields, String(message));
    }
  }
}
