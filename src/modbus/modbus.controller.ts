import {
  BadRequestException,
  Body,
  Controller,
  Delete,
  Get,
  HttpCode,
  Param,
  ParseUUIDPipe,
  Post,
  Put,
} from '@nestjs/common';
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
import { ModbusDevicesService } from './modbus-devices.service.js';
import {
  ModbusDeviceDto,
  ModbusDeviceListResponse,
  ModbusDeviceResponse,
  ModbusReadResponse,
  toDeviceConfig,
  toDeviceResponse,
  toReadResponse,
} from './modbus.dto.js';

const DEVICE_ID = new ParseUUIDPipe({
  exceptionFactory: () => new BadRequestException('Modbus device ids are UUIDs (see GET /api/v1/scada/modbus/devices)'),
});

/** Modbus TCP devices: their register maps, their polling status and one-off reads while commissioning. */
@ApiTags('modbus')
@Controller('api/v1/scada/modbus/devices')
export class ModbusController {
  constructor(private readonly devices: ModbusDevicesService) {}

  @RequireRole('viewer')
  @Get()
  @ApiOperation({ summary: 'Every Modbus device (of units in scope) with its register map and polling status' })
  @ApiOkResponse({ type: ModbusDeviceListResponse })
  list(@CurrentPrincipal() by: Principal): ModbusDeviceListResponse {
    return { devices: this.devices.list(by).map(toDeviceResponse) };
  }

  @RequireRole('viewer')
  @Get(':id')
  @ApiOperation({
    summary: 'One device: register map and status (connected, last poll, p50/p99, errors by name, late polls)',
  })
  @ApiOkResponse({ type: ModbusDeviceResponse })
  @ApiBadRequestResponse({ description: 'Not a UUID' })
  @ApiNotFoundResponse({ description: 'Unknown device' })
  get(@Param('id', DEVICE_ID) id: string, @CurrentPrincipal() by: Principal): ModbusDeviceResponse {
    return toDeviceResponse(this.devices.get(id, by));
  }

  @RequireRole('engineer')
  @Post()
  @ApiOperation({
    summary: 'Add a Modbus TCP device and its register map; it is polled at once and after every restart',
    description:
      'The host must be in MODBUS_ALLOWED_HOSTS. Points of one area are read in as few block requests as the ' +
      'protocol allows (125 registers, 2000 bits; max_gap unmapped addresses may be spanned). Coils and discrete ' +
      "inputs become digital points. Every unit of the points must be in the caller's scope.",
  })
  @ApiCreatedResponse({ type: ModbusDeviceResponse })
  @ApiBadRequestResponse({ description: 'Invalid fields, a host not allowed, or a register map that breaks a rule' })
  @ApiConflictResponse({ description: 'The name is taken, a sensor is fed by another device, or MODBUS_MAX_DEVICES' })
  async create(@Body() body: ModbusDeviceDto, @CurrentPrincipal() by: Principal): Promise<ModbusDeviceResponse> {
    return toDeviceResponse(await this.devices.create(toDeviceConfig(body), by));
  }

  @RequireRole('engineer')
  @Put(':id')
  @ApiOperation({ summary: "Replace a device's configuration and register map; polling restarts with it" })
  @ApiOkResponse({ type: ModbusDeviceResponse })
  @ApiBadRequestResponse({ description: 'Invalid fields, a host not allowed, or a register map that breaks a rule' })
  @ApiNotFoundResponse({ description: 'Unknown device' })
  @ApiConflictResponse({ description: 'The name is taken, or a sensor is fed by another device' })
  async update(
    @Param('id', DEVICE_ID) id: string,
    @Body() body: ModbusDeviceDto,
    @CurrentPrincipal() by: Principal,
  ): Promise<ModbusDeviceResponse> {
    return toDeviceResponse(await this.devices.update(id, toDeviceConfig(body), by));
  }

  @RequireRole('engineer')
  @Delete(':id')
  @ApiOperation({ summary: 'Stop polling a device and delete it (its sensors and their history stay)' })
  @ApiOkResponse({ type: ModbusDeviceResponse, description: 'The deleted device' })
  @ApiNotFoundResponse({ description: 'Unknown device' })
  async remove(@Param('id', DEVICE_ID) id: string, @CurrentPrincipal() by: Principal): Promise<ModbusDeviceResponse> {
    return toDeviceResponse(await this.devices.remove(id, by));
  }

  @RequireRole('engineer')
  @Post(':id/read')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Read every point of the device once, now (commissioning); the values are returned, not stored',
    description: 'Waits for the poll in flight: one request at a time per device. A failed block gives BAD values.',
  })
  @ApiOkResponse({ type: ModbusReadResponse })
  @ApiNotFoundResponse({ description: 'Unknown device' })
  @ApiConflictResponse({ description: 'The device is not polled (its host is no longer allowed)' })
  async read(@Param('id', DEVICE_ID) id: string, @CurrentPrincipal() by: Principal): Promise<ModbusReadResponse> {
    const { device, readAt, results } = await this.devices.readNow(id, by);
    return toReadResponse(device, readAt, results);
  }
}
