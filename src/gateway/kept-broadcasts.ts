import type { Room } from 'socket.io-adapter';

/** Bytes of JSON per chunk of the log; a larger broadcast gets a chunk of its own. */
export const CHUNK_BYTES = 256 * 1024;
const NO_ROOMS: readonly Room[] = [];

/** One broadcast as kept: enough to decide whom it reached and to give its arguments back. */
export interface KeptBroadcast {
  seq: number;
  emittedAt: number;
  /** The rooms it went to (none: everyone) and the rooms it skipped. */
  rooms: readonly Room[];
  except: readonly Room[];
  /** The event name and arguments, the offset last, as JSON. */
  json: string;
}

/**
 * The broadcasts kept for connection-state recovery, oldest first, stored so that keeping them costs the
 * young-generation collector nothing: a live flow keeps several thousand broadcasts a second for the recovery
 * window, and every object kept is copied by the next collections and then promoted. Each broadcast's JSON goes
 * into large off-heap Buffers (the collector moves a chunk's small handle, never its bytes), and its sequence
 * number, time and position go into parallel arrays of numbers; its rooms are the room name itself (a string that
 * exists anyway) when it went to one room, as the gateway's do. Pure: no timers, the caller prunes.
 */
export class KeptBroadcasts {
  private readonly seqs: number[] = [];
  private readonly times: number[] = [];
  /** A single room as its name; several as an array. */
  private readonly rooms: (Room | readonly Room[])[] = [];
  private readonly excepts: (readonly Room[])[] = [];
  private readonly chunkOf: Buffer[] = [];
  private readonly starts: number[] = [];
  private readonly lengths: number[] = [];
  private chunk: Buffer = Buffer.allocUnsafeSlow(0);
  private used = 0;

  get size(): number {
    return this.seqs.length;
  }

  /** Keeps one broadcast; `seq` must be larger than every one kept before it. */
  add(
    seq: number,
    emittedAt: number,
    rooms: ReadonlySet<Room>,
    except: ReadonlySet<Room> | undefined,
    json: string,
  ): void {
    const bytes = Buffer.byteLength(json);
    if (this.used + bytes > this.chunk.length) {
      this.chunk = Buffer.allocUnsafeSlow(Math.max(CHUNK_BYTES, bytes));
      this.used = 0;
    }
    this.chunk.write(json, this.used, 'utf8');
    this.chunkOf.push(this.chunk);
    this.starts.push(this.used);
    this.lengths.push(bytes);
    this.used += bytes;
    this.seqs.push(seq);
    this.times.push(emittedAt);
    this.rooms.push(rooms.size === 1 ? rooms.values().next().value! : rooms.size === 0 ? NO_ROOMS : [...rooms]);
    this.excepts.push(except === undefined || except.size === 0 ? NO_ROOMS : [...except]);
  }

  /** Index of the broadcast after the one numbered `seq`; undefined when that one is not kept (too old, unknown). */
  indexAfter(seq: number): number | undefined {
    let low = 0;
    let high = this.seqs.length - 1;
    while (low <= high) {
      const mid = (low + high) >>> 1;
      const at = this.seqs[mid];
      if (at === seq) return mid + 1;
      if (at < seq) low = mid + 1;
      else high = mid - 1;
    }
    return undefined;
  }

  at(index: number): KeptBroadcast {
    const rooms = this.rooms[index];
    const start = this.starts[index];
    return {
      seq: this.seqs[index],
      emittedAt: this.times[index],
      rooms: typeof rooms === 'string' ? [rooms] : rooms,
      except: this.excepts[index],
      json: this.chunkOf[index].toString('utf8', start, start + this.lengths[index]),
    };
  }

  /** Whether the broadcast at `index` reached a member of these rooms (Socket.IO's rule: any of them, skipping none). */
  reaches(index: number, sessionRooms: readonly Room[]): boolean {
    const rooms = this.rooms[index];
    const except = this.excepts[index];
    const included =
      typeof rooms === 'string'
        ? sessionRooms.includes(rooms)
        : rooms.length === 0 || sessionRooms.some((room) => rooms.includes(room));
    return included && sessionRooms.every((room) => !except.includes(room));
  }

  /** Lets go of the broadcasts emitted before `threshold` (epoch ms); a chunk goes with its last broadcast. */
  dropBefore(threshold: number): number {
    let expired = 0;
    while (expired < this.times.length && this.times[expired] < threshold) expired++;
    if (expired === 0) return 0;
    for (const column of [this.seqs, this.times, this.rooms, this.excepts, this.chunkOf, this.starts, this.lengths]) {
      column.splice(0, expired);
    }
    return expired;
  }
}
