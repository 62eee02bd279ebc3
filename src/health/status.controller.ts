import { Controller, Get } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { HealthService } from './health.service.js';
import { RequireRole } from '../common/auth/access.js';

@ApiTags('scada')
@Controller('api/v1/scada')
export class StatusController {
  constructor(private readonly health: HealthService) {}

  @RequireRole('viewer')
  @Get('status')
  @ApiOperation({
    summary: 'Detailed state of every service, with pipeline counters (received, stored, rejected by reason)',
  })
  @ApiOkResponse({ description: 'MQTT connection, database, pipeline counters, Socket.IO clients, memory' })
  status() {
    return this.health.status();
  }
}
