import { Inject, Logger, type OnModuleDestroy } from '@nestjs/common';
import {
  ConnectedSocket,
  MessageBody,
  type OnGatewayConnection,
  type OnGatewayInit,
  SubscribeMessage,
  WebSocketGateway,
  WebSocketServer,
} from '@nestjs/websockets';
import type { Server, Socket } from 'socket.io';
import { AuditLog } from '../common/audit/audit-log.service.js';
import { AuthFailureLimiter } from '../common/auth/auth-failure.limiter.js';
import { RequireRole } from '../common/auth/access.js';
import { ApiKeyService } from '../common/auth/api-key.service.js';
import { Authenticator } from '../common/auth/authenticator.service.js';
import { ANONYMOUS, mayAccessUnit, type Principal } from '../common/auth/principal.js';
import { DatabasePool } from '../common/database/database.pool.js';
import { AppConfig } from '../config/app-config.js';
import { LatestValues } from '../telemetry/latest-values.service.js';
import { SensorSettingsCache } from '../processor/sensor-settings.cache.js';
import { ClientDelivery } from './client-delivery.service.js';
import { ClusterLink } from './cluster-link.service.js';
import { GatewayCounters, type RejectReason } from './gateway-counters.js';
import type { LiveReading, SensorDataEvent } from './live-reading.js';
import { ALL_ALARMS_ROOM, alarmRoom, unitRoom } from './room.js';
import { TokenBucket } from '../common/token-bucket.js';
import { parseUnitSelection } from './unit-selection.parser.js';

/** What the handshake leaves on each socket. */
interface SocketData {
  principal?: Principal;
  expiryTimer?: NodeJS.Timeout;
}

/** setTimeout's longest delay; a later expiry is checked again when this one fires. */
const MAX_TIMER_MS = 2_147_483_647;

/** Answer to a client event, through its acknowledgement callback. */
export type Ack<T extends object> = ({ ok: true } & T) | { ok: false; error: string };

/** The acknowledgement of an accepted subscribe_unit (docs/realtime.md). */
export interface SubscribeAnswer {
  /** Repeated for a `{ unit_id }` request. */
  unit_id?: string;
  unit_ids: string[];
  /** False when at least one unit has never reported (nor is in the units table); its room is joined all the same. */
  known: boolean;
  /** The requested units never seen, which have no entry in `latest` yet. */
  unknown_unit_ids: string[];
  /** The latest value of each sensor of every known unit requested (`readings: []` when it has none yet). */
  latest: SensorDataEvent[];
}

/** Client events the gateway answers; anything else is refused and counted before it reaches a handler. */
const CLIENT_EVENTS = new Set(['subscribe_unit', 'unsubscribe_unit', 'get_status']);
/** A connection that has this many times its burst refused within FLOOD_WINDOW_MS is disconnected. */
const FLOOD_FACTOR = 10;
const FLOOD_WINDOW_MS = 10_000;

/** Readings as `sensor_data` carries them, from the LatestValues table, with digital/enum state names. */
function latestReadings(latest: LatestValues, settings: SensorSettingsCache, unitId: string): LiveReading[] {
  return (latest.unit(unitId) ?? []).map((v) => {
    const reading: LiveReading = {
      sensor_type: v.sensorType,
      value: v.value,
      quality: v.quality,
      timestamp: new Date(v.time).toISOString(),
    };
    const state = settings.stateName(unitId, v.sensorType, v.value);
    if (state !== undefined) reading.state = state;
    return reading;
  });
}

/**
 * Socket.IO entry point for HMIs: clients join unit rooms to receive their live readings. The whole contract, with
 * payloads, is in docs/realtime.md. Every client event passes a per-connection token bucket and a known-event
 * check before its handler, and each handler validates its payload itself (gateways get no global pipe); a refusal
 * is an `{ ok: false, error }` acknowledgement and a counter, never an exception or a closed connection.
 */
@WebSocketGateway()
export class UnitRoomGateway implements OnGatewayInit, OnGatewayConnection, OnModuleDestroy {
  private readonly logger = new Logger(UnitRoomGateway.name);
  private recheckTimer: NodeJS.Timeout | undefined;

  @WebSocketServer()
  server!: Server;

  constructor(
    @Inject(AppConfig) private readonly config: AppConfig,
    private readonly counters: GatewayCounters,
    private readonly delivery: ClientDelivery,
    private readonly cluster: ClusterLink,
    private readonly latest: LatestValues,
    private readonly settings: SensorSettingsCache,
    private readonly db: DatabasePool,
    private readonly authenticator: Authenticator,
    private readonly keys: ApiKeyService,
    private readonly audit: AuditLog,
    private readonly failures: AuthFailureLimiter,
  ) {}

