import type { HealthIndicator, HealthProbe } from '../common/feature/health-indicator.js';

/**
 * The sections of one document (`summary`: /health, `status`: /api/v1/scada/status) from the indicators that have
 * one, ordered by their position there; indicators without a position follow, in registration order.
 */
export function sections(
  indicators: readonly HealthIndicator[],
  document: 'summary' | 'status',
  probe: HealthProbe,
): Record<string, Record<string, unknown>> {
  const present = indicators.filter((indicator) => indicator[document] !== undefined);
  // Array.prototype.sort is stable: equal positions (and the unpositioned) keep registration order.
  const position = (indicator: HealthIndicator) => indicator.positions?.[document] ?? Number.MAX_SAFE_INTEGER;
  const ordered = [...present].sort((a, b) => position(a) - position(b));
  return Object.fromEntries(ordered.map((indicator) => [indicator.name, indicator[document]?.(probe) ?? {}]));
}
