import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import mqtt, { type IClientOptions, type IPublishPacket, type MqttClient } from 'mqtt';
import { EventBus } from '../common/bus/event-bus.js';
import type { BatchAck, RawReading } from '../common/bus/event-map.js';
import { ThrottledLogger } from '../common/logging/throttled-logger.js';
import { PipelineStats } from '../common/metrics/pipeline-stats.js';
import { AppConfig } from '../config/app-config.js';
import { RUNTIME_INFO, type RuntimeInfo } from '../config/runtime.js';
import { parsePayload } from './payload.parser.js';
import { PubackLedger } from './puback-ledger.js';
import { TopicParser } from './topic.parser.js';

/** MQTT connect-refusal codes meaning "I do not speak this protocol version" (3.1.1 and MQTT 5 spellings). */
const UNSUPPORTED_PROTOCOL = new Set([1, 132]);

/** Settles a batch's QoS 1 messages by releasing their parked PUBACKs. */
class PubackRelease implements BatchAck {
  constructor(
    private readonly ledger: PubackLedger,
    private readonly epoch: number,
    private readonly messageIds: number[],
  ) {}

  settle(): void {
    this.ledger.release(this.epoch, this.messageIds);
  }
}

/**
 * Takes readings in from the MQTT broker. Every message is parsed on arrival and gathered into a batch; the
 * batch goes out on the bus as `readings.received`, carrying the PUBACKs of its QoS 1 messages, which are sent
 * only when the writer has committed the batch. Bad messages are counted, logged (rate-limited) and acknowledged
 * with their batch: they will never become valid, and they never hold up the good ones.
 */
