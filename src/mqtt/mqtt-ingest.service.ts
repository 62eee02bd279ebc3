import { Injectable, Logger } from '@nestjs/common';
import type { IPublishPacket, MqttClient } from 'mqtt';
import { EventBus } from '../common/bus/event-bus.js';
import type { BatchAck, RawReading, RawUnitStatus } from '../common/bus/event-map.js';
import { ThrottledLogger } from '../common/logging/throttled-logger.js';
import { PipelineStats, type RejectReason } from '../pipeline/pipeline-stats.js';
import { AppConfig } from '../config/app-config.js';
import { Batcher } from '../processor/batcher.js';
import { parsePayload } from './payload.parser.js';
import { PubackLedger } from './puback-ledger.js';
import { TopicParser } from './topic.parser.js';
import { parseUnitStatusPayload } from './unit-status.parser.js';

/** The connection a batch's message ids belong to: one object per ledger epoch, so the Batcher sees it change. */
interface AckScope {
  ledger: PubackLedger;
  epoch: number;
}

/**
 * A protocol spoken on the backend's connection outside the prefix (Sparkplug B under `spBv1.0/`): it turns each of
 * its messages into readings and statuses (pure, synchronous), which ride in the batch with the message's PUBACK.
 */
export interface MqttTopicRoute {
  take(topic: string, payload: Buffer, receivedAt: number): { readings: RawReading[]; statuses: RawUnitStatus[] };
}

/** Settles a batch's QoS 1 messages by releasing their held PUBACKs. */
function pubackRelease(scope: AckScope, messageIds: number[]): BatchAck {
  return { settle: () => scope.ledger.release(scope.epoch, messageIds) };
}

/**
 * Takes messages in from the MQTT client: every message is parsed on arrival and gathered into a batch; the
 * batch goes out on the bus as `readings.received` (readings and unit statuses), carrying the PUBACKs of its
 * QoS 1 messages, which are sent only when the writer has committed the batch. Bad messages are counted, logged
 * (rate-limited) and acknowledged with their batch: they will never become valid, and they never hold up the
 * good ones. Which broker is MqttConnectionService's business (it attaches each client it creates here), which
 * subscriptions MqttSubscriptionsService's.
 */
