import { Body, Controller, Delete, Get, Param, Post, Query } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import { RequireRole } from '../common/auth/access.js';
import { CurrentPrincipal } from '../common/auth/current-principal.decorator.js';
import type { Principal } from '../common/auth/principal.js';
import {
  CreateDeviceDto,
  CreatedDeviceResponseDto,
  DeviceIdParamsDto,
  DeviceResponseDto,
  ListDevicesQueryDto,
  toDeviceResponse,
} from './device.dto.js';
import { DevicesService } from './devices.service.js';

@ApiTags('devices')
@Controller('api/v1/scada/devices')
export class DevicesController {
  constructor(private readonly devices: DevicesService) {}

  @RequireRole('admin')
  @Get()
  @ApiOperation({
    summary: 'MQTT device credentials (never their passwords), oldest first; revoked ones with include_revoked=true',
  })
  @ApiOkResponse({ type: [DeviceResponseDto] })
  async list(@Query() query: ListDevicesQueryDto): Promise<DeviceResponseDto[]> {
    return (await this.devices.list(query.include_revoked ?? false)).map(toDeviceResponse);
  }

  @RequireRole('admin')
  @Post()
  @ApiOperation({
    summary:
      'Create a device credential: it connects to the broker as `username` and may publish only for its units. ' +
      'The answer holds the password, shown this once (only hashes of it are stored)',
  })
  @ApiCreatedResponse({ type: CreatedDeviceResponseDto })
  @ApiBadRequestResponse({ description: 'Bad name or unit ids' })
  @ApiConflictResponse({ description: 'An active device has this name' })
  async create(
    @Body() body: CreateDeviceDto,
    @CurrentPrincipal() principal: Principal,
  ): Promise<CreatedDeviceResponseDto> {
    const { record, password } = await this.devices.create(body, principal.name);
    return { ...toDeviceResponse(record), username: record.name, password };
  }

  @RequireRole('admin')
  @Delete(':id')
  @ApiOperation({
    summary:
      'Revoke a device credential: the embedded broker refuses it from the next CONNECT and closes its connections ' +
      '(other instances within 10 s); an external broker after the exported files are regenerated',
  })
  @ApiOkResponse({
    type: DeviceResponseDto,
    description: 'The device as revoked (revoking twice keeps the first time)',
  })
  @ApiNotFoundResponse({ description: 'Unknown device id' })
  async revoke(
    @Param() params: DeviceIdParamsDto,
    @CurrentPrincipal() principal: Principal,
  ): Promise<DeviceResponseDto> {
    return toDeviceResponse(await this.devices.revoke(params.id, principal.name));
  }
}
