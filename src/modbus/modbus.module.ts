import { Module, type OnModuleInit } from '@nestjs/common';
import { FeatureRegistry } from '../common/feature/feature.registry.js';
import { CommandsModule } from '../commands/commands.module.js';
import { TelemetryModule } from '../telemetry/telemetry.module.js';
import { ModbusCommandChannel } from './modbus-command.channel.js';
import { ModbusDeviceRepository } from './modbus-device.repository.js';
import { ModbusDevicesService } from './modbus-devices.service.js';
import { ModbusController } from './modbus.controller.js';
import { modbusHealthIndicator } from './modbus.health.js';
import { modbusSamples } from './modbus.metrics.js';

/** The Modbus TCP source: polled devices whose readings take the shared pipeline, and the `modbus` command channel. */
@Module({
  imports: [TelemetryModule, CommandsModule],
  controllers: [ModbusController],
  providers: [ModbusDeviceRepository, ModbusDevicesService, ModbusCommandChannel],
  exports: [ModbusDevicesService],
})
export class ModbusModule implements OnModuleInit {
  constructor(
    private readonly features: FeatureRegistry,
    private readonly devices: ModbusDevicesService,
  ) {}

  onModuleInit(): void {
    this.features.registerHealth(modbusHealthIndicator(() => this.devices.snapshot()));
    this.features.register('modbus', () => modbusSamples(this.devices.snapshot()));
  }
}
