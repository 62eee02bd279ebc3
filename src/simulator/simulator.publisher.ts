import type { Writable } from 'node:stream';
import { Logger } from '@nestjs/common';
import mqtt, { type IClientOptions, type IClientPublishOptions, type MqttClient } from 'mqtt';
import { ThrottledLogger } from '../common/logging/throttled-logger.js';
import type { PlantTick } from './plant-model.js';
import { PublishFrameEncoder, topicField } from './publish-frame.encoder.js';
import { SENSOR_INDEX, SENSOR_TYPES } from './unit-model.js';

/**
 * Bytes waiting in our socket buffer beyond which a tick is skipped rather than queued: about 80,000 readings,
 * over a second and a half at 50,000/s. Past it the broker is not reading as fast as we write.
 */
export const MAX_BUFFERED_BYTES = 8 * 1024 * 1024;
/**
 * Unacknowledged QoS 1 readings beyond which a tick is skipped. Below MQTT's 65,535 packet ids, so mqtt.js never
 * reuses the id of a message still in flight.
 */
export const MAX_IN_FLIGHT = 50_000;

const QOS1: IClientPublishOptions = { qos: 1 };

export interface PublisherOptions extends SimulatorConnection {
  topicPrefix: string;
  qos: 0 | 1;
}

/** Command topic filters per SUBSCRIBE packet: a large plant subscribes in a few packets, not one per unit. */
const FILTERS_PER_SUBSCRIBE = 500;

/** A command on `{prefix}/{unit_id}/{point}/set`, as the broker delivered it. */
export type CommandHandler = (unitId: string, point: string, payload: Buffer) => void;

/** Why a tick cannot be published now. */
export type Blocked = 'disconnected' | 'backpressure';

/** The topics of one unit: the four reading topics (wire form for QoS 0, text for QoS 1) and its status topic. */
interface UnitTopics {
  fields: Buffer[];
  names: string[];
  status: string;
}

/**
 * The simulator's own MQTT connection, as a protocol gateway has one: MQTT 3.1.1 (every broker speaks it), clean
 * session, Nagle off. Readings go out as `{prefix}/{unit_id}/{sensor_type}` with JSON `{value, quality, timestamp}`,
 * status changes as `{prefix}/{unit_id}/status` with `{status, timestamp}` at QoS 1 (rare, and they matter).
 * Memory is bounded: the caller asks `blocked()` before each tick and skips the tick while the socket or the
 * in-flight window is full; nothing is queued while disconnected.
 */
export class SimulatorPublisher {
  private readonly logger = new Logger('SimulatorPublisher');
  private readonly errorLog = new ThrottledLogger(this.logger);
  private readonly client: MqttClient;
  private readonly encoder = new PublishFrameEncoder();
  private readonly topics = new Map<string, UnitTopics>();
  private inFlight = 0;
  /** Readings handed to the connection. */
  readingsPublished = 0;
  /** Status messages handed to the connection. */
  statusPublished = 0;
  lastError: string | undefined;

  constructor(private readonly options: PublisherOptions) {
    this.client = connectSimulatorClient(options);
    this.client.on('connect', () => {
      this.lastError = undefined;
      this.logger.log(`Simulator connected to MQTT broker ${options.host}:${options.port}`);
    });
    this.client.on('error', (err) => {
      this.lastError = err.message;
      this.errorLog.error('mqtt-error', `Simulator MQTT error: ${err.message}`);
    });
  }

  get connected(): boolean {
    return this.client.connected;
  }

  /** Resolves once connected, or with false after `timeoutMs` (the client keeps trying). */
  waitConnected(timeoutMs: number): Promise<boolean> {
    return waitForConnection(this.client, timeoutMs);
  }

