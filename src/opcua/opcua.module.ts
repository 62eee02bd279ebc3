import { Module, type OnModuleInit } from '@nestjs/common';
import { CommandsModule } from '../commands/commands.module.js';
import { FeatureRegistry } from '../common/feature/feature.registry.js';
import { opcuaHealthIndicator } from './opcua.health.js';
import { OpcuaCommandChannel } from './opcua-command.channel.js';
import { OpcuaMappingRepository } from './opcua-mapping.repository.js';
import { OpcuaMappingStore } from './opcua-mapping.store.js';
import { OpcuaNodeIoService } from './opcua-node-io.service.js';
import { OpcuaSessionService } from './opcua-session.service.js';
import { OpcuaSubscriptionsService } from './opcua-subscriptions.service.js';
import { OpcuaController } from './opcua.controller.js';

/** The OPC UA client: connection, browse/read, monitored node mappings, and the `opcua` command channel. */
@Module({
  imports: [CommandsModule],
  controllers: [OpcuaController],
  providers: [
    OpcuaCommandChannel,
    OpcuaMappingRepository,
    OpcuaMappingStore,
    OpcuaSessionService,
    OpcuaNodeIoService,
    OpcuaSubscriptionsService,
  ],
  exports: [OpcuaSessionService, OpcuaNodeIoService],
})
export class OpcuaModule implements OnModuleInit {
  constructor(
    private readonly features: FeatureRegistry,
    private readonly session: OpcuaSessionService,
  ) {}

  onModuleInit(): void {
    this.features.registerHealth(opcuaHealthIndicator(() => this.session.snapshot()));
  }
}
