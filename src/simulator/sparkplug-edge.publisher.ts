import type { Writable } from 'node:stream';
import { Logger } from '@nestjs/common';
import type { IClientPublishOptions, MqttClient } from 'mqtt';
import { ThrottledLogger } from '../common/logging/throttled-logger.js';
import type { PlantModel, PlantTick } from './plant-model.js';
import type { CommandCounts } from './simulator-command.handler.js';
import {
  type Blocked,
  connectSimulatorClient,
  endClient,
  MAX_BUFFERED_BYTES,
  MAX_IN_FLIGHT,
  type SimulatorConnection,
  waitForConnection,
} from './simulator.publisher.js';
import { type EdgeMessage, SparkplugEdgeNode } from './sparkplug-edge.js';
import { SENSOR_COUNT } from './unit-model.js';

export interface EdgePublisherOptions extends SimulatorConnection {
  /** The Sparkplug group of the edge node (SIMULATOR_SPARKPLUG_GROUP). */
  group: string;
  edgeNode: string;
  /** QoS of births and data (SIMULATOR_QOS; Sparkplug itself says 0). The will (NDEATH) is always QoS 1. */
  qos: 0 | 1;
}

/**
 * The simulator's own MQTT connection when it speaks Sparkplug B (SIMULATOR_PROTOCOL=sparkplug): one edge node whose
 * devices are the plant's units (SparkplugEdgeNode builds the payloads). Every connection is a session: its will is
 * the NDEATH of its bdSeq, and once connected it subscribes to its NCMD/DCMD topics and then publishes its NBIRTH
 * (devices follow with their first readings). A Rebirth NCMD publishes the births again; a DCMD to a writable
 * point goes to the unit (PlantModel.command), and an accepted value is reported in the unit's next DDATA. A stop
 * publishes the DDEATHs and the NDEATH before it disconnects. Memory is bounded as for JSON: `blocked()`.
 */
export class SparkplugEdgePublisher {
  private readonly logger = new Logger('SparkplugEdgePublisher');
  private readonly errorLog = new ThrottledLogger(this.logger);
  private readonly client: MqttClient;
  private readonly edge: SparkplugEdgeNode;
  private readonly out: EdgeMessage[] = [];
  private readonly publishOptions: IClientPublishOptions;
  /** bdSeq the next connection's session takes (its will was set with it). */
  private nextBd = 0;
  private inFlight = 0;
  private ended = false;
  readingsPublished = 0;
  /** Births and deaths published (the Sparkplug counterpart of status messages). */
  statusPublished = 0;
  /** What DCMDs asked, by what the units did (no acknowledgement in Sparkplug: the readback confirms). */
  readonly counts: CommandCounts = { accepted: 0, rejected: 0, expired: 0, malformed: 0, unanswered: 0 };
  lastError: string | undefined;

  /** The plant whose units this node's devices are; commands before it is attached go unanswered. */
  private plant: PlantModel | undefined;

  constructor(
    private readonly options: EdgePublisherOptions,
    unitIds: readonly string[],
  ) {
    this.edge = new SparkplugEdgeNode(
      options.group,
      options.edgeNode,
      unitIds,
      (unitId) => this.plant?.controlOf(unitId) ?? { setpoint: undefined, pumpOn: true },
    );
    this.publishOptions = { qos: options.qos };
    const will = this.edge.death(this.nextBd);
    this.client = connectSimulatorClient(options, {
      // Subscribed again in every session before its birth (Sparkplug's order), not by mqtt.js after it.
      resubscribe: false,
      will: { topic: will.topic, payload: bytes(will.payload), qos: 1, retain: false },
    });
    this.client.on('connect', () => this.onSession());
    this.client.on('message', (topic, payload) => this.onCommand(topic, payload));
    this.client.on('error', (err) => {
      this.lastError = err.message;
      this.errorLog.error('mqtt-error', `Simulator (Sparkplug) MQTT error: ${err.message}`);
    });
  }

  get connected(): boolean {
    return this.client.connected;
  }

  /** The plant the ticks come from (created once the connection is up); its units answer the DCMDs. */
  attach(plant: PlantModel): void {
    this.plant = plant;
  }

  /** The session's bdSeq (what its NBIRTH and will carry). */
  get bdSeq(): number {
    return this.edge.bdSeq;
  }

