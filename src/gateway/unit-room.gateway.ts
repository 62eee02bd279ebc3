import {
  ConnectedSocket,
  MessageBody,
  type OnGatewayConnection,
  SubscribeMessage,
  WebSocketGateway,
  WebSocketServer,
} from '@nestjs/websockets';
import type { Server, Socket } from 'socket.io';
import { RequireRole } from '../common/auth/access.js';
import { IDENTIFIER } from '../common/identifier.js';
import { unitRoom } from './room.js';

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
export class UnitRoomGateway implements OnGatewayConnection {
  @WebSocketServer()
  server!: Server;

  handleConnection(client: Socket): void {
    client.emit('connection_confirmed', { client_id: client.id, server_time: new Date().toISOString() });
  }

  @RequireRole('viewer')
  @SubscribeMessage('subscribe_unit')
  async subscribe(@ConnectedSocket() client: Socket, @MessageBody() body: unknown): Promise<Ack<{ unit_id: string }>> {
    const unitId = unitIdOf(body);
    if (typeof unitId !== 'string') return { ok: false, error: unitId.error };
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
