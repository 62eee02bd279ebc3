import type { Logger } from '@nestjs/common';

/**
 * Logs at most one line per key per interval and says how many were held back, so a flood of bad input
 * or a database outage produces a readable log instead of one line per message.
 */
export class ThrottledLogger {
  private readonly last = new Map<string, { at: number; suppressed: number }>();

  constructor(
    private readonly logger: Logger,
    private readonly intervalMs = 10_000,
    private readonly now: () => number = Date.now,
  ) {}

  /** `message` may be a function: it is then called only when the line is written (nothing built per message). */
  warn(key: string, message: string | (() => string)): void {
    this.write('warn', key, message);
  }

  error(key: string, message: string | (() => string)): void {
    this.write('error', key, message);
  }

  private write(level: 'warn' | 'error', key: string, message: string | (() => string)): void {
    const now = this.now();
    const entry = this.last.get(key);
    if (entry && now - entry.at < this.intervalMs) {
      entry.suppressed++;
      return;
    }
    const suffix = entry && entry.suppressed > 0 ? ` (+${entry.suppressed} similar since last report)` : '';
    this.last.set(key, { at: now, suppressed: 0 });
    this.logger[level]((typeof message === 'string' ? message : message()) + suffix);
  }
}
