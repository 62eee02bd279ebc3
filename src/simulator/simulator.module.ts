import { Module } from '@nestjs/common';
import { TelemetryModule } from '../telemetry/telemetry.module.js';
import { OpcuaDemoService } from './opcua-demo.service.js';
import { SimulatorController } from './simulator.controller.js';
import { SimulatorService } from './simulator.service.js';

@Module({
  imports: [TelemetryModule],
  controllers: [SimulatorController],
  providers: [SimulatorService, OpcuaDemoService],
  exports: [SimulatorService, OpcuaDemoService],
})
export class SimulatorModule {}
