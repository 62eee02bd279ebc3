import type { LoggerService } from '@nestjs/common';

/** The indicators a readiness probe found down, by name, each with what it said (empty: ready). */
export type FailingIndicators = Readonly<Record<string, string>>;

/**
 * Logs readiness when it changes, not on every probe: once when the backend becomes ready, once when it stops being
 * ready (naming the failing indicators and why), once for each change of which indicators fail, and once when it
 * is ready again. Probes come every few seconds for as long as an outage lasts; their own lines are at debug.
 * A change of an indicator's message alone (a new error text for the same outage) is not a change of readiness.
 */
export class ReadinessLog {
  /** Sorted failing indicator names of the last probe; undefined before the first probe. */
  private last: string | undefined;
  private wasReady = false;

  constructor(private readonly logger: Pick<LoggerService, 'log' | 'warn'>) {}

  observe(failing: FailingIndicators): void {
    const names = Object.keys(failing).sort();
    const key = names.join(',');
    if (key === this.last) return;
    const first = this.last === undefined;
    this.last = key;
    if (names.length === 0) {
      this.logger.log(first ? 'Ready' : 'Ready again');
      this.wasReady = true;
      return;
    }
    const why = names.map((name) => `${name} (${failing[name]})`).join(', ');
    this.logger.warn(`${this.wasReady ? 'No longer ready' : 'Not ready'}: ${why}`);
  }
}

/** The failing indicators of a Terminus result (`{ status: 'error', error: { mqtt: { status, message } } }`). */
export function failingIndicatorsOf(result: unknown): FailingIndicators {
  const error = (result as { error?: unknown } | undefined)?.error;
  if (typeof error !== 'object' || error === null) return { readiness: 'failed' };
  const failing: Record<string, string> = {};
  for (const [name, details] of Object.entries(error as Record<string, unknown>)) {
    const message = (details as { message?: unknown } | undefined)?.message;
    failing[name] = typeof message === 'string' && message !== '' ? message : 'down';
  }
  return Object.keys(failing).length > 0 ? failing : { readiness: 'failed' };
}
