import { Body, Controller, Delete, HttpCode, Param, Put } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiNoContentResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import { RequireRole } from '../common/auth/access.js';
import { CurrentPrincipal } from '../common/auth/current-principal.decorator.js';
import type { Principal } from '../common/auth/principal.js';
import { SensorParamsDto } from '../telemetry/dto/sensor.dto.js';
import { CommandsService } from './commands.service.js';
import { CommandSettingsDto, CommandSettingsResponseDto } from './dto/command-settings.dto.js';

@ApiTags('sensors')
@RequireRole('engineer')
@Controller('api/v1/scada/sensors/:id/command-settings')
export class CommandSettingsController {
  constructor(private readonly commands: CommandsService) {}

  @Put()
  @ApiOperation({
    summary: 'Make a sensor a writable point, or change how it is commanded',
    description:
      'Channel, limits (analog: min, max, max_step against the last stored value; digital/enum: allowed_states of ' +
      'the point’s states), select-before-operate, confirmation rule (ack, readback within readback_tolerance, both) ' +
      'and timeout. Returned as `command` by the sensors list. Engineer role; audited with the settings before and after.',
  })
  @ApiOkResponse({ type: CommandSettingsResponseDto })
  @ApiBadRequestResponse({ description: 'Settings that do not fit the point (min above max, unknown states, ...)' })
  @ApiNotFoundResponse({ description: 'Unknown sensor' })
  put(
    @Param() params: SensorParamsDto,
    @Body() body: CommandSettingsDto,
    @CurrentPrincipal() by: Principal,
  ): Promise<CommandSettingsResponseDto> {
    return this.commands.putSettings(params.id, body, by);
  }

  @Delete()
  @HttpCode(204)
  @ApiOperation({ summary: 'Make a sensor read-only again (commands in flight keep going to their outcome)' })
  @ApiNoContentResponse({ description: 'Not writable any more' })
  @ApiNotFoundResponse({ description: 'Unknown sensor, or it was not writable' })
  async remove(@Param() params: SensorParamsDto, @CurrentPrincipal() by: Principal): Promise<void> {
    await this.commands.removeSettings(params.id, by);
  }
}
