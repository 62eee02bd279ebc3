import { Injectable, type OnModuleInit } from '@nestjs/common';
import {
  type CommandChannel,
  CommandChannels,
  type OutgoingCommand,
  type SendResult,
} from '../commands/command-channel.js';
import { AppConfig } from '../config/app-config.js';
import { MqttConnectionService } from '../mqtt/mqtt-connection.service.js';
import { SensorSettingsCache } from '../processor/sensor-settings.cache.js';
import { commandMetric, type EncodedCommand, rawCommandValue } from './sparkplug-command.encoder.js';
import type { CommandTarget } from './sparkplug-host.state.js';
import { SparkplugHostService } from './sparkplug-host.service.js';

/**
 * Commands to points a Sparkplug metric feeds (docs/sparkplug.md#commands): an NCMD for a metric of the edge node's
 * NBIRTH, a DCMD for one of a device's DBIRTH, with the metric's name and alias and in its birth datatype. Sparkplug
 * has no command acknowledgement, so the point's settings say `confirmation: readback`: the next NDATA/DDATA value
 * of the metric confirms. A value the datatype cannot hold is refused before anything is stored or sent.
 */
@Injectable()
export class SparkplugCommandChannel implements CommandChannel, OnModuleInit {
  readonly kind = 'sparkplug' as const;

  constructor(
    private readonly config: AppConfig,
    private readonly channels: CommandChannels,
    private readonly sparkplug: SparkplugHostService,
    private readonly connection: MqttConnectionService,
    private readonly settings: SensorSettingsCache,
  ) {}

  onModuleInit(): void {
    this.channels.register(this);
  }

  unavailable(): string | undefined {
    if (!this.config.sparkplugEnabled) return 'Sparkplug is off (SPARKPLUG_ENABLED=false)';
    return this.connection.connected
      ? undefined
      : `the backend is not connected to the MQTT broker (${this.connection.state})`;
  }

  pointProblem(unitId: string, sensorType: string): string | undefined {
    const lookup = this.sparkplug.commandTarget(unitId, sensorType);
    return lookup.ok ? undefined : lookup.reason;
  }

  valueProblem(unitId: string, sensorType: string, value: number): string | undefined {
    const lookup = this.sparkplug.commandTarget(unitId, sensorType);
    if (!lookup.ok) return lookup.reason;
    const encoded = this.encode(lookup.target, unitId, sensorType, value, Date.now());
    return encoded.ok ? undefined : `not sent: ${encoded.reason}`;
  }

  async send(command: OutgoingCommand): Promise<SendResult> {
    // Again at sending: a rebirth since the checks may have changed the node's state or the metric's datatype.
    const lookup = this.sparkplug.commandTarget(command.unitId, command.sensorType);
    if (!lookup.ok) return { outcome: 'failed', reason: lookup.reason };
    const now = Date.now();
    const encoded = this.encode(lookup.target, command.unitId, command.sensorType, command.value, now);
    if (!encoded.ok) return { outcome: 'failed', reason: `not sent: ${encoded.reason}` };
    try {
      await this.sparkplug.publishCommand(lookup.target, encoded.metric, now);
      return { outcome: 'sent' };
    } catch (err) {
      return { outcome: 'failed', reason: err instanceof Error ? err.message : String(err) };
    }
  }

  private encode(
    target: CommandTarget,
    unitId: string,
    sensorType: string,
    value: number,
    now: number,
  ): EncodedCommand {
    const s = this.settings.get(unitId, sensorType);
    const raw = rawCommandValue(value, { scaleFactor: s.scaleFactor, offset: s.offset, scaled: s.states == null });
    return commandMetric(target.metric, raw, now);
  }
}