  /**
   * Credentials are checked in the handshake (`io(url, { auth: { token } })`): a client without valid ones never
   * connects (connect_error `Unauthorized`). A socket is disconnected when its JWT expires or its key is revoked.
   */
  afterInit(server: Server): void {
    this.delivery.attach(server);
    this.cluster.attach(server, () => this.connectedClients);
    server.use((socket, next) => {
      void this.authenticate(socket).then(
        (error) => next(error),
        () => next(new Error('Unauthorized')),
      );
    });
    if (!this.config.authEnabled) return;
    this.keys.onRevoked((id) => this.disconnectKeys(new Set([id])));
    // Keys revoked on another instance: found by asking the database now and then.
    this.recheckTimer = setInterval(() => void this.recheckKeys(), this.config.authSocketRecheckMs);
    this.recheckTimer.unref();
  }

  onModuleDestroy(): void {
    clearInterval(this.recheckTimer);
  }

  private async authenticate(socket: Socket): Promise<Error | undefined> {
    const data = socket.data as SocketData;
    if (!this.config.authEnabled) {
      data.principal = ANONYMOUS;
      return undefined;
    }
    const auth = socket.handshake.auth as Record<string, unknown> | undefined;
    const principal = await this.authenticator.authenticate(auth?.token);
    if (principal === undefined) {
      this.audit.recordAuthFailure({
        actor: 'unauthenticated',
        actorKind: 'none',
        action: 'socket.connect',
        result: 'denied',
        status: 401,
        ip: socket.handshake.address,
        detail: 'missing or invalid credentials in the Socket.IO handshake',
      });
      // Same per-address limit as REST; valid credentials from a blocked address still connect.
      if (await this.failures.fail(socket.handshake.address)) {
        return new Error('Too many failed authentications: try again later');
      }
      return new Error('Unauthorized');
    }
    data.principal = principal;
    if (principal.expiresAt !== undefined) this.disconnectAt(socket, principal.expiresAt);
    return undefined;
  }

  private disconnectAt(socket: Socket, expiresAt: number): void {
    const data = socket.data as SocketData;
    const delay = expiresAt - Date.now();
    data.expiryTimer = setTimeout(
      () => {
        if (Date.now() >= expiresAt) {
          socket.emit('auth_expired', { reason: 'credentials expired' });
          socket.disconnect(true);
        } else this.disconnectAt(socket, expiresAt);
      },
      Math.max(0, Math.min(delay, MAX_TIMER_MS)),
    );
  }

  private disconnectKeys(ids: Set<string>): void {
    for (const socket of this.server?.sockets.sockets.values() ?? []) {
      const principal = (socket.data as SocketData).principal;
      if (principal?.kind === 'api_key' && ids.has(principal.id)) {
        socket.emit('auth_expired', { reason: 'credentials revoked' });
        socket.disconnect(true);
      }
    }
  }

  private async recheckKeys(): Promise<void> {
    const ids = new Set<string>();
    for (const socket of this.server?.sockets.sockets.values() ?? []) {
      const principal = (socket.data as SocketData).principal;
      if (principal?.kind === 'api_key') ids.add(principal.id);
    }
    if (ids.size === 0) return;
    try {
      const active = await this.keys.active([...ids]);
      this.disconnectKeys(new Set([...ids].filter((id) => !active.has(id))));
    } catch (err) {
      this.logger.warn(`Socket.IO key recheck failed: ${(err as Error).message}`);
    }
  }

  handleConnection(client: Socket): void {
    this.counters.connections++;
    // Everything we read of the upgrade request is in the handshake by now (address, auth, headers); Engine.IO would
    // keep the request itself for the connection's life, a few KB per socket (Socket.IO's memory guide drops it too).
    (client.conn as unknown as { request: unknown }).request = null;
    this.delivery.add(client);
    this.limitEvents(client);
    // A client may emit an event named "error" (it is not reserved on the wire); without a listener the socket
    // would throw it. The known-event check already drops it; this is the belt to those braces.
    client.on('error', () => undefined);
    client.once('disconnecting', (reason: string) => this.delivery.disconnecting(client, reason));
    client.once('disconnect', (reason: string) => {
      clearTimeout((client.data as SocketData).expiryTimer);
      this.counters.disconnected(reason);
      this.delivery.remove(client);
    });
    const units = (client.data as SocketData).principal?.units;
    void client.join(units === undefined ? ALL_ALARMS_ROOM : units.map(alarmRoom));
    client.emit('connection_confirmed', {
      client_id: client.id,
      server_time: new Date().toISOString(),
      recovered: client.recovered,
    });
    if (client.recovered) {
      // The missed events were replayed; values held back while it was behind (or cut short) were not: send the
      // latest of each of its units so its screen is current whatever happened.
      this.counters.recoveredConnections++;
      for (const unitId of this.unitsOf(client)) {
        const event: SensorDataEvent = {
          unit_id: unitId,
          readings: latestReadings(this.latest, this.settings, unitId),
        };
        if (event.readings.length > 0) client.emit('sensor_data', event);
      }
    }
  }

