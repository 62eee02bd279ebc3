import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { LevelWithSilent } from 'pino';
import type { Options } from 'pino-http';

/** A caller's X-Request-Id is kept only when it is a plain token: it ends up in logs and in a response header. */
const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** Probes and scrapes come every few seconds from machines: logged at debug, not info. */
const ROUTINE = /^\/(health(\/(live|ready))?|metrics)(\?|$)/;

/** The request id of a request: the caller's X-Request-Id when it is usable, else a fresh UUID. */
export function requestIdOf(header: string | string[] | undefined): string {
  const value = Array.isArray(header) ? header[0] : header;
  return value !== undefined && REQUEST_ID.test(value) ? value : randomUUID();
}

/**
 * The level of a request's log line. Probes and scrapes stay at debug whatever they answer: a failing readiness
 * probe answers 503 every few seconds for as long as the outage lasts, and the health module logs the change of
 * readiness itself, once. Everything else: errors and 5xx at error, 4xx at warn, the rest at info.
 */
export function httpLogLevel(url: string | undefined, statusCode: number, err?: Error): LevelWithSilent {
  if (ROUTINE.test(url ?? '')) return 'debug';
  if (err !== undefined || statusCode >= 500) return 'error';
  return statusCode >= 400 ? 'warn' : 'info';
}

/**
 * pino-http's options for nestjs-pino's request logging: one line per HTTP request (method, path, status, duration,
 * request id), through the root logger, so the redaction of credential headers applies. The id is also returned in
 * the X-Request-Id response header, so a user reporting a failed call can quote it. Socket.IO's own HTTP traffic
 * never reaches Express, so it is not logged here.
 */
export function httpLoggerOptions(): Options {
  return {
    genReqId: (req: IncomingMessage, res: ServerResponse) => {
      const id = requestIdOf(req.headers['x-request-id']);
      res.setHeader('X-Request-Id', id);
      return id;
    },
    customProps: (req) => ({ reqId: req.id }),
    customLogLevel: (req, res, err) => httpLogLevel(req.url, res.statusCode, err),
    customSuccessMessage: (req, res, ms) => `${req.method} ${req.url} ${res.statusCode} ${Math.round(ms)} ms`,
    customErrorMessage: (req, res, err) => `${req.method} ${req.url} ${res.statusCode} failed: ${err.message}`,
  };
}
