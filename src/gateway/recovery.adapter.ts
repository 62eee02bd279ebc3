import { randomBytes } from 'node:crypto';
import { Adapter, type BroadcastOptions, type PrivateSessionId, type Room, type Session } from 'socket.io-adapter';
import type { Namespace, ServerOptions } from 'socket.io';

/** How often broadcasts older than the recovery window are let go. */
export const PRUNE_EVERY_MS = 1000;
/** socket.io-parser's packet type of an event (only events are replayed, as Socket.IO's own adapter does). */
const EVENT = 2;
const NO_ROOMS: readonly Room[] = [];

/** What Socket.IO hands the adapter when a client drops (its rooms and data). */
type SessionToPersist = Omit<Session, 'missedPackets'>;

/** A broadcast kept for replay: one string and two small arrays instead of the packet's object graph. */
interface KeptBroadcast {
  seq: number;
  emittedAt: number;
  /** The rooms it went to (none: everyone) and the rooms it skipped. */
  rooms: readonly Room[];
  except: readonly Room[];
  /** The event name and arguments, the offset last, as JSON (the gateway's events carry no binary). */
  json: string;
}

/**
 * The in-memory adapter with Socket.IO's connection-state recovery, for one instance (WEBSOCKET_RECOVERY_WINDOW_MS):
 * it keeps every event broadcast for the recovery window and replays what a returning client missed, as Socket.IO's
 * SessionAwareAdapter does, with two differences that matter on the live path.
 *
 * - **Kept compactly.** SessionAwareAdapter keeps each broadcast's packet as it is: the readings' objects, their
 *   timestamp strings, and Sets of rooms: 970 bytes for a one-reading broadcast, against 457 here (`--expose-gc`,
 *   100,000 into each). At 10,000 readings/s the kept broadcasts grew the heap by about 13 MB a second
 *   (measured then), all of it living through young-generation collections that copied it and took 10-28 ms (7-9 % of
 *   the backend's time, in the pauses that made the live p99). Here a broadcast is kept as one JSON string; a
 *   replay parses what the client missed. The string costs one JSON.stringify per broadcast (per unit and turn,
 *   not per client: 0.7-1 µs for a one-reading event), beside the encoder's own: the encoded packet is not
 *   reachable from an adapter (Adapter#_encode is private), and the trade against the collections is lopsided.
 * - **Let go within a second** after the window, not once a minute (which, with a 10 s window, held up to 70 s).
 *
 * Offsets (the id appended to each event, which the client sends back when it reconnects) are a per-process prefix
 * and a sequence number, so the missed ones are found by binary search, and an offset from another process or an
 * earlier start never matches.
 */
export class RecoveryAdapter extends Adapter {
  private readonly windowMs: number;
  private readonly sessions = new Map<PrivateSessionId, SessionToPersist & { disconnectedAt: number }>();
  private readonly kept: KeptBroadcast[] = [];
  private readonly offsetPrefix = `${randomBytes(4).toString('hex')}-`;
  private seq = 0;
  private readonly pruner: NodeJS.Timeout;

  constructor(nsp: Namespace) {
    super(nsp);
    // The server's options are not in the namespace's public types.
    const opts = (nsp.server as unknown as { opts: Partial<ServerOptions> }).opts;
    this.windowMs = opts.connectionStateRecovery?.maxDisconnectionDuration ?? 0;
    this.pruner = setInterval(() => this.prune(), PRUNE_EVERY_MS);
    this.pruner.unref();
  }

  /** Broadcasts kept for replay right now. */
  get keptBroadcasts(): number {
    return this.kept.length;
  }

  override close(): Promise<void> | void {
    clearInterval(this.pruner);
    return super.close();
  }

  override persistSession(session: SessionToPersist): void {
    this.sessions.set(session.pid, { ...session, disconnectedAt: Date.now() });
  }

  override restoreSession(pid: PrivateSessionId, offset: string): Promise<Session> {
    return Promise.resolve(this.restore(pid, offset) as Session);
  }

  override broadcast(packet: { type: number; id?: number; data: unknown[] }, opts: BroadcastOptions): void {
    // An acknowledgement cannot be replayed, nor is a volatile event meant to be.
    if (packet.type === EVENT && packet.id === undefined && opts.flags?.volatile === undefined) {
      const seq = ++this.seq;
      // The offset travels as the event's last argument: the client keeps the last one it got.
      packet.data.push(`${this.offsetPrefix}${seq}`);
      this.kept.push({
        seq,
        emittedAt: Date.now(),
        rooms: opts.rooms.size === 0 ? NO_ROOMS : [...opts.rooms],
        except: opts.except === undefined || opts.except.size === 0 ? NO_ROOMS : [...opts.except],
        json: JSON.stringify(packet.data),
      });
    }
    super.broadcast(packet, opts);
  }

  private restore(pid: PrivateSessionId, offset: string): Session | null {
    const session = this.sessions.get(pid);
    if (session === undefined) return null;
    if (session.disconnectedAt + this.windowMs < Date.now()) {
      this.sessions.delete(pid);
      return null;
    }
    const next = this.indexAfter(offset);
    if (next === undefined) return null;
    const missedPackets: unknown[][] = [];
    for (let i = next; i < this.kept.length; i++) {
      const kept = this.kept[i];
      if (reaches(kept, session.rooms)) missedPackets.push(JSON.parse(kept.json) as unknown[]);
    }
    return { sid: session.sid, pid: session.pid, rooms: session.rooms, data: session.data, missedPackets };
  }

  /** Index of the first broadcast after the one with this offset; undefined when it is not kept (too old, unknown). */
  private indexAfter(offset: string): number | undefined {
    if (!offset.startsWith(this.offsetPrefix)) return undefined;
    const seq = Number(offset.slice(this.offsetPrefix.length));
    let low = 0;
    let high = this.kept.length - 1;
    while (low <= high) {
      const mid = (low + high) >>> 1;
      const at = this.kept[mid].seq;
      if (at === seq) return mid + 1;
      if (at < seq) low = mid + 1;
      else high = mid - 1;
    }
    return undefined;
  }

  private prune(): void {
    const threshold = Date.now() - this.windowMs;
    let expired = 0;
    while (expired < this.kept.length && this.kept[expired].emittedAt < threshold) expired++;
    if (expired > 0) this.kept.splice(0, expired);
    for (const [pid, session] of this.sessions) if (session.disconnectedAt < threshold) this.sessions.delete(pid);
  }
}

/** Whether a broadcast reached a member of these rooms (Socket.IO's rule: to any of them, skipping none of them). */
function reaches(kept: KeptBroadcast, sessionRooms: readonly Room[]): boolean {
  const included = kept.rooms.length === 0 || sessionRooms.some((room) => kept.rooms.includes(room));
  return included && sessionRooms.every((room) => !kept.except.includes(room));
}
