import { Inject, Injectable } from '@nestjs/common';
import { ThrottlerStorage } from '@nestjs/throttler';
import { AppConfig } from '../../config/app-config.js';

const FAILURE_WINDOW_MS = 60_000;

/**
 * Failed authentications per source address (AUTH_FAILURE_LIMIT a minute), shared by REST (AuthGuard) and the
 * Socket.IO handshake. Only failures are limited: callers check credentials first and ask here only when they
 * were wrong, so valid credentials from a blocked address still pass.
 */
@Injectable()
export class AuthFailureLimiter {
  /** Addresses refused until the given time, after too many failed authentications. */
  private readonly blockedUntil = new Map<string, number>();

  constructor(
    private readonly config: AppConfig,
    @Inject(ThrottlerStorage) private readonly storage: ThrottlerStorage,
  ) {}

  /** Counts a failure from `source`; true when the source is (now) over the limit. */
  async fail(source: string): Promise<boolean> {
    const now = Date.now();
    if ((this.blockedUntil.get(source) ?? 0) > now) return true;
    const limit = this.config.authFailureLimit;
    const record = await this.storage.increment(
      `auth-failure:${source}`,
      FAILURE_WINDOW_MS,
      limit,
      FAILURE_WINDOW_MS,
      'auth',
    );
    if (record.isBlocked) {
      this.blockedUntil.set(source, now + record.timeToBlockExpire * 1000);
      for (const [address, until] of this.blockedUntil) if (until <= now) this.blockedUntil.delete(address);
    }
    return record.isBlocked;
  }
}