  /** The unit ids the backend's default mapping gives the plant's units. */
  mappedUnitIds(): string[] {
    return this.edge.mappedUnitIds();
  }

  waitConnected(timeoutMs: number): Promise<boolean> {
    return waitForConnection(this.client, timeoutMs);
  }

  /** Whether a tick of up to `readings` readings (one message per unit) can be sent now without queueing. */
  blocked(readings: number): Blocked | undefined {
    if (!this.client.connected) return 'disconnected';
    if ((this.client.stream as Writable).writableLength > MAX_BUFFERED_BYTES) return 'backpressure';
    if (this.options.qos === 1 && this.inFlight + Math.ceil(readings / SENSOR_COUNT) > MAX_IN_FLIGHT) {
      return 'backpressure';
    }
    return undefined;
  }

  /** One tick: a DBIRTH, DDATA or DDEATH per unit, one encoded payload each. */
  publish(tick: PlantTick): void {
    const out = this.out;
    this.edge.tick(tick, out);
    for (const message of out) this.send(message);
    this.readingsPublished += tick.readings.length;
    out.length = 0;
  }

  /** Publishes the DDEATHs and the session's NDEATH, then disconnects (endClient). */
  async end(timeoutMs = 5000): Promise<void> {
    this.ended = true;
    if (this.client.connected) {
      const now = Date.now();
      for (const death of this.edge.deviceDeaths(now)) this.send(death, true);
      this.send(this.edge.death(this.edge.bdSeq, now), true);
    }
    await endClient(this.client, timeoutMs);
  }

  /** A new session: its bdSeq is the will's; the next connection's will gets the next one. Subscribe, then birth. */
  private onSession(): void {
    this.lastError = undefined;
    const bd = this.nextBd;
    this.nextBd = this.edge.startSession(bd);
    const nextWill = this.edge.death(this.nextBd);
    // mqtt.js builds every CONNECT from its options: the next session's will carries the next bdSeq.
    if (this.client.options.will !== undefined) this.client.options.will.payload = bytes(nextWill.payload);
    this.client.subscribe(this.edge.commandFilters(), { qos: 1 }, (err, granted) => {
      const refused = granted?.filter((g) => g.qos === 128).length ?? 0;
      if (err || refused > 0) {
        this.errorLog.error(
          'subscribe',
          `Simulator cannot receive Sparkplug commands: ${err?.message ?? `${refused} topic(s) refused by the broker`}`,
        );
      }
    });
    this.send(this.edge.birth(Date.now()), true);
    this.logger.log(
      `Simulator is Sparkplug edge node ${this.options.group}/${this.options.edgeNode} (bdSeq ${bd}) on ${this.options.host}:${this.options.port}`,
    );
  }

  private onCommand(topic: string, payload: Buffer): void {
    if (this.ended) return;
    const levels = topic.split('/');
    if (levels[2] === 'NCMD') {
      if (this.edge.isRebirthRequest(payload)) this.send(this.edge.birth(Date.now()), true);
      return;
    }
    if (levels[2] !== 'DCMD' || levels.length !== 5) return;
    for (const command of this.edge.deviceCommands(levels[4], payload)) {
      if (!command.ok) {
        if (command.reason === 'malformed') this.counts.malformed++;
        else this.counts.rejected++;
        continue;
      }
      const answer = this.plant?.command(command.unitId, command.point, command.value);
      if (answer === undefined || 'silent' in answer) this.counts.unanswered++;
      else if (!answer.accepted) this.counts.rejected++;
      else {
        this.counts.accepted++;
        this.edge.report(command.unitId, command.point, answer.value);
      }
    }
  }

  private send(message: EdgeMessage, lifecycle = false): void {
    if (lifecycle) this.statusPublished++;
    if (this.options.qos === 0) {
      this.client.publish(message.topic, bytes(message.payload), this.publishOptions);
      return;
    }
    this.inFlight++;
    this.client.publish(message.topic, bytes(message.payload), this.publishOptions, this.acknowledged);
  }

  private readonly acknowledged = (err?: Error): void => {
    this.inFlight--;
    if (err) this.errorLog.warn('publish', `Simulated Sparkplug message not acknowledged: ${err.message}`);
  };
}

/** The encoded payload as a Buffer over the same memory (protobufjs already hands Buffers over in Node). */
function bytes(payload: Uint8Array): Buffer {
  return Buffer.isBuffer(payload) ? payload : Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength);
}
