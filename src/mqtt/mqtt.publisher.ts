import { BadRequestException, Injectable, PayloadTooLargeException, ServiceUnavailableException } from '@nestjs/common';
import { assertUnitInScope, type Principal } from '../common/auth/principal.js';
import { AppConfig } from '../config/app-config.js';
import { MqttConnectionService } from './mqtt-connection.service.js';
import { TopicParser } from './topic.parser.js';

/** Test messages are small; 16 KiB leaves room to try the 4 KiB reading limit from the API. */
export const MAX_PUBLISH_BYTES = 16 * 1024;
const PUBLISH_TIMEOUT_MS = 10_000;

/**
 * Publishes through the backend's own broker connection (MqttConnectionService's client): today the test
 * messages of POST /api/v1/scada/mqtt/publish; the place for every outgoing MQTT message (commands to devices).
 */
@Injectable()
export class MqttPublisher {
  private readonly topics: TopicParser;

  constructor(
    private readonly connection: MqttConnectionService,
    private readonly config: AppConfig,
  ) {
    this.topics = new TopicParser(config.mqttTopicPrefix);
  }

  /**
   * A test message from a user: only to a reading or status topic of a unit in the caller's scope (403
   * otherwise), and never retained. Resolves with the payload's size once the broker has it.
   */
  async publishTestMessage(
    topic: string,
    payload: string,
    qos: 0 | 1 | 2,
    retain: boolean,
    by: Principal,
  ): Promise<number> {
    const parsed = this.topics.parse(topic);
    // Command topics are refused too: a command goes through POST .../commands (limits, safety rules, audit).
    if (parsed.kind !== 'reading' && parsed.kind !== 'status') {
      throw new BadRequestException(
        `Test messages go to ${this.config.mqttTopicPrefix}/{unit_id}/{sensor_type} (or .../status) only`,
      );
    }
    assertUnitInScope(by, parsed.unitId, `Topic '${topic}'`);
    if (retain) {
      throw new BadRequestException(
        'retain is refused: a retained test message would be replayed (and stored again) on every new subscription',
      );
    }
    return this.publish(topic, payload, qos, retain);
  }

  /** Publishes a message; resolves once the broker has it (QoS ≥ 1), or fails with 503 after 10 s. */
  async publish(topic: string, payload: string, qos: 0 | 1 | 2, retain: boolean): Promise<number> {
    const bytes = Buffer.byteLength(payload, 'utf8');
    if (bytes > MAX_PUBLISH_BYTES) {
      throw new PayloadTooLargeException(`payload is ${bytes} bytes; test messages are at most ${MAX_PUBLISH_BYTES}`);
    }
    const client = this.connection.requireConnected();
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        client.publishAsync(topic, payload, { qos, retain }),
        new Promise((_, reject) => {
          timer = setTimeout(
            () => reject(new Error(`no acknowledgement within ${PUBLISH_TIMEOUT_MS / 1000} s`)),
            PUBLISH_TIMEOUT_MS,
          );
        }),
      ]);
    } catch (err) {
      throw new ServiceUnavailableException(
        `Publishing to '${topic}' failed: ${err instanceof Error ? err.message : String(err)}`,
      );
    } finally {
      clearTimeout(timer);
    }
    return bytes;
  }
}
