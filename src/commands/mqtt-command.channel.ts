import { Injectable, Logger, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { EventBus } from '../common/bus/event-bus.js';
import { FeatureRegistry } from '../common/feature/feature.registry.js';
import { ThrottledLogger } from '../common/logging/throttled-logger.js';
import { AppConfig } from '../config/app-config.js';
import { MqttConnectionService } from '../mqtt/mqtt-connection.service.js';
import { MqttPublisher } from '../mqtt/mqtt.publisher.js';
import { ACK_REFUSALS, type AckRefusal, parseCommandAck } from './command-ack.parser.js';
import { type CommandChannel, CommandChannels, type OutgoingCommand, type SendResult } from './command-channel.js';

/**
 * Commands over MQTT (docs/commands.md): QoS 1, not retained, to `{prefix}/{unit_id}/{sensor_type}/set` with
 * `{command_id, value, issued_at, expires_at}`; the device answers on `.../set/ack`, which the backend already
 * receives through its subscription to the prefix (mqtt/ hands those messages over as `mqtt.command_ack_received`).
 * Acks that do not parse, name no waiting command or come from another point's topic are counted and dropped.
 */
@Injectable()
export class MqttCommandChannel implements CommandChannel, OnModuleInit, OnModuleDestroy {
  readonly kind = 'mqtt' as const;
  private readonly logger = new Logger(MqttCommandChannel.name);
  private readonly refusedLog = new ThrottledLogger(this.logger);
  private unsubscribe?: () => void;
  /** Acks taken, and refused by reason. */
  acksTaken = 0;
  readonly acksRefused = new Map<AckRefusal, number>(ACK_REFUSALS.map((r) => [r, 0]));

  constructor(
    private readonly config: AppConfig,
    private readonly bus: EventBus,
    private readonly connection: MqttConnectionService,
    private readonly publisher: MqttPublisher,
    private readonly channels: CommandChannels,
    private readonly features: FeatureRegistry,
  ) {}

  onModuleInit(): void {
    this.channels.register(this);
    this.features.register('commands_mqtt', () => [
      {
        name: 'scada_commands_mqtt_acks_total',
        help: 'Device acks on .../set/ack taken for a waiting command',
        type: 'counter',
        value: this.acksTaken,
      },
      ...[...this.acksRefused].map(([reason, value]) => ({
        name: 'scada_commands_mqtt_acks_refused_total',
        help: 'Device acks dropped: malformed, naming no waiting command, or from another point’s topic',
        type: 'counter' as const,
        value,
        labels: { reason },
      })),
    ]);
    this.unsubscribe = this.bus.on('mqtt.command_ack_received', MqttCommandChannel.name, (message) => {
      const parsed = parseCommandAck(message.payload);
      const result = parsed.ok
        ? (this.channels.outcomes?.acknowledged(
            parsed.ack.commandId,
            message.unitId,
            message.sensorType,
            parsed.ack.accepted,
            parsed.ack.reason,
          ) ?? 'unknown_command')
        : parsed.reason;
      if (result === 'taken') {
        this.acksTaken++;
        return;
      }
      this.acksRefused.set(result, (this.acksRefused.get(result) ?? 0) + 1);
      this.refusedLog.warn(result, `Command ack on ${message.unitId}/${message.sensorType}/set/ack refused: ${result}`);
    });
  }

  onModuleDestroy(): void {
    this.unsubscribe?.();
  }

  unavailable(): string | undefined {
    return this.connection.connected
      ? undefined
      : `the backend is not connected to the MQTT broker (${this.connection.state})`;
  }

  async send(command: OutgoingCommand): Promise<SendResult> {
    const topic = `${this.config.mqttTopicPrefix}/${command.unitId}/${command.sensorType}/set`;
    const payload = JSON.stringify({
      command_id: command.id,
      value: command.value,
      issued_at: command.issuedAt.toISOString(),
      expires_at: command.expiresAt.toISOString(),
    });
    try {
      // Once: mqtt.js resends an unacknowledged QoS 1 PUBLISH on reconnect, but nothing here sends it again.
      await this.publisher.publish(topic, payload, 1, false);
      return { outcome: 'sent' };
    } catch (err) {
      return { outcome: 'failed', reason: err instanceof Error ? err.message : String(err) };
    }
  }
}