@Injectable()
export class MqttIngestService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(MqttIngestService.name);
  private readonly rejectLog = new ThrottledLogger(this.logger);
  private readonly topics: TopicParser;
  private client?: MqttClient;
  private ledger?: PubackLedger;
  private readings: RawReading[] = [];
  private messageIds: number[] = [];
  private batchMessages = 0;
  /** The connection the gathered messages arrived on (see PubackLedger). */
  private batchEpoch = 0;
  private batchTimer: NodeJS.Timeout | undefined;
  private lastError: string | undefined;
  private subscribed: string[] = [];
  reconnects = 0;

  constructor(
    private readonly config: AppConfig,
    @Inject(RUNTIME_INFO) private readonly runtime: RuntimeInfo,
    private readonly bus: EventBus,
    private readonly stats: PipelineStats,
  ) {
    this.topics = new TopicParser(config.mqttTopicPrefix);
  }

  /** Connects only once every module has subscribed to the bus, so no early batch finds nobody listening. */
  onApplicationBootstrap(): void {
    this.connect();
  }

  async onApplicationShutdown(): Promise<void> {
    this.flush();
    const client = this.client;
    if (client) await client.endAsync();
  }

  get connected(): boolean {
    return this.client?.connected ?? false;
  }

  status(): {
    connected: boolean;
    broker_host: string;
    broker_port: number;
    embedded_broker: boolean;
    client_id: string;
    protocol_version: number;
    subscribed_topics: string[];
    reconnects: number;
    pending_acks: number;
    last_error?: string;
  } {
    return {
      connected: this.connected,
      broker_host: this.runtime.brokerHost,
      broker_port: this.runtime.brokerPort,
      embedded_broker: this.runtime.brokerEmbedded,
      client_id: this.config.mqttClientId,
      protocol_version: this.client?.options.protocolVersion ?? this.config.mqttProtocolVersion,
      subscribed_topics: this.connected ? this.subscribed : [],
      reconnects: this.reconnects,
      pending_acks: this.ledger?.pending ?? 0,
      last_error: this.lastError,
    };
  }

  private connect(): void {
    const config = this.config;
    const v5 = config.mqttProtocolVersion === 5 && !this.runtime.brokerEmbedded;
    const options: IClientOptions = {
      host: this.runtime.brokerHost,
      port: this.runtime.brokerPort,
      protocol: 'mqtt',
      clientId: config.mqttClientId,
      username: config.mqttUsername,
      password: config.mqttPassword,
      keepalive: config.mqttKeepalive,
      clean: false,
      protocolVersion: v5 ? 5 : 4,
      properties: v5
        ? { sessionExpiryInterval: config.mqttSessionExpiry, receiveMaximum: config.mqttReceiveMaximum }
        : undefined,
      reconnectPeriod: 1000,
      connectTimeout: 10_000,
      resubscribe: false,
    };
    const client = mqtt.connect(options);
    this.client = client;
    this.ledger = new PubackLedger(client);
    client.handleMessage = (packet, done) => {
      this.take(packet);
      done();
    };

    client.on('connect', () => {
      (client.stream as { setNoDelay?: (on: boolean) => void }).setNoDelay?.(true);
      this.lastError = undefined;
      this.logger.log(
        `Connected to MQTT broker ${this.runtime.brokerHost}:${this.runtime.brokerPort} (MQTT ${client.options.protocolVersion === 5 ? '5' : '3.1.1'})`,
      );
      const filter = this.topics.filter;
      client.subscribe(filter, { qos: 1 }, (err) => {
        if (err) {
          this.lastError = `subscribe ${filter} failed: ${err.message}`;
          this.logger.error(this.lastError);
          return;
        }
        this.subscribed = [filter];
        this.bus.emit('mqtt.connection_changed', { connected: true });
      });
    });
    client.on('reconnect', () => this.reconnects++);
    client.on('close', () => {
      // Readings already gathered go on (live data, storage); their PUBACKs belong to the closed connection.
      this.flush();
      if (this.subscribed.length > 0) {
        this.subscribed = [];
        this.bus.emit('mqtt.connection_changed', { connected: false, error: this.lastError });
      }
    });
    client.on('error', (err: Error & { code?: number }) => {
      if (client.options.protocolVersion === 5 && UNSUPPORTED_PROTOCOL.has(Number(err.code))) {
        this.logger.warn('Broker refused MQTT 5; falling back to MQTT 3.1.1');
        client.options.protocolVersion = 4;
        delete client.options.properties;
      }
      this.lastError = err.message;
      this.rejectLog.error('mqtt-error', `MQTT error: ${err.message}`);
    });
  }

  /** Per-message work: parse, validate the shape, gather. No promises, no I/O, no log line unless rejected. */
  private take(packet: IPublishPacket): void {
    if (this.batchMessages++ === 0) this.batchEpoch = this.ledger?.epoch ?? 0;
    if (packet.qos > 0 && packet.messageId !== undefined) this.messageIds.push(packet.messageId);
    const topic = this.topics.parse(packet.topic);
    if (topic.kind === 'reading') {
      this.stats.received++;
      const parsed = parsePayload(packet.payload as Buffer);
      if (parsed.ok) {
        this.readings.push({
          unitId: topic.unitId,
          sensorType: topic.sensorType,
          value: parsed.payload.value,
          quality: parsed.payload.quality,
          timestamp: parsed.payload.timestamp,
          receivedAt: performance.timeOrigin + performance.now(),
          source: 'mqtt',
        });
      } else {
        this.stats.reject(parsed.reason);
        this.rejectLog.warn(parsed.reason, `Rejected message on ${packet.topic.slice(0, 200)}: ${parsed.reason}`);
      }
    } else if (topic.kind === 'rejected') {
      this.stats.received++;
      this.stats.reject(topic.reason);
      this.rejectLog.warn(topic.reason, `Rejected message on ${packet.topic.slice(0, 200)}: ${topic.reason}`);
    }
    // Unit status messages are acknowledged with the batch; their handling comes with the unit registry.

    if (this.batchMessages >= this.config.ingestBatchSize) this.flush();
    else if (this.batchTimer === undefined) {
      this.batchTimer = setTimeout(() => this.flush(), this.config.ingestBatchWindowMs);
    }
  }

  private flush(): void {
    if (this.batchTimer !== undefined) {
      clearTimeout(this.batchTimer);
      this.batchTimer = undefined;
    }
    if (this.batchMessages === 0 || !this.ledger) return;
    const readings = this.readings;
    const ack =
      this.messageIds.length > 0 ? new PubackRelease(this.ledger, this.batchEpoch, this.messageIds) : undefined;
    this.readings = [];
    this.messageIds = [];
    this.batchMessages = 0;
    this.bus.emit('readings.received', { readings, ack });
  }
}