  /**
   * Subscribes (QoS 1) to the command topics `{prefix}/{unit}/+/set` of these units and hands each command over.
   * mqtt.js subscribes again after a reconnect (clean session), so this is called once per run.
   */
  listenForCommands(unitIds: readonly string[], handler: CommandHandler): void {
    const prefix = this.options.topicPrefix + '/';
    this.client.on('message', (topic, payload) => {
      if (!topic.startsWith(prefix) || !topic.endsWith('/set')) return;
      const levels = topic.slice(prefix.length).split('/');
      if (levels.length === 3) handler(levels[0], levels[1], payload);
    });
    for (let i = 0; i < unitIds.length; i += FILTERS_PER_SUBSCRIBE) {
      const filters = unitIds.slice(i, i + FILTERS_PER_SUBSCRIBE).map((id) => `${prefix}${id}/+/set`);
      this.client.subscribe(filters, { qos: 1 }, (err, granted) => {
        const refused = granted?.filter((g) => g.qos === 128).length ?? 0;
        if (err || refused > 0) {
          this.errorLog.error(
            'subscribe',
            `Simulator cannot receive commands: ${err?.message ?? `${refused} command topic(s) refused by the broker`}`,
          );
        }
      });
    }
  }

  /** Answers a command on `{prefix}/{unit}/{point}/set/ack` (QoS 1, not retained). */
  acknowledge(unitId: string, point: string, commandId: string, reason?: string): void {
    const body =
      reason === undefined
        ? { command_id: commandId, status: 'accepted' }
        : { command_id: commandId, status: 'rejected', reason };
    this.client.publish(`${this.options.topicPrefix}/${unitId}/${point}/set/ack`, JSON.stringify(body), QOS1);
  }

  /** Reports a writable point's value (its readback) on its reading topic, QoS 1. */
  publishPoint(unitId: string, point: string, value: number, timestamp: string): void {
    this.client.publish(
      `${this.options.topicPrefix}/${unitId}/${point}`,
      `{"value":${value},"quality":"GOOD","timestamp":"${timestamp}"}`,
      QOS1,
    );
  }

  /** Whether a tick of up to `readings` readings can be sent now without queueing beyond the bounds. */
  blocked(readings: number): Blocked | undefined {
    if (!this.client.connected) return 'disconnected';
    if ((this.client.stream as Writable).writableLength > MAX_BUFFERED_BYTES) return 'backpressure';
    if (this.options.qos === 1 && this.inFlight + readings > MAX_IN_FLIGHT) return 'backpressure';
    return undefined;
  }

  /** Sends one tick: its status changes first, then every reading. No promise or allocation per reading beyond its payload text. */
  publish(tick: PlantTick): void {
    for (const change of tick.statusChanges) {
      const topics = this.topicsOf(change.unit_id);
      this.client.publish(topics.status, `{"status":"${change.status}","timestamp":"${change.timestamp}"}`, QOS1);
      this.statusPublished++;
    }
    const readings = tick.readings;
    if (readings.length === 0) return;
    let unitId = '';
    let topics: UnitTopics | undefined;
    if (this.options.qos === 0) {
      const encoder = this.encoder;
      for (const r of readings) {
        // A unit's readings are consecutive in a tick: one map lookup per unit, not per reading.
        if (r.unit_id !== unitId) {
          unitId = r.unit_id;
          topics = this.topicsOf(unitId);
        }
        encoder.add(
          topics!.fields[SENSOR_INDEX[r.sensor_type]],
          `{"value":${r.value},"quality":"${r.quality}","timestamp":"${r.timestamp}"}`,
        );
      }
      this.readingsPublished += encoder.count;
      (this.client.stream as Writable).write(encoder.take());
      return;
    }
    for (const r of readings) {
      if (r.unit_id !== unitId) {
        unitId = r.unit_id;
        topics = this.topicsOf(unitId);
      }
      this.inFlight++;
      this.client.publish(
        topics!.names[SENSOR_INDEX[r.sensor_type]],
        `{"value":${r.value},"quality":"${r.quality}","timestamp":"${r.timestamp}"}`,
        QOS1,
        this.acknowledged,
      );
    }
    this.readingsPublished += readings.length;
  }

