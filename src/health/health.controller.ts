import { Controller, Get, Logger, ServiceUnavailableException } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiServiceUnavailableResponse, ApiTags } from '@nestjs/swagger';
import { HealthCheck, HealthCheckService, HealthIndicatorService, type HealthCheckResult } from '@nestjs/terminus';
import { PublicAccess } from '../common/auth/access.js';
import { HealthService } from './health.service.js';
import { failingIndicatorsOf, ReadinessLog } from './readiness.log.js';
import { ShutdownState } from '../common/lifecycle/shutdown-state.js';

@ApiTags('health')
@PublicAccess('Kubernetes probes and monitoring must work without credentials')
@Controller('health')
export class HealthController {
  private readonly readiness = new ReadinessLog(new Logger('Readiness'));

  constructor(
    private readonly health: HealthService,
    private readonly checks: HealthCheckService,
    private readonly indicators: HealthIndicatorService,
    private readonly shutdown: ShutdownState,
  ) {}

  @Get()
  @ApiOperation({ summary: 'State of every service: MQTT, Socket.IO, processor, OPC UA, simulator, database' })
  @ApiOkResponse({
    description:
      'Always 200; `status` is `healthy` or `degraded` (database, MQTT, and OPC UA once configured or connected).',
  })
  summary() {
    return this.health.summary();
  }

  @Get('live')
  @HealthCheck()
  @ApiOperation({ summary: 'Liveness probe: the process answers. Never depends on the database or the broker.' })
  live() {
    return this.checks.check([() => this.indicators.check('process').up({ uptime_s: Math.round(process.uptime()) })]);
  }

  @Get('ready')
  @HealthCheck()
  @ApiOperation({
    summary:
      'Readiness probe: the database answers, the MQTT broker is connected and no shutdown is under way (OPC UA, optional, is not checked)',
  })
  @ApiOkResponse({ description: 'Ready to take traffic' })
  @ApiServiceUnavailableResponse({ description: 'Shutting down, database unreachable or MQTT disconnected' })
  ready(): Promise<HealthCheckResult> {
    return this.observed(this.readyChecks());
  }

  private readyChecks(): Promise<HealthCheckResult> {
    // From the signal on, at once and without asking the database: traffic must go elsewhere while this drains.
    if (this.shutdown.draining) {
      return this.checks.check([() => this.indicators.check('lifecycle').down({ message: 'shutting down' })]);
    }
    // The database is everyone's; the rest is what the features that decide readiness say (MQTT).
    return this.checks.check([
      async () => {
        const db = (await this.health.probe()).database;
        const check = this.indicators.check('database');
        return db.ok ? check.up() : check.down({ message: db.error ?? 'unreachable' });
      },
      ...this.health.readinessIndicators().map((indicator) => () => {
        const readiness = indicator.ready?.() ?? { up: true };
        const check = this.indicators.check(indicator.name);
        return readiness.up ? check.up() : check.down(readiness.details);
      }),
    ]);
  }

  /** Readiness is logged when it changes (ReadinessLog), not per probe: Terminus's own failure log is off. */
  private async observed(probe: Promise<HealthCheckResult>): Promise<HealthCheckResult> {
    try {
      const result = await probe;
      this.readiness.observe({});
      return result;
    } catch (err) {
      if (err instanceof ServiceUnavailableException) this.readiness.observe(failingIndicatorsOf(err.getResponse()));
      throw err;
    }
  }
}
