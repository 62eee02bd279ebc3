import { Body, Controller, Get, Param, Patch } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiParam,
  ApiTags,
} from '@nestjs/swagger';
import { SensorParamsDto, SensorResponseDto, UpdateSensorDto } from './dto/sensor.dto.js';
import { UnitParamsDto, UnitResponseDto } from './dto/unit.dto.js';
import { SensorsService } from './sensors.service.js';
import { RequireRole } from '../common/auth/access.js';
import { CurrentPrincipal } from '../common/auth/current-principal.decorator.js';
import type { Principal } from '../common/auth/principal.js';

@ApiTags('sensors')
@Controller('api/v1/scada')
export class SensorsController {
  constructor(private readonly sensors: SensorsService) {}

  @RequireRole('viewer')
  @Get('units')
  @ApiOperation({ summary: 'Every unit the backend has heard of, with its status, first/last seen and sensor count' })
  @ApiOkResponse({ type: [UnitResponseDto] })
  listUnits(): Promise<UnitResponseDto[]> {
    return this.sensors.listUnits();
  }

  @RequireRole('viewer')
  @Get('units/:unit_id/sensors')
  @ApiOperation({ summary: "A unit's sensors with their processing settings and first/last seen" })
  @ApiParam({ name: 'unit_id', example: 'UNIT001' })
  @ApiOkResponse({ type: [SensorResponseDto] })
  @ApiBadRequestResponse({ description: 'Malformed unit id' })
  @ApiNotFoundResponse({ description: "Unknown unit (`Unknown unit 'UNIT009'`)" })
  listSensors(@Param() params: UnitParamsDto): Promise<SensorResponseDto[]> {
    return this.sensors.listSensors(params.unit_id);
  }

  @RequireRole('engineer')
  @Patch('sensors/:id')
  @ApiOperation({
    summary: "Change a sensor's processing settings",
    description:
      'Only the fields sent change, and the next reading processed uses them (no restart). The stored value is ' +
      'value × scale_factor + offset; a value outside [valid_min, valid_max] is stored with quality BAD.',
  })
  @ApiParam({ name: 'id', example: 1 })
  @ApiOkResponse({ type: SensorResponseDto })
  @ApiBadRequestResponse({ description: 'Invalid settings (e.g. valid_min not below valid_max), or nothing to change' })
  @ApiNotFoundResponse({ description: 'Unknown sensor' })
  update(
    @Param() params: SensorParamsDto,
    @Body() body: UpdateSensorDto,
    @CurrentPrincipal() by: Principal,
  ): Promise<SensorResponseDto> {
    return this.sensors.updateSettings(params.id, body, by);
  }
}
