import { Injectable, PayloadTooLargeException, ServiceUnavailableException } from '@nestjs/common';
import { MqttConnectionService } from './mqtt-connection.service.js';

/** Test messages are small; 16 KiB leaves room to try the 4 KiB reading limit from the API. */
export const MAX_PUBLISH_BYTES = 16 * 1024;
const PUBLISH_TIMEOUT_MS = 10_000;

/**
 * Publishes through the backend's own broker connection (MqttConnectionService's client): today the test
 * messages of POST /api/v1/scada/mqtt/publish; the place for every outgoing MQTT message (commands to devices).
 */
@Injectable()
export class MqttPublisher {
  constructor(private readonly connection: MqttConnectionService) {}

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
