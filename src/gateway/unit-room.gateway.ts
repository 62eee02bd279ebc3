import { Logger, type OnModuleDestroy } from '@nestjs/common';
import {
  ConnectedSocket,
  MessageBody,
  type OnGatewayConnection,
  type OnGatewayDisconnect,
  type OnGatewayInit,
  SubscribeMessage,
  WebSocketGateway,
  WebSocketServer,
} from '@nestjs/websockets';
import type { Server, Socket } from 'socket.io';
import { AuditLog } from '../common/audit/audit-log.service.js';
import { RequireRole } from '../common/auth/access.js';
import { ApiKeyService } from '../common/auth/api-key.service.js';
import { Authenticator } from '../common/auth/authenticator.service.js';
import { ANONYMOUS, mayAccessUnit, type Principal } from '../common/auth/principal.js';
import { IDENTIFIER } from '../common/identifier.js';
import { AppConfig } from '../config/app-config.js';
import { unitRoom } from './room.js';

/** What the handshake leaves on each socket. */
interface SocketData {
  principal?: Principal;
  expiryTimer?: NodeJS.Timeout;
}

/** setTimeout's longest delay; a later expiry is checked again when this one fires. */
const MAX_TIMER_MS = 2_147_483_647;

/** Answer to a client event, through its acknowledgement callback. */
export type Ack<T extends object> = ({ ok: true } & T) | { ok: false; error: string };

/** Validates a `{ unit_id }` payload; gateways do not get the global validation pipe. */
export function unitIdOf(body: unknown): string | { error: string } {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return { error: 'payload must be { unit_id }' };
  const unitId = (body as Record<string, unknown>).unit_id;
  if (typeof unitId !== 'string' || !IDENTIFIER.test(unitId)) {
    return { error: 'unit_id must be 1-64 letters, digits, _ or -' };
  }
  return unitId;
}

/**
 * Socket.IO entry point for HMIs: clients join a unit's room to receive its live readings.
 * Events: connection_confirmed (server → client on connect), subscribe_unit, unsubscribe_unit, get_status.
 */
@WebSocketGateway()
export class UnitRoomGateway implements OnGatewayInit, OnGatewayConnection, OnGatewayDisconnect, OnModuleDestroy {
  @WebSocketServer()
  server!: Server;

  private readonly logger = new Logger('Auth');
  private recheckTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly config: AppConfig,
    private readonly authenticator: Authenticator,
    private readonly keys: ApiKeyService,
    private readonly audit: AuditLog,
  ) {}

  /**
   * Credentials are checked in the handshake (`io(url, { auth: { token } })`): a client without valid ones never
   * connects (connect_error `Unauthorized`). A socket is disconnected when its JWT expires or its key is revoked.
   */
  afterInit(server: Server): void {
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
      void this.audit.record({
        actor: 'unauthenticated',
        actorKind: 'none',
        action: 'socket.connect',
        result: 'denied',
        status: 401,
        ip: socket.handshake.address,
        detail: 'missing or invalid credentials in the Socket.IO handshake',
      });
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
    client.emit('connection_confirmed', { client_id: client.id, server_time: new Date().toISOString() });
  }

  handleDisconnect(client: Socket): void {
    clearTimeout((client.data as SocketData).expiryTimer);
  }

  @RequireRole('viewer')
  @SubscribeMessage('subscribe_unit')
  async subscribe(@ConnectedSocket() client: Socket, @MessageBody() body: unknown): Promise<Ack<{ unit_id: string }>> {
    const unitId = unitIdOf(body);
    if (typeof unitId !== 'string') return { ok: false, error: unitId.error };
    const principal = (client.data as SocketData).principal ?? ANONYMOUS;
    if (!mayAccessUnit(principal, unitId)) {
      void this.audit.record({
        actor: principal.name,
        actorKind: principal.kind,
        actorId: principal.id,
        role: principal.role,
        action: 'unit_room.subscribe',
        target: { unit_id: unitId },
        result: 'denied',
        status: 403,
        ip: client.handshake.address,
        detail: `unit ${unitId} outside the caller's scope`,
      });
      return { ok: false, error: `Forbidden: unit '${unitId}' is outside the units this credential may access` };
    }
    await client.join(unitRoom(unitId));
    return { ok: true, unit_id: unitId };
  }

  @RequireRole('viewer')
  @SubscribeMessage('unsubscribe_unit')
  async unsubscribe(
    @ConnectedSocket() client: Socket,
    @MessageBody() body: unknown,
  ): Promise<Ack<{ unit_id: string }>> {
    const unitId = unitIdOf(body);
    if (typeof unitId !== 'string') return { ok: false, error: unitId.error };
    await client.leave(unitRoom(unitId));
    return { ok: true, unit_id: unitId };
  }

  @RequireRole('viewer')
  @SubscribeMessage('get_status')
  status(@ConnectedSocket() client: Socket): Ack<{
    client_id: string;
    subscribed_units: string[];
    connected_clients: number;
    server_time: string;
  }> {
    return {
      ok: true,
      client_id: client.id,
      subscribed_units: [...client.rooms].filter((r) => r.startsWith('unit:')).map((r) => r.slice(5)),
      connected_clients: this.connectedClients,
      server_time: new Date().toISOString(),
    };
  }

  get connectedClients(): number {
    return this.server?.engine?.clientsCount ?? 0;
  }

  /** Whether anyone is in the room (so payloads for empty rooms are not even built). */
  hasListeners(room: string): boolean {
    return (this.server?.sockets.adapter.rooms.get(room)?.size ?? 0) > 0;
  }

  emitToRoom(room: string, event: string, payload: unknown): void {
    this.server.to(room).emit(event, payload);
  }

  /** Sends to every connected client, room members included, once each. */
  emitToAll(event: string, payload: unknown): void {
    this.server.emit(event, payload);
  }
}
