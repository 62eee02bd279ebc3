import { Body, Controller, Get, Param, Patch, Query } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiParam,
  ApiTags,
} from '@nestjs/swagger';
import { SensorParamsDto, SensorResponseDto, UpdateSensorDto } from './dto/sensor.dto.js';
import { ListPageQueryDto, SensorPageDto, UnitPageDto, UnitParamsDto } from './dto/unit.dto.js';
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
  @ApiOperation({
    summary: 'The units the backend has heard of, with status, first/last seen and sensor count, a page at a time',
    description:
      'By unit id, `limit` per page (default and most 1000); `cursor` = the previous `next_cursor` (keyset paging: ' +
      'units added meanwhile do not shift the pages), null on the last page.',
  })
  @ApiOkResponse({ type: UnitPageDto })
  @ApiBadRequestResponse({ description: 'A page size out of range, or a cursor this API did not give out' })
  listUnits(@Query() page: ListPageQueryDto): Promise<UnitPageDto> {
    return this.sensors.listUnits(page);
  }

  @RequireRole('viewer')
  @Get('units/:unit_id/sensors')
  @ApiOperation({
    summary: "A unit's sensors with their processing settings and first/last seen, a page at a time",
    description: 'By sensor type, `limit` per page (default and most 1000); `cursor` = the previous `next_cursor`.',
  })
  @ApiParam({ name: 'unit_id', example: 'UNIT001' })
  @ApiOkResponse({ type: SensorPageDto })
  @ApiBadRequestResponse({ description: 'Malformed unit id, a page size out of range or a foreign cursor' })
  @ApiNotFoundResponse({ description: "Unknown unit (`Unknown unit 'UNIT009'`)" })
  listSensors(@Param() params: UnitParamsDto, @Query() page: ListPageQueryDto): Promise<SensorPageDto> {
    return this.sensors.listSensors(params.unit_id, page);
  }

  @RequireRole('engineer')
  @Patch('sensors/:id')
  @ApiOperation({
    summary: "Change a sensor's processing settings",
    description:
      'Only the fields sent change, and the next reading processed uses them (no restart). The stored value is ' +
      'value × scale_factor + offset; a value outside [valid_min, valid_max] is stored with quality BAD. `kind` and ' +
      '`states` make it a digital (0/1, OFF/ON unless renamed) or enum point (0=stopped, 1=running, 2=fault): ' +
      'those values are stored as sent, their state name travels with them, and a value the table does not name is ' +
      'stored with quality UNCERTAIN. Engineer role; audited with the settings before and after.',
  })
  @ApiParam({ name: 'id', example: 1 })
  @ApiOkResponse({ type: SensorResponseDto })
  @ApiBadRequestResponse({
    description: 'Invalid settings (valid_min not below valid_max, an enum without states, ...), or nothing to change',
  })
  @ApiNotFoundResponse({ description: 'Unknown sensor' })
  update(
    @Param() params: SensorParamsDto,
    @Body() body: UpdateSensorDto,
    @CurrentPrincipal() by: Principal,
  ): Promise<SensorResponseDto> {
    return this.sensors.updateSettings(params.id, body, by);
  }
}
