import { Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import { DatabasePool } from '../common/database/database.pool.js';
import { ThrottledLogger } from '../common/logging/throttled-logger.js';
import { AppConfig } from '../config/app-config.js';

/**
 * last_seen of the sensors and of their units, in one statement. The database clock, as for first_seen: one clock
 * for every instance, and first_seen <= last_seen always holds.
 */
const UPDATE_LAST_SEEN = `
  WITH seen AS (UPDATE sensors SET last_seen = now() WHERE id = ANY ($1::int4[]) RETURNING unit_id)
  UPDATE units SET last_seen = now() WHERE id IN (SELECT unit_id FROM seen)`;

/**
 * Keeps `last_seen` of sensors and units current off the acknowledgement path: the writer notes the sensors of
 * each committed batch (after it settled the batch's acks), and their ids are coalesced into one UPDATE at most
 * every LAST_SEEN_INTERVAL_MS, however many batches arrived meanwhile. last_seen is informative: a failed update
 * (say, a deadlock with another instance updating the same sensors) is logged and its sensors are tried again with
 * the next one; it never holds an ack nor makes a batch be written again. Memory is bounded by the known sensors.
 */
@Injectable()
export class LastSeenWriter implements OnApplicationShutdown {
  private readonly errorLog = new ThrottledLogger(new Logger(LastSeenWriter.name));
  private pending = new Set<number>();
  private timer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> | undefined;
  /** performance.now() of the last update sent; -Infinity before the first, so the first goes at once. */
  private lastFlushAt = -Infinity;
  private stopped = false;
  /** Updates that failed (their sensors wait for the next one). */
  failures = 0;

  constructor(
    private readonly db: DatabasePool,
    private readonly config: AppConfig,
  ) {}

  /** Notes sensors whose readings were just committed. */
  note(sensorIds: Iterable<number>): void {
    for (const id of sensorIds) this.pending.add(id);
    this.schedule();
  }

  /** At shutdown, what is noted gets one last update (the pool is still open: Nest closes it after this). */
  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    await this.flushing;
    if (this.pending.size > 0) await this.flush();
  }

  private schedule(): void {
    if (this.stopped || this.timer || this.flushing || this.pending.size === 0) return;
    const wait = Math.max(0, this.lastFlushAt + this.config.lastSeenIntervalMs - performance.now());
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.flush();
    }, wait);
    this.timer.unref();
  }

  private flush(): Promise<void> {
    const ids = this.pending;
    this.pending = new Set();
    this.lastFlushAt = performance.now();
    this.flushing = this.db
      .execute(UPDATE_LAST_SEEN, [`{${[...ids].join(',')}}`])
      .then(
        () => undefined,
        (err: unknown) => {
          this.failures++;
          for (const id of ids) this.pending.add(id);
          this.errorLog.error(
            'last_seen',
            `Updating last_seen failed: ${err instanceof Error ? err.message : String(err)}`,
          );
        },
      )
      .finally(() => {
        this.flushing = undefined;
        this.schedule();
      });
    return this.flushing;
  }
}
