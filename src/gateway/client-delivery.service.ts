import { Inject, Injectable, Logger, type OnModuleDestroy } from '@nestjs/common';
import type { Server, Socket } from 'socket.io';
import { AppConfig } from '../config/app-config.js';
import { GatewayCounters } from './gateway-counters.js';
import { LatestReadingBuffer } from './latest-reading.buffer.js';
import type { LiveReading, SensorDataEvent } from './live-reading.js';
import { unitRoom } from './room.js';

/** How often behind clients are checked for catching up or running out of time. */
const SWEEP_MS = 100;
/** Every this many sweeps, all clients are checked (a client in no room still gets system_alert broadcasts). */
const FULL_SWEEP_EVERY = 10;
/** A client with this many times WEBSOCKET_SLOW_CLIENT_MAX_QUEUED packets waiting is disconnected at once. */
const HARD_LIMIT_FACTOR = 4;
/** Disconnect reasons after which Socket.IO keeps the session for connection-state recovery. */
const RECOVERABLE = new Set([
  'transport error',
  'transport close',
  'forced close',
  'ping timeout',
  'server shutting down',
  'forced server close',
]);

interface ClientState {
  socket: Socket;
  /** When the client fell behind; undefined while it keeps up. */
  behindSince?: number;
  /** Latest value per sensor not yet sent, while behind. */
  held: LatestReadingBuffer;
  /** The delivery round in which its send buffer was last looked at. */
  checkedInRound: number;
}

/**
 * Packets waiting in the engine's per-connection send buffer. Engine.IO fills it while the transport cannot take
 * more (the client does not read, the network is slow) and does not expose it in its types; its length is the one
 * signal of a client falling behind that costs nothing to read.
 */
export function queuedPackets(socket: Socket): number {
  return (socket.conn as unknown as { writeBuffer?: unknown[] }).writeBuffer?.length ?? 0;
}

/**
 * Sends `sensor_data` to this instance's clients with a bound on what each may cost. A client whose send buffer
 * holds more than WEBSOCKET_SLOW_CLIENT_MAX_QUEUED packets is "behind": the broadcast skips it, and its readings are
 * held as the latest value per sensor (older values of the same sensor are coalesced away and counted). Once its
 * buffer has drained, it gets one `sensor_data` per unit with those latest values and is a normal member again.
 * Behind longer than WEBSOCKET_SLOW_CLIENT_TIMEOUT_MS, or with 4 x the limit queued (rare events such as alarms
 * still queue), it is disconnected, and its connection is torn down without waiting for a drain that is not coming.
 * The others never wait for it: a broadcast writes to each connection's own buffer.
 */
@Injectable()
export class ClientDelivery implements OnModuleDestroy {
  private readonly logger = new Logger(ClientDelivery.name);
  private readonly clients = new Map<string, ClientState>();
  private readonly behind = new Set<ClientState>();
  private server?: Server;
  private timer?: NodeJS.Timeout;
  private sweeps = 0;
  /**
   * Unit rooms of sessions that may still be recovered, with how many: their broadcasts must still be made (and so
   * kept for the replay) although nobody is in the room right now.
   */
  private readonly awaitingRecovery = new Map<string, number>();
  /** Largest send buffer seen at the last full sweep (packets), for the health summary. */
  maxQueuedSeen = 0;
  /** Counts delivery rounds: one fan-out tick, or one message from another instance. */
  private round = 0;

  constructor(
    @Inject(AppConfig) private readonly config: AppConfig,
    private readonly counters: GatewayCounters,
  ) {}

  attach(server: Server): void {
    this.server = server;
    this.timer = setInterval(() => this.sweep(), SWEEP_MS);
    this.timer.unref();
  }

  onModuleDestroy(): void {
    if (this.timer) clearInterval(this.timer);
  }

  add(socket: Socket): void {
    this.clients.set(socket.id, { socket, held: new LatestReadingBuffer(), checkedInRound: -1 });
  }

  remove(socket: Socket): void {
    const state = this.clients.get(socket.id);
    if (!state) return;
    this.counters.readingsDropped += state.held.size;
    this.behind.delete(state);
    this.clients.delete(socket.id);
  }

  /**
   * A client is going (its rooms are still known): with recovery on and a recoverable reason, its unit rooms keep
   * being served for the recovery window.
   */
  disconnecting(socket: Socket, reason: string): void {
    const windowMs = this.config.websocketRecoveryWindowMs;
    if (windowMs === 0 || this.config.redisUrl !== undefined || !RECOVERABLE.has(reason)) return;
    const rooms = [...socket.rooms].filter((r) => r.startsWith('unit:'));
    for (const room of rooms) this.awaitingRecovery.set(room, (this.awaitingRecovery.get(room) ?? 0) + 1);
    setTimeout(() => {
      for (const room of rooms) {
        const n = (this.awaitingRecovery.get(room) ?? 1) - 1;
        if (n <= 0) this.awaitingRecovery.delete(room);
        else this.awaitingRecovery.set(room, n);
      }
    }, windowMs).unref();
  }

