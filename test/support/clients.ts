import mqtt, { type MqttClient } from 'mqtt';
import pg from 'pg';
import { io, type Socket } from 'socket.io-client';
import type { BackendProcess } from './backend.js';

/** An MQTT publisher with Nagle's delay off (mqtt.js leaves it on, which adds tens of ms per message). */
export async function connectPublisher(
  host: string,
  port: number,
  options: mqtt.IClientOptions = {},
): Promise<MqttClient> {
  const client = await mqtt.connectAsync({ host, port, protocol: 'mqtt', reconnectPeriod: 500, ...options });
  (client.stream as { setNoDelay?: (on: boolean) => void }).setNoDelay?.(true);
  client.on('connect', () => (client.stream as { setNoDelay?: (on: boolean) => void }).setNoDelay?.(true));
  return client;
}

/** What a device connects to the broker with. */
export interface DeviceLogin {
  id: string;
  username: string;
  password: string;
}

/** Creates a device credential over REST (as the harness's admin) for these units. */
export async function createDevice(
  backend: { request: BackendProcess['request'] },
  name: string,
  units: string[],
  publishStatus = false,
): Promise<DeviceLogin> {
  const reply = await backend.request<DeviceLogin>('POST', '/api/v1/scada/devices', {
    name,
    units,
    publish_status: publishStatus,
  });
  if (reply.status !== 201) throw new Error(`creating device ${name}: ${reply.status} ${reply.text}`);
  return { id: reply.body.id, username: reply.body.username, password: reply.body.password };
}

/**
 * A Socket.IO client connected to the backend (websocket transport, as HMIs use it), authenticated with `token`
 * (an API key or a JWT; pass `backend.token` for the harness's admin key). Rejects with the server's
 * connect_error (`Unauthorized`) when the handshake is refused.
 */
export async function connectSocket(url: string, token?: string): Promise<Socket> {
  const socket = io(url, {
    transports: ['websocket'],
    reconnection: false,
    ...(token === undefined ? {} : { auth: { token } }),
  });
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', () => resolve());
    socket.once('connect_error', reject);
  });
  return socket;
}

/** Emits a client event and resolves with the server's acknowledgement. */
export function request<T = any>(socket: Socket, event: string, payload?: unknown): Promise<T> {
  return socket.timeout(5000).emitWithAck(event, payload) as Promise<T>;
}

/** A SQL client for asserting on stored rows. */
export async function connectDb(url: string): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  return client;
}

/** Stored readings of one unit and sensor type, oldest first. */
export async function storedReadings(
  db: pg.Client,
  unitId: string,
  sensorType: string,
): Promise<{ time: Date; value: number; quality: string }[]> {
  const { rows } = await db.query<{ time: Date; value: number; quality: string }>(
    `SELECT r.time, r.value, r.quality FROM sensor_readings r JOIN sensors s ON s.id = r.sensor_id
     WHERE s.unit_id = $1 AND s.sensor_type = $2 ORDER BY r.time`,
    [unitId, sensorType],
  );
  return rows;
}

/**
 * Makes units known to the backend (as if they had reported before): subscribe_unit then answers `known: true` for
 * them, with `readings: []` until they report (a unit never seen is accepted too, with `known: false`). Literal SQL:
 * PGlite multiplexes one session.
 */
export async function registerUnits(databaseUrl: string, unitIds: string[]): Promise<void> {
  const db = await connectDb(databaseUrl);
  try {
    const values = unitIds.map((id) => `('${id.replace(/'/g, "''")}')`).join(', ');
    await db.query(`INSERT INTO units (id) VALUES ${values} ON CONFLICT (id) DO NOTHING`);
  } finally {
    await db.end();
  }
}
