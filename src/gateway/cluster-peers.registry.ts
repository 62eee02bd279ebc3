import { IDENTIFIER } from '../common/identifier.js';

/**
 * What an instance watches, as it announces it in its report: the unit ids its rooms have members for, or every
 * unit (it watches more than the others accept in a list, or runs a version from before watch sets).
 */
export type WatchAnnouncement = { all: true } | { units: string[] };

/** An instance's report (`scada.instance_stats`), every 2 s and whenever what it watches changes. */
export interface InstanceReport {
  instance: string;
  clients: number;
  /** Absent in reports of instances from before watch sets: they are taken to watch every unit. */
  watch?: WatchAnnouncement;
}

/** How a report was taken. */
export type ReportOutcome = 'accepted' | 'truncated' | 'malformed';

interface Peer {
  clients: number;
  /** The units it watches; undefined = every unit. */
  units: ReadonlySet<string> | undefined;
  at: number;
}

/**
 * The other instances, from their reports: how many clients each holds and which units their rooms watch, with
 * the union of those sets kept current so the fan-out asks "does any peer watch this unit?" in one map lookup per
 * unit and batch. A list longer than `maxUnits` is not kept: the peer is taken to watch every unit (nothing it
 * wants goes missing, memory stays bounded) and the report is counted as truncated. A report that does not check
 * out changes nothing (the peer's last good one stands until it expires). A peer silent for `expiryMs` is gone.
 * Pure: the caller passes the time.
 */
export class ClusterPeers {
  private readonly peers = new Map<string, Peer>();
  /** Per unit, how many peers list it. */
  private readonly watchers = new Map<string, number>();
  /** Peers that watch every unit. */
  private watchingAll = 0;
  truncated = 0;

  constructor(
    private readonly self: string,
    private readonly maxUnits: number,
    private readonly expiryMs: number,
  ) {}

  accept(report: unknown, now: number): ReportOutcome {
    const r = report as Partial<InstanceReport> | null;
    if (typeof r !== 'object' || r === null || typeof r.instance !== 'string' || r.instance === '') return 'malformed';
    if (typeof r.clients !== 'number' || !Number.isInteger(r.clients) || r.clients < 0) return 'malformed';
    if (r.instance === this.self) return 'accepted';
    let units: ReadonlySet<string> | undefined;
    let outcome: ReportOutcome = 'accepted';
    const watch = r.watch as Partial<{ all: unknown; units: unknown }> | undefined;
    if (watch === undefined) units = undefined;
    else if (typeof watch !== 'object' || watch === null) return 'malformed';
    else if (watch.all === true) units = undefined;
    else {
      const list = watch.units;
      if (!Array.isArray(list)) return 'malformed';
      for (const id of list as unknown[]) if (typeof id !== 'string' || !IDENTIFIER.test(id)) return 'malformed';
      if (list.length > this.maxUnits) {
        this.truncated++;
        outcome = 'truncated';
        units = undefined;
      } else units = new Set(list as string[]);
    }
    const previous = this.peers.get(r.instance);
    this.forget(previous);
    this.peers.set(r.instance, { clients: r.clients, units, at: now });
    this.count(units, 1);
    return outcome;
  }

  /** Whether any peer's rooms watch this unit. */
  watches(unitId: string): boolean {
    return this.watchingAll > 0 || this.watchers.has(unitId);
  }

  /** Whether any peer watches anything at all. */
  get watchesAny(): boolean {
    return this.watchingAll > 0 || this.watchers.size > 0;
  }

  /** Distinct units some peer lists (peers watching every unit aside). */
  get watchedUnits(): number {
    return this.watchers.size;
  }

  /** Drops the peers silent for longer than the expiry. */
  expire(now: number): void {
    for (const [id, peer] of this.peers) {
      if (now - peer.at > this.expiryMs) {
        this.forget(peer);
        this.peers.delete(id);
      }
    }
  }

  /** The peers still reporting, by id, expired ones dropped first. */
  list(now: number): { instance: string; clients: number; watched_units: number | 'all' }[] {
    this.expire(now);
    return [...this.peers].map(([instance, p]) => ({
      instance,
      clients: p.clients,
      watched_units: p.units === undefined ? 'all' : p.units.size,
    }));
  }

  private forget(peer: Peer | undefined): void {
    if (peer) this.count(peer.units, -1);
  }

  private count(units: ReadonlySet<string> | undefined, delta: 1 | -1): void {
    if (units === undefined) {
      this.watchingAll += delta;
      return;
    }
    for (const unit of units) {
      const n = (this.watchers.get(unit) ?? 0) + delta;
      if (n <= 0) this.watchers.delete(unit);
      else this.watchers.set(unit, n);
    }
  }
}
