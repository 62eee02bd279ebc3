import { Module, type OnModuleInit } from '@nestjs/common';
import { CommandsModule } from '../commands/commands.module.js';
import { FeatureRegistry } from '../common/feature/feature.registry.js';
import { ModbusModule } from '../modbus/modbus.module.js';
import { TelemetryModule } from '../telemetry/telemetry.module.js';
import { ModbusSimService } from './modbus-sim.service.js';
import { OpcuaDemoService } from './opcua-demo.service.js';
import { SimulatorController } from './simulator.controller.js';
import { modbusSimHealthIndicator, opcuaDemoHealthIndicator, simulatorHealthIndicator } from './simulator.health.js';
import { SimulatorService } from './simulator.service.js';

@Module({
  imports: [TelemetryModule, CommandsModule, ModbusModule],
  controllers: [SimulatorController],
  providers: [SimulatorService, OpcuaDemoService, ModbusSimService],
  exports: [SimulatorService, OpcuaDemoService],
})
export class SimulatorModule implements OnModuleInit {
  constructor(
    private readonly features: FeatureRegistry,
    private readonly simulator: SimulatorService,
    private readonly demo: OpcuaDemoService,
    private readonly modbusSim: ModbusSimService,
  ) {}

  onModuleInit(): void {
    this.features.registerHealth(simulatorHealthIndicator(this.simulator));
    this.features.registerHealth(opcuaDemoHealthIndicator(this.demo));
    this.features.registerHealth(modbusSimHealthIndicator(this.modbusSim));
  }
}