  @RequireRole('viewer')
  @SubscribeMessage('subscribe_unit')
  async subscribe(@ConnectedSocket() client: Socket, @MessageBody() body: unknown): Promise<Ack<SubscribeAnswer>> {
    const selection = parseUnitSelection(body);
    if (!selection.ok) return this.refuse('invalid_payload', selection.error);
    const principal = (client.data as SocketData).principal ?? ANONYMOUS;
    const outside = selection.unitIds.filter((unitId) => !mayAccessUnit(principal, unitId));
    if (outside.length > 0) {
      void this.audit.record({
        actor: principal.name,
        actorKind: principal.kind,
        actorId: principal.id,
        role: principal.role,
        action: 'unit_room.subscribe',
        target: outside.length === 1 ? { unit_id: outside[0] } : { unit_ids: outside },
        result: 'denied',
        status: 403,
        ip: client.handshake.address,
        detail: `unit(s) ${outside.join(', ')} outside the caller's scope`,
      });
      return this.refuse(
        'forbidden_unit',
        `Forbidden: unit '${outside[0]}' is outside the units this credential may access`,
      );
    }
    const overLimitNow = this.roomLimitError(client, selection.unitIds);
    if (overLimitNow) return this.refuse('room_limit', overLimitNow);
    let unknown: Set<string>;
    try {
      unknown = await this.unknownUnits(selection.unitIds);
    } catch (err) {
      this.logger.warn(`Unit lookup failed: ${err instanceof Error ? err.message : String(err)}`);
      return this.refuse('lookup_failed', 'Could not check the unit ids right now; try again');
    }
    await this.refreshColdUnits(selection.unitIds.filter((unitId) => !unknown.has(unitId)));
    // Checked again after the lookup's await, right before the join: concurrent requests of one connection cannot
    // both pass.
    const overLimit = this.roomLimitError(client, selection.unitIds);
    if (overLimit) return this.refuse('room_limit', overLimit);
    // A unit never seen is joined all the same: its room gets the unit's readings from its first report on.
    await client.join(selection.unitIds.map(unitRoom));
    this.counters.eventsAccepted++;
    return {
      ok: true,
      ...(selection.single ? { unit_id: selection.unitIds[0] } : {}),
      unit_ids: selection.unitIds,
      known: unknown.size === 0,
      unknown_unit_ids: selection.unitIds.filter((unitId) => unknown.has(unitId)),
      latest: selection.unitIds
        .filter((unitId) => !unknown.has(unitId))
        .map((unitId) => ({ unit_id: unitId, readings: latestReadings(this.latest, this.settings, unitId) })),
    };
  }

  @RequireRole('viewer')
  @SubscribeMessage('unsubscribe_unit')
  async unsubscribe(
    @ConnectedSocket() client: Socket,
    @MessageBody() body: unknown,
  ): Promise<Ack<{ unit_id?: string; unit_ids: string[] }>> {
    const selection = parseUnitSelection(body);
    if (!selection.ok) return this.refuse('invalid_payload', selection.error);
    for (const unitId of selection.unitIds) {
      await client.leave(unitRoom(unitId));
      this.delivery.left(client, unitId);
    }
    this.counters.eventsAccepted++;
    return { ok: true, ...(selection.single ? { unit_id: selection.unitIds[0] } : {}), unit_ids: selection.unitIds };
  }

  @RequireRole('viewer')
  @SubscribeMessage('get_status')
  status(@ConnectedSocket() client: Socket): Ack<{
    client_id: string;
    subscribed_units: string[];
    connected_clients: number;
    instance_connected_clients: number;
    instances: number;
    server_time: string;
  }> {
    this.counters.eventsAccepted++;
    const cluster = this.cluster.cluster();
    return {
      ok: true,
      client_id: client.id,
      subscribed_units: this.unitsOf(client),
      connected_clients: cluster.connected_clients,
      instance_connected_clients: this.connectedClients,
      instances: cluster.instances,
      server_time: new Date().toISOString(),
    };
  }

  /** Clients connected to this instance. */
  get connectedClients(): number {
    return this.server?.engine?.clientsCount ?? 0;
  }

  /**
   * Whether anyone on this instance is in the room, or may come back to it through connection-state recovery (so
   * payloads for empty rooms are not even built).
   */
  hasListeners(room: string): boolean {
    return this.delivery.hasListeners(room);
  }

  /** Members of each unit room on this instance, by unit id. */
  subscriptionsPerUnit(): Map<string, number> {
    const out = new Map<string, number>();
    for (const [room, members] of this.server?.sockets.adapter.rooms ?? []) {
      if (room.startsWith('unit:')) out.set(room.slice(5), members.size);
    }
    return out;
  }