  /** Whether a room's broadcasts must be made: members here, or a session of it that may come back. */
  hasListeners(room: string): boolean {
    return (this.server?.sockets.adapter.rooms.get(room)?.size ?? 0) > 0 || this.awaitingRecovery.has(room);
  }

  /** The client left a unit's room: what it held for that unit is not sent. */
  left(socket: Socket, unitId: string): void {
    const state = this.clients.get(socket.id);
    if (state) this.counters.readingsDropped += state.held.forget(unitId);
  }

  /** Sends one unit's readings to its room on this instance, holding them back for members that are behind. */
  deliver(unitId: string, readings: LiveReading[]): void {
    this.deliverRound([[unitId, readings]]);
  }

  /**
   * Sends one round of readings (one fan-out tick: several units) to their rooms. A client's send buffer is judged
   * once per round, at the first unit it watches, before this round wrote to it: the round's own emits (one per
   * watched unit, all in one tick) wait in the buffer until the transport's next write, so a client watching more
   * units than WEBSOCKET_SLOW_CLIENT_MAX_QUEUED would otherwise look behind on every tick while keeping up.
   */
  deliverRound(units: Iterable<readonly [unitId: string, readings: LiveReading[]]>): void {
    if (!this.server) return;
    this.round++;
    const now = Date.now();
    for (const [unitId, readings] of units) this.deliverInRound(unitId, readings, now);
  }

  private deliverInRound(unitId: string, readings: LiveReading[], now: number): void {
    const server = this.server!;
    const room = unitRoom(unitId);
    const members = server.sockets.adapter.rooms.get(room) ?? new Set<string>();
    if (members.size === 0 && !this.awaitingRecovery.has(room)) return;
    let skipped: string[] | undefined;
    for (const id of members) {
      const state = this.clients.get(id);
      if (!state) continue;
      if (state.behindSince === undefined) {
        if (state.checkedInRound === this.round) continue;
        state.checkedInRound = this.round;
        if (queuedPackets(state.socket) < this.config.websocketSlowClientMaxQueued) continue;
        this.fallBehind(state, now);
      }
      this.counters.readingsCoalesced += state.held.add(unitId, readings);
      (skipped ??= []).push(id);
    }
    const payload: SensorDataEvent = { unit_id: unitId, readings };
    // `local`: other instances get the readings as their own message and apply their own policy.
    const target = skipped ? server.local.to(room).except(skipped) : server.local.to(room);
    target.emit('sensor_data', payload);
    this.counters.sensorDataBroadcasts++;
    this.counters.sensorDataSent += members.size - (skipped?.length ?? 0);
  }

  /** Clients behind right now, on this instance. */
  get behindCount(): number {
    return this.behind.size;
  }

  /** Readings held for behind clients right now. */
  get heldReadings(): number {
    let n = 0;
    for (const state of this.behind) n += state.held.size;
    return n;
  }

  private fallBehind(state: ClientState, now: number): void {
    state.behindSince = now;
    this.behind.add(state);
    this.counters.clientsFellBehind++;
  }

  private sweep(): void {
    const now = Date.now();
    const limit = this.config.websocketSlowClientMaxQueued;
    if (++this.sweeps % FULL_SWEEP_EVERY === 0) {
      let max = 0;
      for (const state of this.clients.values()) {
        const queued = queuedPackets(state.socket);
        if (queued > max) max = queued;
        if (queued >= limit && state.behindSince === undefined) this.fallBehind(state, now);
      }
      this.maxQueuedSeen = max;
    }
    for (const state of this.behind) {
      const queued = queuedPackets(state.socket);
      if (
        queued > limit * HARD_LIMIT_FACTOR ||
        now - (state.behindSince ?? now) > this.config.websocketSlowClientTimeoutMs
      ) {
        this.disconnectSlow(state, queued);
      } else if (queued === 0) {
        this.catchUp(state);
      }
    }
  }

  private catchUp(state: ClientState): void {
    this.behind.delete(state);
    state.behindSince = undefined;
    this.counters.clientsCaughtUp++;
    for (const event of state.held.drain()) {
      state.socket.emit('sensor_data', event);
      this.counters.sensorDataSent++;
    }
  }

  private disconnectSlow(state: ClientState, queued: number): void {
    const { socket } = state;
    this.counters.slowClientDisconnects++;
    this.logger.warn(
      `Disconnecting slow client ${socket.id} (${socket.handshake.address}): ${queued} packets waiting, behind for ` +
        `${Date.now() - (state.behindSince ?? Date.now())} ms`,
    );
    this.remove(socket);
    const transport = socket.conn.transport as unknown as { name: string; socket?: { terminate?: () => void } };
    socket.disconnect(true);
    // The engine would wait for its buffer to drain before closing, which a stuck client never lets happen: drop
    // what it holds, and tear the WebSocket down so the kernel's buffers for it are released too.
    socket.conn.close(true);
    if (transport.name === 'websocket') transport.socket?.terminate?.();
  }
}
