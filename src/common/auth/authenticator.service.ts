import { Injectable } from '@nestjs/common';
import { AppConfig } from '../../config/app-config.js';
import { ApiKeyService } from './api-key.service.js';
import { JwtVerifier } from './jwt.verifier.js';
import type { Principal } from './principal.js';

/** Longest credential looked at: anything longer is refused before any parsing. */
const MAX_TOKEN_LENGTH = 8192;

/** The credential of an HTTP request: `Authorization: Bearer <token>`, or `X-API-Key: <key>`. */
export function tokenFromHeaders(headers: Record<string, string | string[] | undefined>): string | undefined {
  const authorization = headers.authorization;
  if (typeof authorization === 'string') {
    const match = /^Bearer[ ]+(\S+)\s*$/i.exec(authorization);
    return match?.[1];
  }
  const apiKey = headers['x-api-key'];
  return typeof apiKey === 'string' && apiKey.trim() !== '' ? apiKey.trim() : undefined;
}

/** Turns a presented credential (API key or JWT) into the caller, for HTTP and Socket.IO alike. */
@Injectable()
export class Authenticator {
  private readonly jwt?: JwtVerifier;

  constructor(
    config: AppConfig,
    private readonly keys: ApiKeyService,
  ) {
    if (config.authJwt !== undefined) this.jwt = new JwtVerifier(config.authJwt);
  }

  /** The caller, or undefined for a missing, malformed, unknown, revoked, expired or wrongly signed credential. */
  async authenticate(token: unknown): Promise<Principal | undefined> {
    if (typeof token !== 'string' || token.length === 0 || token.length > MAX_TOKEN_LENGTH) return undefined;
    if (token.startsWith('tc_')) return this.keys.authenticate(token);
    if (this.jwt !== undefined && token.split('.').length === 3) return this.jwt.verify(token);
    return undefined;
  }
}
