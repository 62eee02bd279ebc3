import { io, type Socket } from '../socket.io/socket.io.esm.min.js';
import type { Credentials } from './auth.js';
import type { Alarm, CommandStatus, LiveReading, SensorDataEvent, UnitStatusEvent } from './types.js';

export type ConnectionState = 'connecting' | 'connected' | 'disconnected' | 'unauthorized';

export interface LiveHandlers {
  state(state: ConnectionState, detail?: string): void;
  /** After every (re)connection: what was missed while away must be fetched again. */
  connected(): void;
  sensorData(event: SensorDataEvent): void;
  unitStatus(event: UnitStatusEvent): void;
  alert(alarm: Alarm): void;
  /** A command's state change in a followed unit's room. */
  commandStatus(command: CommandStatus): void;
  /** Latest values carried by a subscribe_unit acknowledgement, when the server sends them. */
  snapshot(unitId: string, readings: LiveReading[]): void;
}

const AUTH_ERROR = /unauthori[sz]ed|forbidden|credential|token|401|403/i;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function toReadings(list: unknown[]): LiveReading[] {
  const readings: LiveReading[] = [];
  for (const item of list) {
    if (!isRecord(item) || typeof item.sensor_type !== 'string' || typeof item.value !== 'number') continue;
    const time = item.timestamp ?? item.time;
    readings.push({
      sensor_type: item.sensor_type,
      value: item.value,
      quality: item.quality === 'BAD' || item.quality === 'UNCERTAIN' ? item.quality : 'GOOD',
      timestamp: typeof time === 'string' ? time : new Date().toISOString(),
      state: typeof item.state === 'string' ? item.state : undefined,
    });
  }
  return readings;
}

/**
 * Latest values per unit in a subscribe_unit answer. The foundation answers `{ ok, unit_id }` only; the gateway
 * issue adds `latest: [{ unit_id, readings: [...] }]` (the sensor_data shape), so a fresh screen is not empty.
 */
export function snapshotOf(ack: Record<string, unknown>): Map<string, LiveReading[]> {
  const snapshot = new Map<string, LiveReading[]>();
  if (!Array.isArray(ack.latest)) return snapshot;
  for (const unit of ack.latest) {
    if (isRecord(unit) && typeof unit.unit_id === 'string' && Array.isArray(unit.readings)) {
      snapshot.set(unit.unit_id, toReadings(unit.readings));
    }
  }
  return snapshot;
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
      void this.join([...this.rooms]);
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
    this.socket.on('command_status', (command: CommandStatus) => handlers.commandStatus(command));
  }

  /** Follows exactly these units: joins the new rooms, leaves the others. */
  follow(unitIds: readonly string[]): void {
    const wanted = new Set(unitIds);
    for (const unitId of [...this.rooms]) {
      if (wanted.has(unitId)) continue;
      this.rooms.delete(unitId);
      if (this.socket.connected) this.socket.emit('unsubscribe_unit', { unit_id: unitId });
    }
    const added = [...wanted].filter((unitId) => !this.rooms.has(unitId));
    for (const unitId of added) this.rooms.add(unitId);
    if (added.length > 0 && this.socket.connected) void this.join(added);
  }

  /** Connects again with the current credentials (after signing in). */
  reconnect(): void {
    this.socket.disconnect();
    this.handlers.state('connecting');
    this.socket.connect();
  }

  /**
   * Joins the rooms in one event (`{ unit_ids }`) where the server takes lists, so a screen of units stays under the
   * per-connection event rate limit; a server that answers the list with an error (one that only knows
   * `{ unit_id }`, or a list with a unit it refuses) gets one event per unit instead.
   */
  private async join(unitIds: string[]): Promise<void> {
    if (unitIds.length === 0) return;
    if (unitIds.length > 1 && (await this.subscribe({ unit_ids: unitIds }))) return;
    await Promise.all(unitIds.map((unitId) => this.subscribe({ unit_id: unitId }, true)));
  }

  private async subscribe(payload: object, report = false): Promise<boolean> {
    let ack: unknown;
    try {
      ack = await this.socket.timeout(10_000).emitWithAck('subscribe_unit', payload);
    } catch {
      return false; // No answer in time: the next reconnection joins again.
    }
    if (!isRecord(ack) || ack.ok !== true) {
      if (report) console.warn('subscribe_unit refused', payload, isRecord(ack) ? ack.error : ack);
      return false;
    }
    for (const [unitId, readings] of snapshotOf(ack)) {
      if (readings.length > 0) this.handlers.snapshot(unitId, readings);
    }
    return true;
  }
}