  /** Disconnects (endClient): cleanly when it can, forcibly when the broker does not answer in time. */
  async end(timeoutMs = 5000): Promise<void> {
    await endClient(this.client, timeoutMs);
  }

  /** One shared callback for every QoS 1 reading, so in-flight tracking allocates nothing per message. */
  private readonly acknowledged = (err?: Error): void => {
    this.inFlight--;
    if (err) this.errorLog.warn('publish', `Simulated reading not acknowledged: ${err.message}`);
  };

  private topicsOf(unitId: string): UnitTopics {
    let topics = this.topics.get(unitId);
    if (topics === undefined) {
      const base = `${this.options.topicPrefix}/${unitId}/`;
      const names = SENSOR_TYPES.map((type) => base + type);
      topics = { names, fields: names.map(topicField), status: base + 'status' };
      this.topics.set(unitId, topics);
    }
    return topics;
  }
}

/** Where and as whom the simulator connects. */
export interface SimulatorConnection {
  host: string;
  port: number;
  clientId: string;
  username?: string;
  password?: string;
  keepalive: number;
}

/**
 * The simulator's MQTT connection, as a protocol gateway has one: MQTT 3.1.1 (every broker speaks it), clean session,
 * reconnecting every second, Nagle off, nothing queued while disconnected. `extra` adds a will and the like.
 */
export function connectSimulatorClient(
  connection: SimulatorConnection,
  extra: Omit<IClientOptions, keyof SimulatorConnection> = {},
): MqttClient {
  const client = mqtt.connect({
    host: connection.host,
    port: connection.port,
    protocol: 'mqtt',
    protocolVersion: 4,
    clientId: connection.clientId,
    username: connection.username,
    password: connection.password,
    keepalive: connection.keepalive,
    clean: true,
    reconnectPeriod: 1000,
    connectTimeout: 10_000,
    // A tick that cannot be sent is skipped and counted, never stored for later: memory stays bounded.
    queueQoSZero: false,
    ...extra,
  });
  // Registered first, so it runs before every other connect handler. Nagle's delay would hold each small write
  // for tens of milliseconds.
  client.on('connect', () => (client.stream as { setNoDelay?: (on: boolean) => void }).setNoDelay?.(true));
  return client;
}

/** Resolves once the client is connected, or with false after `timeoutMs` (the client keeps trying). */
export function waitForConnection(client: MqttClient, timeoutMs: number): Promise<boolean> {
  if (client.connected) return Promise.resolve(true);
  return new Promise((resolve) => {
    const done = (connected: boolean): void => {
      clearTimeout(timer);
      client.off('connect', onConnect);
      resolve(connected);
    };
    const onConnect = (): void => done(true);
    const timer = setTimeout(() => done(false), timeoutMs);
    client.on('connect', onConnect);
  });
}

/**
 * Disconnects: cleanly when connected (what was handed to the socket goes out before the DISCONNECT, and outstanding
 * QoS 1 acknowledgements are waited for), forcibly when not or when the broker does not answer in time, so stopping
 * never hangs on an absent broker.
 */
export async function endClient(client: MqttClient, timeoutMs: number): Promise<void> {
  let acknowledged = Object.keys(client.outgoing).length === 0;
  if (client.connected && !acknowledged) {
    // Waited for here rather than by end(false): once a graceful end has begun, mqtt.js ignores a forced one.
    let timer: NodeJS.Timeout | undefined;
    let onEmpty: (() => void) | undefined;
    acknowledged = await new Promise<boolean>((resolve) => {
      onEmpty = () => resolve(true);
      timer = setTimeout(() => resolve(false), timeoutMs);
      client.once('outgoingEmpty', onEmpty);
    });
    clearTimeout(timer);
    if (onEmpty) client.off('outgoingEmpty', onEmpty);
  }
  await client.endAsync(!(client.connected && acknowledged));
}
