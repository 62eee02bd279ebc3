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
