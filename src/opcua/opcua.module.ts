import { Module, type OnModuleInit } from '@nestjs/common';
import { FeatureRegistry } from '../common/feature/feature.registry.js';
import { OpcuaClientService } from './opcua-client.service.js';
import { opcuaHealthIndicator } from './opcua.health.js';
import { OpcuaMappingRepository } from './opcua-mapping.repository.js';
import { OpcuaController } from './opcua.controller.js';

@Module({
  controllers: [OpcuaController],
  providers: [OpcuaClientService, OpcuaMappingRepository],
  exports: [OpcuaClientService],
})
export class OpcuaModule implements OnModuleInit {
  constructor(
    private readonly features: FeatureRegistry,
    private readonly client: OpcuaClientService,
  ) {}

  onModuleInit(): void {
    this.features.registerHealth(opcuaHealthIndicator(() => this.client.snapshot()));
  }
}
