import { Module, type OnModuleInit } from '@nestjs/common';
import { CommandsModule } from '../commands/commands.module.js';
import { FeatureRegistry } from '../common/feature/feature.registry.js';
import { TelemetryModule } from '../telemetry/telemetry.module.js';
import { OpcuaDemoService } from './opcua-demo.service.js';
import { SimulatorController } from './simulator.controller.js';
import { opcuaDemoHealthIndicator, simulatorHealthIndicator } from './simulator.health.js';
import { SimulatorService } from './simulator.service.js';

@Module({
  imports: [TelemetryModule, CommandsModule],
  controllers: [SimulatorController],
  providers: [SimulatorService, OpcuaDemoService],
  exports: [SimulatorService, OpcuaDemoService],
})
export class SimulatorModule implements OnModuleInit {
  constructor(
    private readonly features: FeatureRegistry,
    private readonly simulator: SimulatorService,
    private readonly demo: OpcuaDemoService,
  ) {}

  onModuleInit(): void {
    this.features.registerHealth(simulatorHealthIndicator(this.simulator));
    this.features.registerHealth(opcuaDemoHealthIndicator(this.demo));
  }
}
