import type { HealthIndicator } from '../common/feature/health-indicator.js';
import type { AlertsService } from './alerts.service.js';

/**
 * The /health `realtime_processor` section: what runs on every processed batch, the custom handlers (processor/,
 * which alerts/ builds on) and the enabled alarm rules. It never degrades /health.
 */
export function realtimeProcessorHealthIndicator(
  alerts: Pick<AlertsService, 'enabledRuleCount'>,
  activeHandlers: () => number,
): HealthIndicator {
  return {
    name: 'realtime_processor',
    positions: { summary: 30 },
    summary: () => ({ active_handlers: activeHandlers(), alert_rules: alerts.enabledRuleCount }),
  };
}

/** The alarm engine's `alarms` section of /api/v1/scada/status. Its write errors show there and in /metrics. */
export function alarmsHealthIndicator(alerts: Pick<AlertsService, 'status'>): HealthIndicator {
  return { name: 'alarms', positions: { status: 60 }, status: () => ({ ...alerts.status() }) };
}
