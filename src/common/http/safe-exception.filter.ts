import { type ArgumentsHost, Catch, type ExceptionFilter, HttpException, Logger } from '@nestjs/common';
import { BaseWsExceptionFilter } from '@nestjs/websockets';
import type { HttpResponse as Response } from './http-types.js';

/** Errors raised by the body parser (http-errors): their status is meant for the client, their text is not. */
interface ParserError {
  status?: number;
  statusCode?: number;
  type?: string;
  expose?: boolean;
  limit?: number;
}

const PARSER_MESSAGES: Record<string, (e: ParserError) => string> = {
  'entity.parse.failed': () => 'Malformed JSON body',
  'entity.too.large': (e) => `Request body too large (at most ${e.limit} bytes)`,
  'encoding.unsupported': () => 'Unsupported content encoding',
  'charset.unsupported': () => 'Unsupported charset',
  'request.aborted': () => 'Request aborted',
};

/**
 * The last word on every error answer: HTTP exceptions go out as thrown (their messages are written for users);
 * anything else is a 500 that says nothing more, its details go to the log only. No stack trace, SQL or driver
 * message reaches a client.
 */
@Catch()
export class SafeExceptionFilter implements ExceptionFilter {
  private readonly logger = new Logger('HTTP');
  private readonly ws = new BaseWsExceptionFilter();

  catch(exception: unknown, host: ArgumentsHost): void {
    if (host.getType() === 'ws') {
      this.ws.catch(exception, host);
      return;
    }
    if (host.getType() !== 'http') return;
    const response = host.switchToHttp().getResponse<Response>();
    if (response.headersSent) return;
    if (exception instanceof HttpException) {
      const body = exception.getResponse();
      response
        .status(exception.getStatus())
        .json(typeof body === 'object' ? body : { statusCode: exception.getStatus(), message: body });
      return;
    }
    const parser = exception as ParserError;
    const status = parser?.status ?? parser?.statusCode;
    if (typeof status === 'number' && status >= 400 && status < 500 && parser.expose === true) {
      const message = PARSER_MESSAGES[parser.type ?? '']?.(parser) ?? 'Bad request';
      response.status(status).json({ statusCode: status, message });
      return;
    }
    const err = exception instanceof Error ? exception : new Error(String(exception));
    this.logger.error(`Unhandled ${err.name}: ${err.message}`, err.stack);
    response.status(500).json({ statusCode: 500, message: 'Internal server error' });
  }
}
