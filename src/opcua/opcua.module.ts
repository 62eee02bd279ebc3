import { Module } from '@nestjs/common';
import { OpcuaClientService } from './opcua-client.service.js';
import { OpcuaMappingRepository } from './opcua-mapping.repository.js';
import { OpcuaController } from './opcua.controller.js';

@Module({
  controllers: [OpcuaController],
  providers: [OpcuaClientService, OpcuaMappingRepository],
  exports: [OpcuaClientService],
})
export class OpcuaModule {}
