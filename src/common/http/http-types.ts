import type { IncomingMessage, ServerResponse } from 'node:http';

/** The parts of Express's request this code reads (the project has no @types/express). */
export interface HttpRequest extends IncomingMessage {
  method: string;
  originalUrl: string;
  ip?: string;
  params: Record<string, string>;
  query: Record<string, unknown>;
  body?: unknown;
}

/** The parts of Express's response this code uses. */
export interface HttpResponse extends ServerResponse {
  status(code: number): HttpResponse;
  json(body: unknown): HttpResponse;
}