  emitToRoom(room: string, event: string, payload: unknown): void {
    this.server.to(room).emit(event, payload);
  }

  /**
   * Sends one unit's alarm event to every client whose scope covers the unit (unscoped ones and those scoped to
   * it), once each: Socket.IO sends a multi-room emit once per socket.
   */
  emitAlarm(unitId: string, event: string, payload: unknown): void {
    this.server.to([ALL_ALARMS_ROOM, alarmRoom(unitId)]).emit(event, payload);
  }

  private unitsOf(client: Socket): string[] {
    return [...client.rooms].filter((r) => r.startsWith('unit:')).map((r) => r.slice(5));
  }

  private refuse(reason: RejectReason, error: string): { ok: false; error: string } {
    this.counters.reject(reason);
    return { ok: false, error };
  }

  /** Why joining these units would take the client past WEBSOCKET_MAX_ROOMS_PER_CLIENT, if it would. */
  private roomLimitError(client: Socket, unitIds: string[]): string | undefined {
    const joined = new Set(this.unitsOf(client));
    const adding = unitIds.filter((unitId) => !joined.has(unitId)).length;
    const max = this.config.websocketMaxRoomsPerClient;
    if (joined.size + adding <= max) return undefined;
    return (
      `Room limit: a connection may watch at most ${max} units; this one watches ${joined.size} and asked for ` +
      `${adding} more (unsubscribe_unit first, or open another connection)`
    );
  }

  /**
   * With several instances, peers send only the readings of units some room here watches: the latest values of a
   * unit nobody here watched yet may lag what another instance ingested, so they are read from the database before
   * the answer. A failure only leaves the snapshot as the table has it.
   */
  private async refreshColdUnits(unitIds: string[]): Promise<void> {
    if (!this.cluster.linked) return;
    const cold = unitIds.filter((unitId) => !this.delivery.hasListeners(unitRoom(unitId)));
    try {
      await this.latest.reload(cold);
    } catch (err) {
      this.logger.warn(`Latest values not refreshed: ${err instanceof Error ? err.message : String(err)}`);
    }
  }

  /** Units neither LatestValues nor the units table has ever seen. */
  private async unknownUnits(unitIds: string[]): Promise<Set<string>> {
    const missing = unitIds.filter((id) => !this.latest.has(id));
    if (missing.length === 0) return new Set();
    const rows = await this.db.query<{ id: string }>('SELECT id FROM units WHERE id = ANY ($1::varchar[])', [missing]);
    const found = new Set(rows.map((r) => r.id));
    return new Set(missing.filter((id) => !found.has(id)));
  }

  /**
   * Per-connection admission of client events, before any handler runs: a token bucket (WEBSOCKET_RATE_LIMIT_*)
   * and the list of known events. A refused event with an acknowledgement gets `{ ok: false, error }`; one without
   * is dropped; both are counted. A connection that floods far past its limit is disconnected.
   */
  private limitEvents(client: Socket): void {
    const bucket = new TokenBucket(this.config.websocketRateLimitPerS, this.config.websocketRateLimitBurst, Date.now());
    const floodLimit = this.config.websocketRateLimitBurst * FLOOD_FACTOR;
    let windowStart = 0;
    let refusedInWindow = 0;
    client.use((packet, next) => {
      const last: unknown = packet[packet.length - 1];
      const ack = typeof last === 'function' ? (last as (answer: unknown) => void) : undefined;
      const now = Date.now();
      if (!bucket.take(now)) {
        this.counters.reject('rate_limited');
        if (now - windowStart > FLOOD_WINDOW_MS) {
          windowStart = now;
          refusedInWindow = 0;
        }
        if (++refusedInWindow > floodLimit) {
          this.counters.floodDisconnects++;
          client.disconnect(true);
          return;
        }
        ack?.({
          ok: false,
          error: `Rate limit: at most ${this.config.websocketRateLimitPerS} events/s (burst ${this.config.websocketRateLimitBurst})`,
        });
        return; // not calling next(): the event is dropped here
      }
      const event = String(packet[0]);
      if (!CLIENT_EVENTS.has(event)) {
        this.counters.reject('unknown_event');
        ack?.({ ok: false, error: `Unknown event '${event.slice(0, 64)}'` });
        return;
      }
      next();
    });
  }

  /**
   * Graceful shutdown: closes every client's connection once what was already sent to it has gone out (a clean
   * WebSocket close, not a reset). No Socket.IO DISCONNECT packet, on purpose: clients see `transport close` and
   * reconnect by themselves, through the load balancer, to an instance that is still ready. Returns how many.
   */
  closeAll(): number {
    const sockets = [...(this.server?.sockets.sockets.values() ?? [])];
    for (const socket of sockets) socket.conn.close();
    return sockets.length;
  }
}
