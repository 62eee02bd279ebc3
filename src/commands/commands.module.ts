import { Module } from '@nestjs/common';
import { MqttModule } from '../mqtt/mqtt.module.js';
import { CommandChannels } from './command-channel.js';
import { CommandRepository } from './command.repository.js';
import { CommandSettingsController } from './command-settings.controller.js';
import { CommandsController } from './commands.controller.js';
import { CommandsService } from './commands.service.js';
import { MqttCommandChannel } from './mqtt-command.channel.js';

/**
 * Supervisory control: writable points, the command API and its safety rules, and the channels commands travel
 * on, each registered with CommandChannels under its kind (MQTT here; OPC UA, Sparkplug, Modbus add theirs the same
 * way). State changes leave as `command.status_changed` on the bus; the gateway turns them into `command_status`.
 */
@Module({
  imports: [MqttModule],
  controllers: [CommandsController, CommandSettingsController],
  providers: [CommandChannels, CommandRepository, CommandsService, MqttCommandChannel],
  exports: [CommandChannels, CommandsService],
})
export class CommandsModule {}
