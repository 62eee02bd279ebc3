import { Module } from '@nestjs/common';
import { OpcuaDemoService } from './opcua-demo.service.js';
import { SimulatorController } from './simulator.controller.js';
import { SimulatorService } from './simulator.service.js';

@Module({
  controllers: [SimulatorController],
  providers: [SimulatorService, OpcuaDemoService],
  exports: [SimulatorService, OpcuaDemoService],
})
export class SimulatorModule {}
