import { Injectable, Logger } from '@nestjs/common';
import type { IPublishPacket, MqttClient } from 'mqtt';
import { EventBus } from '../common/bus/event-bus.js';
import type { BatchAck, RawReading, RawUnitStatus } from '../common/bus/event-map.js';
import { ThrottledLogger } from '../common/logging/throttled-logger.js';
import { PipelineStats, type RejectReason } from '../common/metrics/pipeline-stats.js';
import { AppConfig } from '../config/app-config.js';
import { parsePayload } from './payload.parser.js';
import { PubackLedger } from './puback-ledger.js';
import { TopicParser } from './topic.parser.js';
import { parseUnitStatusPayload } from './unit-status.parser.js';

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
 * Takes messages in from the MQTT client: every message is parsed on arrival and gathered into a batch; the
 * batch goes out on the bus as `readings.received` (readings and unit statuses), carrying the PUBACKs of its
 * QoS 1 messages, which are sent only when the writer has committed the batch. Bad messages are counted, logged
 * (rate-limited) and acknowledged with their batch: they will never become valid, and they never hold up the
 * good ones. Which broker and which subscriptions is MqttConnectionService's business; it attaches each client
 * it creates here.
 */
@Injectable()
export class MqttIngestService {
  private readonly logger = new Logger(MqttIngestService.name);
  private readonly rejectLog = new ThrottledLogger(this.logger);
  private readonly topics: TopicParser;
  private ledger?: PubackLedger;
  private readings: RawReading[] = [];
  private statuses: RawUnitStatus[] = [];
  private messageIds: number[] = [];
  private batchMessages = 0;
  /** The ledger and connection the gathered messages arrived through (see PubackLedger). */
  private batchLedger?: PubackLedger;
  private batchEpoch = 0;
  private batchTimer: NodeJS.Timeout | undefined;
  /** While true (a disconnect or shutdown is under way), arriving messages are refused, not taken in. */
  private holding = false;
  /** Every message taken in, whatever its topic. */
  messagesReceived = 0;
  /** QoS 1 messages refused while intake was held: not acknowledged, so the broker delivers them again later. */
  messagesWithheld = 0;
  /** QoS 0 messages that arrived while intake was held: they cannot be redelivered, so they are counted as dropped. */
  messagesDroppedWhileHeld = 0;

  constructor(
    private readonly config: AppConfig,
    private readonly bus: EventBus,
    private readonly stats: PipelineStats,
  ) {
    this.topics = new TopicParser(config.mqttTopicPrefix);
  }

  /** QoS 1 PUBACKs held until their batch commits, on the current client. */
  get pendingAcks(): number {
    return this.ledger?.pending ?? 0;
  }

  /**
   * Takes over a new client's messages. mqtt.js reads one packet at a time and waits for `handleMessage`, so it
   * completes at once; the PUBACK mqtt.js then sends is parked by the ledger until the batch commits.
   */
  attach(client: MqttClient): void {
    this.flush();
    this.holding = false;
    const ledger = new PubackLedger(client);
    this.ledger = ledger;
    client.handleMessage = (packet, done) => {
      if (this.holding) this.refuse(packet, ledger);
      else this.take(packet, ledger);
      done();
    };
    // Readings already gathered go on (live data, storage); their PUBACKs belong to the closed connection.
    client.on('close', () => this.flush());
  }

  /**
   * Stops taking messages in and sends what was gathered down the pipeline. The connection stays up, so the
   * PUBACKs of what was taken in still go out once it commits; later messages are left to the broker, which
   * delivers them again on the next session (of this instance or, with a shared subscription, of another).
   * Ends when the next client is attached.
   */
  hold(): void {
    this.holding = true;
    this.flush();
  }

  get held(): boolean {
    return this.holding;
  }

  private refuse(packet: IPublishPacket, ledger: PubackLedger): void {
    if (packet.qos === 1 && packet.messageId !== undefined) {
      ledger.withhold(packet.messageId);
      this.messagesWithheld++;
    } else if (packet.qos === 0) {
      this.messagesDroppedWhileHeld++;
      if (this.topics.parse(packet.topic).kind === 'reading') this.stats.dropped++;
    }
  }

  /** Per-message work: parse, validate the shape, gather. No promises, no I/O, no log line unless rejected. */
  private take(packet: IPublishPacket, ledger: PubackLedger): void {
    if (this.batchMessages > 0 && ledger !== this.batchLedger) this.flush();
    if (this.batchMessages++ === 0) {
      this.batchLedger = ledger;
      this.batchEpoch = ledger.epoch;
    }
    this.messagesReceived++;
    // Only QoS 1 has a PUBACK to hold; subscriptions are QoS 0 or 1, so nothing arrives at QoS 2.
    if (packet.qos === 1 && packet.messageId !== undefined) this.messageIds.push(packet.messageId);
    const topic = this.topics.parse(packet.topic);
    const receivedAt = performance.timeOrigin + performance.now();
    switch (topic.kind) {
      case 'reading': {
        this.stats.received++;
        const parsed = parsePayload(packet.payload as Buffer);
        if (parsed.ok) {
          this.readings.push({
            unitId: topic.unitId,
            sensorType: topic.sensorType,
            value: parsed.payload.value,
            quality: parsed.payload.quality,
            timestamp: parsed.payload.timestamp,
            receivedAt,
            source: 'mqtt',
          });
        } else {
          this.reject(packet.topic, parsed.reason);
        }
        break;
      }
      case 'status': {
        this.stats.statusReceived++;
        const parsed = parseUnitStatusPayload(packet.payload as Buffer);
        if (parsed.ok) {
          this.statuses.push({
            unitId: topic.unitId,
            status: parsed.payload.status,
            timestamp: parsed.payload.timestamp,
            receivedAt,
            source: 'mqtt',
          });
        } else {
          this.reject(packet.topic, parsed.reason);
        }
        break;
      }
      case 'rejected':
        this.stats.received++;
        this.reject(packet.topic, topic.reason);
        break;
    }

    if (this.batchMessages >= this.config.ingestBatchSize) this.flush();
    else if (this.batchTimer === undefined) {
      this.batchTimer = setTimeout(() => this.flush(), this.config.ingestBatchWindowMs);
    }
  }

  private reject(topic: string, reason: RejectReason): void {
    this.stats.reject(reason);
    this.rejectLog.warn(reason, `Rejected message on ${topic.slice(0, 200)}: ${reason}`);
  }

  /** Sends what has been gathered down the pipeline now. */
  flush(): void {
    if (this.batchTimer !== undefined) {
      clearTimeout(this.batchTimer);
      this.batchTimer = undefined;
    }
    if (this.batchMessages === 0 || !this.batchLedger) return;
    const readings = this.readings;
    const statuses = this.statuses.length > 0 ? this.statuses : undefined;
    const ack =
      this.messageIds.length > 0 ? new PubackRelease(this.batchLedger, this.batchEpoch, this.messageIds) : undefined;
    this.readings = [];
    this.statuses = [];
    this.messageIds = [];
    this.batchMessages = 0;
    this.bus.emit('readings.received', { readings, statuses, ack });
  }
}
