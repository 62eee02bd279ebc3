import { Body, Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import {
  ApiAcceptedResponse,
  ApiBadRequestResponse,
  ApiConflictResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import { RequireRole, StrictRateLimit } from '../common/auth/access.js';
import { CurrentPrincipal } from '../common/auth/current-principal.decorator.js';
import type { Principal } from '../common/auth/principal.js';
import { CommandsService } from './commands.service.js';
import {
  CommandIdParamsDto,
  CommandPageDto,
  CommandQueryDto,
  CommandResponseDto,
  CreateCommandDto,
  PointParamsDto,
  SelectCommandDto,
  SelectionResponseDto,
} from './dto/command.dto.js';

const REFUSALS =
  'Refused by a safety rule, with the reason: the unit is offline or in maintenance (COMMANDS_REFUSED_UNIT_STATUSES), ' +
  'the backend is not connected to the channel, the point has an unacknowledged critical alarm (operators; ' +
  'engineers may command), the selection is missing, expired or for another value, or a command is in flight';

@ApiTags('commands')
@Controller('api/v1/scada')
export class CommandsController {
  constructor(private readonly commands: CommandsService) {}

  @RequireRole('operator')
  @StrictRateLimit()
  @Post('units/:unit_id/sensors/:sensor_type/commands')
  @HttpCode(202)
  @ApiOperation({
    summary: 'Command a writable point (a setpoint, a pump, a valve)',
    description:
      'Checked against the point’s limits and the safety rules, stored, sent once, then confirmed by the device’s ' +
      'ack and/or the value read back, per the point’s confirmation rule. Answers once the channel has the command ' +
      '(state `sent`, or already an outcome); follow it with GET /commands/{id} or `command_status`. Audited.',
  })
  @ApiAcceptedResponse({ type: CommandResponseDto })
  @ApiBadRequestResponse({ description: 'The value is outside the point’s limits, or the point is not writable' })
  @ApiNotFoundResponse({ description: 'Unknown unit or sensor' })
  @ApiConflictResponse({ description: REFUSALS })
  issue(
    @Param() params: PointParamsDto,
    @Body() body: CreateCommandDto,
    @CurrentPrincipal() by: Principal,
  ): Promise<CommandResponseDto> {
    return this.commands.issue(params.unit_id, params.sensor_type, body, by);
  }

  @RequireRole('operator')
  @Post('units/:unit_id/sensors/:sensor_type/commands/select')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Select a point for one command (select-before-operate)',
    description:
      'The answer’s `selection_id` lets the same caller operate with the same value within COMMANDS_SELECT_WINDOW_S ' +
      '(10 s by default), once. A new select of the point replaces the previous one. Audited.',
  })
  @ApiOkResponse({ type: SelectionResponseDto })
  @ApiBadRequestResponse({ description: 'The value is outside the point’s limits, or the point is not writable' })
  @ApiNotFoundResponse({ description: 'Unknown unit or sensor' })
  select(
    @Param() params: PointParamsDto,
    @Body() body: SelectCommandDto,
    @CurrentPrincipal() by: Principal,
  ): Promise<SelectionResponseDto> {
    return this.commands.select(params.unit_id, params.sensor_type, body, by);
  }

  @RequireRole('viewer')
  @Get('commands/:id')
  @ApiOperation({ summary: 'One command and how far it got' })
  @ApiOkResponse({ type: CommandResponseDto })
  @ApiNotFoundResponse({ description: 'No such command' })
  get(@Param() params: CommandIdParamsDto, @CurrentPrincipal() by: Principal): Promise<CommandResponseDto> {
    return this.commands.get(params.id, by);
  }

  @RequireRole('viewer')
  @Get('commands')
  @ApiOperation({
    summary: 'Commands, newest first, a page at a time',
    description: 'Filter by `unit_id` and `state`; `cursor` = the previous `next_cursor` (keyset paging).',
  })
  @ApiOkResponse({ type: CommandPageDto })
  @ApiBadRequestResponse({ description: 'A filter or page size out of range, or a foreign cursor' })
  list(@Query() query: CommandQueryDto, @CurrentPrincipal() by: Principal): Promise<CommandPageDto> {
    return this.commands.page(query, by);
  }
}