@Injectable()
export class MqttIngestService {
  private readonly logger = new Logger(MqttIngestService.name);
  private readonly rejectLog = new ThrottledLogger(this.logger);
  private readonly topics: TopicParser;
  private readonly batcher: Batcher<number, AckScope>;
  private ledger?: PubackLedger;
  /** The current ledger's connection, the ack context of the messages gathered now. */
  private scope?: AckScope;
  /** Pauses of intake on earlier clients (the current ledger counts its own). */
  private earlierPauses = 0;
  /** While true (a disconnect or shutdown is under way), arriving messages are refused, not taken in. */
  private holding = false;
  /** Namespaces outside the prefix and who takes their messages (registered by their features). */
  private readonly routes: { namespace: string; route: MqttTopicRoute }[] = [];
  /** Every message taken in, whatever its topic. */
  messagesReceived = 0;
  /** The backend's own commands (`.../set`) that came back through its subscription; ignored. */
  commandEchoes = 0;
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
    this.batcher = new Batcher({
      maxMessages: config.ingestBatchSize,
      windowMs: config.ingestBatchWindowMs,
      sink: (batch) => bus.emit('readings.received', batch),
      ack: pubackRelease,
    });
  }

  /** QoS 1 PUBACKs held until their batch commits, on the current client. */
  get pendingAcks(): number {
    return this.ledger?.pending ?? 0;
  }

  /** Whether intake is paused because MQTT_MAX_PENDING_ACKS messages wait for their commit. */
  get intakePaused(): boolean {
    return this.ledger?.paused ?? false;
  }

  /** Times intake paused for that reason, since start. */
  get intakePauses(): number {
    return this.earlierPauses + (this.ledger?.pauses ?? 0);
  }

  /** Messages on `{namespace}/...` go to `route` instead of the prefix's parser; their PUBACKs wait the same way. */
  route(namespace: string, route: MqttTopicRoute): void {
    this.routes.push({ namespace: namespace + '/', route });
  }

  /**
   * Takes over a new client's messages. mqtt.js reads one packet at a time and waits for `handleMessage`, so it
   * completes at once; the PUBACK mqtt.js then sends is parked by the ledger until the batch commits.
   */
  attach(client: MqttClient): void {
    this.flush();
    this.holding = false;
    this.earlierPauses += this.ledger?.pauses ?? 0;
    const max = this.config.mqttMaxPendingAcks;
    // Intake pauses at the cap and resumes at half of it: no pause/resume per message.
    const ledger = new PubackLedger(client, { maxPending: max, resumeAt: Math.floor(max / 2) }, () => this.flush());
    this.ledger = ledger;
    client.handleMessage = (packet, done) => {
      if (this.holding) {
        this.refuse(packet);
        done();
      } else {
        this.take(packet, ledger);
        ledger.admit(done);
      }
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

  /** Not taken into the ledger: the PUBACK mqtt.js sends for it is dropped, so the broker keeps the message. */
  private refuse(packet: IPublishPacket): void {
    if (packet.qos === 1 && packet.messageId !== undefined) {
      this.messagesWithheld++;
    } else if (packet.qos === 0) {
      this.messagesDroppedWhileHeld++;
      if (this.topics.parse(packet.topic).kind === 'reading') this.stats.dropped++;
    }
  }

  /** Per-message work: parse, validate the shape, gather. No promises, no I/O, no log line unless rejected. */
  private take(packet: IPublishPacket, ledger: PubackLedger): void {
    this.messagesReceived++;
    // Only QoS 1 has a PUBACK to hold; subscriptions are QoS 0 or 1, so nothing arrives at QoS 2.
    const token = packet.qos === 1 ? packet.messageId : undefined;
    if (token !== undefined) ledger.take(token);
    if (this.scope?.ledger !== ledger || this.scope.epoch !== ledger.epoch)
      this.scope = { ledger, epoch: ledger.epoch };
    const receivedAt = performance.timeOrigin + performance.now();
    for (const { namespace, route } of this.routes) {
      if (packet.topic.startsWith(namespace)) {
        const { readings, statuses } = route.take(packet.topic, packet.payload as Buffer, receivedAt);
        this.batcher.add(this.scope, { readings, statuses, token });
        return;
      }
    }
    const topic = this.topics.parse(packet.topic);
    switch (topic.kind) {
      case 'reading': {
        this.stats.received++;
        const parsed = parsePayload(packet.payload as Buffer);
        if (parsed.ok) {
          const { value, quality, timestamp } = parsed.payload;
          this.batcher.add(this.scope, {
            reading: {
              unitId: topic.unitId,
              sensorType: topic.sensorType,
              value,
              quality,
              timestamp,
              receivedAt,
              source: 'mqtt',
            },
            token,
          });
          return;
        }
        this.reject(packet.topic, parsed.reason);
        break;
      }
      case 'status': {
        this.stats.statusReceived++;
        const parsed = parseUnitStatusPayload(packet.payload as Buffer);
        if (parsed.ok) {
          const { status, timestamp } = parsed.payload;
          this.batcher.add(this.scope, {
            status: { unitId: topic.unitId, status, timestamp, receivedAt, source: 'mqtt' },
            token,
          });
          return;
        }
        this.reject(packet.topic, parsed.reason);
        break;
      }
      case 'command':
        // The backend's own command, back through its subscription to the prefix: not a reading.
        this.commandEchoes++;
        break;
      case 'command_ack':
        this.bus.emit('mqtt.command_ack_received', {
          unitId: topic.unitId,
          sensorType: topic.sensorType,
          payload: packet.payload as Buffer,
        });
        break;
      case 'rejected':
        this.stats.received++;
        this.reject(packet.topic, topic.reason);
        break;
    }
    // Rejected (it will never become valid) or not a reading (a command, an ack): acknowledged with its batch.
    this.batcher.add(this.scope, { token });
  }

  private reject(topic: string, reason: RejectReason): void {
    this.stats.reject(reason);
    this.rejectLog.warn(reason, `Rejected message on ${topic.slice(0, 200)}: ${reason}`);
  }

  /** Sends what has been gathered down the pipeline now. */
  flush(): void {
    this.batcher.flush();
  }
}
