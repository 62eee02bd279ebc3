import { io, type Socket } from '../socket.io/socket.io.esm.min.js';
import type { Credentials } from './auth.js';
import type { Alarm, LiveReading, SensorDataEvent, UnitStatusEvent } from './types.js';

export type ConnectionState = 'connecting' | 'connected' | 'disconnected' | 'unauthorized';

export interface LiveHandlers {
  state(state: ConnectionState, detail?: string): void;
  /** After every (re)connection: what was missed while away must be fetched again. */
  connected(): void;
  sensorData(event: SensorDataEvent): void;
  unitStatus(event: UnitStatusEvent): void;
  alert(alarm: Alarm): void;
  /** Latest values carried by a subscribe_unit acknowledgement, when the server sends them. */
  snapshot(unitId: string, readings: LiveReading[]): void;
}

const AUTH_ERROR = /unauthori[sz]ed|forbidden|credential|token|401|403/i;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Latest values in a subscribe_unit answer. The foundation answers `{ ok, unit_id }` only; the gateway issue adds the
 * unit's latest values. Read leniently: a list of `{ sensor_type, value, quality, timestamp|time }` directly under a
 * known key, or under the matching entry of `units`.
 */
export function snapshotOf(ack: Record<string, unknown>, unitId: string): LiveReading[] {
  let holder: Record<string, unknown> = ack;
  if (Array.isArray(ack.units)) {
    const unit: unknown = ack.units.find((u) => isRecord(u) && u.unit_id === unitId);
    if (isRecord(unit)) holder = unit;
  }
  for (const key of ['latest', 'sensors', 'readings', 'values', 'snapshot']) {
    const list = holder[key];
    if (!Array.isArray(list)) continue;
    const readings: LiveReading[] = [];
    for (const item of list) {
      if (!isRecord(item) || typeof item.sensor_type !== 'string' || typeof item.value !== 'number') continue;
      const time = item.timestamp ?? item.time;
      readings.push({
        sensor_type: item.sensor_type,
        value: item.value,
        quality: item.quality === 'BAD' || item.quality === 'UNCERTAIN' ? item.quality : 'GOOD',
        timestamp: typeof time === 'string' ? time : new Date().toISOString(),
      });
    }
    return readings;
  }
  return [];
}

/**
 * The dashboard's Socket.IO connection: the reference client for HMI developers. One socket, WebSocket transport
 * (no sticky sessions needed behind a load balancer), the credentials in `auth.token` on every (re)connection, and
 * one room per unit on screen. Rooms are joined again after every reconnection: the server forgets them.
 */
export class LiveConnection {
  private readonly socket: Socket;
  private readonly rooms = new Set<string>();

  constructor(
    credentials: Credentials,
    private readonly handlers: LiveHandlers,
  ) {
    this.socket = io({
      transports: ['websocket'],
      auth: (send: (data: object) => void) => send(credentials.token === undefined ? {} : { token: credentials.token }),
    });
    handlers.state('connecting');
    this.socket.on('connect', () => {
      handlers.state('connected');
      for (const unitId of this.rooms) void this.join(unitId);
      handlers.connected();
    });
    this.socket.on('disconnect', (reason) => {
      // The server closed the socket on purpose (e.g. expired credentials): Socket.IO does not retry by itself.
      if (reason === 'io server disconnect') handlers.state('unauthorized', 'The server closed the connection');
      else handlers.state('connecting', `Connection lost (${reason}), reconnecting`);
    });
    this.socket.on('connect_error', (err: Error) => {
      if (!this.socket.active || AUTH_ERROR.test(err.message)) handlers.state('unauthorized', err.message);
      else handlers.state('connecting', `Cannot reach the server (${err.message}), retrying`);
    });
    this.socket.on('sensor_data', (event: SensorDataEvent) => handlers.sensorData(event));
    this.socket.on('unit_status', (event: UnitStatusEvent) => handlers.unitStatus(event));
    this.socket.on('system_alert', (alarm: Alarm) => handlers.alert(alarm));
  }

  /** Follows exactly these units: joins the new rooms, leaves the others. */
  follow(unitIds: readonly string[]): void {
    const wanted = new Set(unitIds);
    for (const unitId of [...this.rooms]) {
      if (wanted.has(unitId)) continue;
      this.rooms.delete(unitId);
      if (this.socket.connected) this.socket.emit('unsubscribe_unit', { unit_id: unitId });
    }
    for (const unitId of wanted) {
      if (this.rooms.has(unitId)) continue;
      this.rooms.add(unitId);
      if (this.socket.connected) void this.join(unitId);
    }
  }

  /** Connects again with the current credentials (after signing in). */
  reconnect(): void {
    this.socket.disconnect();
    this.handlers.state('connecting');
    this.socket.connect();
  }

  private async join(unitId: string): Promise<void> {
    let ack: unknown;
    try {
      ack = await this.socket.timeout(10_000).emitWithAck('subscribe_unit', { unit_id: unitId });
    } catch {
      return; // No answer within the time: the next reconnection joins again.
    }
    if (!isRecord(ack) || ack.ok !== true) {
      const error = isRecord(ack) && typeof ack.error === 'string' ? ack.error : 'refused';
      console.warn(`subscribe_unit ${unitId}: ${error}`);
      return;
    }
    const readings = snapshotOf(ack, unitId);
    if (readings.length > 0) this.handlers.snapshot(unitId, readings);
  }
}
