import { randomUUID } from 'node:crypto';

/** A select of select-before-operate: who selected which point for which value, until when. */
export interface Selection {
  id: string;
  unitId: string;
  sensorType: string;
  /** The value the operate must ask for (the number it sends). */
  value: number;
  /** Principal id of the caller who selected: only they may operate on it. */
  by: string;
  /** Epoch milliseconds after which the operate is refused. */
  expiresAt: number;
}

export type SelectionCheck = { ok: true; selection: Selection } | { ok: false; reason: string };

/**
 * Selections of select-before-operate (IEC 61850 SBO, DNP3 select/operate): an operate must carry a selection of
 * the same point, value and caller, made less than the window before, and uses it up. One selection per point at a
 * time (a new select replaces the previous one), so the book holds at most one entry per writable point and an
 * outsider cannot grow it. Kept in memory: a selection lives seconds, and an operate that reaches another instance
 * than its select is refused, which is the safe way to fail. The clock is injected.
 */
export class SelectionBook {
  private readonly byPoint = new Map<string, Selection>();

  constructor(
    private readonly windowMs: number,
    private readonly now: () => number = Date.now,
    private readonly newId: () => string = randomUUID,
  ) {}

  select(unitId: string, sensorType: string, value: number, by: string): Selection {
    this.sweep();
    const selection: Selection = {
      id: this.newId(),
      unitId,
      sensorType,
      value,
      by,
      expiresAt: this.now() + this.windowMs,
    };
    this.byPoint.set(key(unitId, sensorType), selection);
    return selection;
  }

  /** Uses the selection up if it matches; a refused one stays (the right caller may still operate in time). */
  take(id: string | undefined, unitId: string, sensorType: string, value: number, by: string): SelectionCheck {
    if (id === undefined) {
      return {
        ok: false,
        reason: 'this point requires select-before-operate: POST .../commands/select first and send its selection_id',
      };
    }
    const selection = this.byPoint.get(key(unitId, sensorType));
    if (selection === undefined || selection.id !== id) {
      return {
        ok: false,
        reason: `selection ${id} is not the current selection of ${unitId}/${sensorType} (expired, used or replaced)`,
      };
    }
    if (this.now() > selection.expiresAt) {
      this.byPoint.delete(key(unitId, sensorType));
      return {
        ok: false,
        reason: `selection ${id} expired at ${new Date(selection.expiresAt).toISOString()}; select again`,
      };
    }
    if (selection.by !== by) return { ok: false, reason: `selection ${id} was made by another caller` };
    if (selection.value !== value) {
      return { ok: false, reason: `selection ${id} is for value ${selection.value}, not ${value}` };
    }
    this.byPoint.delete(key(unitId, sensorType));
    return { ok: true, selection };
  }

  get size(): number {
    return this.byPoint.size;
  }

  private sweep(): void {
    const now = this.now();
    for (const [k, s] of this.byPoint) if (now > s.expiresAt) this.byPoint.delete(k);
  }
}

const key = (unitId: string, sensorType: string): string => `${unitId}/${sensorType}`;
