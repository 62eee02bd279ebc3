import { type ExecutionContext, Global, Module } from '@nestjs/common';
import { APP_FILTER, APP_GUARD, APP_INTERCEPTOR } from '@nestjs/core';
import { ThrottlerModule } from '@nestjs/throttler';
import { AppConfig } from '../../config/app-config.js';
import { AuditController } from '../audit/audit.controller.js';
import { AuditInterceptor } from '../audit/audit.interceptor.js';
import { AuditLog } from '../audit/audit-log.service.js';
import { AuthFailureLimiter } from './auth-failure.limiter.js';
import { SafeExceptionFilter } from '../http/safe-exception.filter.js';
import { STRICT_RATE_LIMIT } from './access.js';
import { ApiKeyService } from './api-key.service.js';
import { ApiKeysController } from './api-keys.controller.js';
import { AuthGuard } from './auth.guard.js';
import { Authenticator } from './authenticator.service.js';
import { RateLimitGuard } from './rate-limit.guard.js';
import { UnitScopeInterceptor } from './unit-scope.interceptor.js';

/**
 * Authentication, authorisation, audit and request limits for the whole application. The guards are global
 * (APP_GUARD, in this order): AuthGuard first, so the rate limit counts per authenticated caller.
 */
@Global()
@Module({
  imports: [
    ThrottlerModule.forRootAsync({
      inject: [AppConfig],
      useFactory: (config: AppConfig) => [
        { name: 'default', ttl: 60_000, limit: config.httpRateLimitPerMinute },
        {
          name: 'strict',
          ttl: 60_000,
          limit: config.strictRateLimitPerMinute,
          skipIf: (context: ExecutionContext) => Reflect.getMetadata(STRICT_RATE_LIMIT, context.getHandler()) !== true,
        },
      ],
    }),
  ],
  controllers: [ApiKeysController, AuditController],
  providers: [
    ApiKeyService,
    Authenticator,
    AuditLog,
    AuthFailureLimiter,
    { provide: APP_GUARD, useClass: AuthGuard },
    { provide: APP_GUARD, useClass: RateLimitGuard },
    { provide: APP_INTERCEPTOR, useClass: AuditInterceptor },
    { provide: APP_INTERCEPTOR, useClass: UnitScopeInterceptor },
    { provide: APP_FILTER, useClass: SafeExceptionFilter },
  ],
  exports: [ApiKeyService, Authenticator, AuditLog, AuthFailureLimiter],
})
export class AuthModule {}
