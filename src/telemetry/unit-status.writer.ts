import { Injectable } from '@nestjs/common';
import type { ProcessedUnitStatus, UnitStatus, UnitStatusChange } from '../common/bus/event-map.js';
import { DatabasePool } from '../common/database/database.pool.js';

/**
 * One statement for all the statuses of a batch: unknown units are created with their status, known ones take
 * it only when it is newer than the status they have (`status_time`), so the latest report wins whatever order
 * reports are processed in. A report with the same time as the stored one changes nothing, which makes a
 * redelivery a no-op. RETURNING lists exactly the units whose status was set.
 */
const APPLY_STATUSES = `
  INSERT INTO units (id, status, status_time)
  SELECT s.id, s.status, timestamptz 'epoch' + s.time_us * interval '1 microsecond'
  FROM unnest($1::varchar[], $2::varchar[], $3::int8[]) AS s(id, status, time_us)
  ON CONFLICT (id) DO UPDATE SET status = EXCLUDED.status, status_time = EXCLUDED.status_time
  WHERE units.status_time IS NULL OR units.status_time < EXCLUDED.status_time
  RETURNING id`;

/** Writes unit statuses to `units`; called by the batch writer so a batch's statuses commit with its readings. */
@Injectable()
export class UnitStatusWriter {
  constructor(private readonly db: DatabasePool) {}

  /** Applies the statuses and returns those that were set (the others were older than what the unit had). */
  async apply(statuses: readonly ProcessedUnitStatus[]): Promise<UnitStatusChange[]> {
    // ON CONFLICT DO UPDATE may touch a row once per statement: keep each unit's latest report (the later
    // arrival on a tie, like any later message).
    const latest = new Map<string, { status: UnitStatus; time: number }>();
    for (const s of statuses) {
      const seen = latest.get(s.unitId);
      if (!seen || s.time >= seen.time) latest.set(s.unitId, { status: s.status, time: s.time });
    }
    const ids = [...latest.keys()];
    const rows = await this.db.query<{ id: string }>(APPLY_STATUSES, [
      ids,
      ids.map((id) => latest.get(id)!.status),
      ids.map((id) => Math.round(latest.get(id)!.time * 1000)),
    ]);
    return rows.map(({ id }) => ({ unitId: id, ...latest.get(id)! }));
  }
}
