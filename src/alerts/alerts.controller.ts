import {
  BadRequestException,
  Body,
  Controller,
  Get,
  HttpCode,
  Param,
  ParseUUIDPipe,
  Post,
  Query,
} from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiConflictResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiParam,
  ApiTags,
} from '@nestjs/swagger';
import { Actor } from '../common/auth/actor.decorator.js';
import { AlertsService } from './alerts.service.js';
import {
  AcknowledgeAlarmDto,
  AlarmDetailResponseDto,
  AlarmHistoryQueryDto,
  AlarmHistoryResponseDto,
  AlarmQueryDto,
  AlarmResponseDto,
  DEFAULT_HISTORY_PAGE,
  ShelveAlarmDto,
  toAlarmEventResponse,
  toAlarmResponse,
  UnshelveAlarmDto,
} from './dto/alarm.dto.js';
import { RequireRole } from '../common/auth/access.js';

/** An alarm id from the path: a UUID, or a 400 that says so. */
const ALARM_ID = new ParseUUIDPipe({
  exceptionFactory: () => new BadRequestException('Alarm ids are UUIDs (see GET /api/v1/scada/alerts)'),
});

/**
 * Alarms: the open ones, the history, and what operators do with them. Registered after AlertRulesController so
 * `/alerts/rules` is never taken for an alarm id.
 */
@ApiTags('alerts')
@Controller('api/v1/scada/alerts')
export class AlertsController {
  constructor(private readonly alerts: AlertsService) {}

  @RequireRole('viewer')
  @Get()
  @ApiOperation({
    summary: 'Open alarms: active, or back to normal but not yet acknowledged; most severe first',
    description: 'Shelved alarms are listed too, with `shelved_until`; HMIs should not annunciate them.',
  })
  @ApiOkResponse({ type: AlarmResponseDto, isArray: true })
  @ApiBadRequestResponse({ description: 'An unknown filter value' })
  open(@Query() query: AlarmQueryDto): AlarmResponseDto[] {
    return this.alerts
      .openAlarms({ unitId: query.unit_id, severity: query.severity, state: query.state })
      .map(toAlarmResponse);
  }

  @RequireRole('viewer')
  @Get('history')
  @ApiOperation({ summary: 'Every alarm, closed ones included, newest first, a page at a time' })
  @ApiOkResponse({ type: AlarmHistoryResponseDto })
  @ApiBadRequestResponse({ description: 'An unknown filter value, a malformed time or page' })
  async history(@Query() query: AlarmHistoryQueryDto): Promise<AlarmHistoryResponseDto> {
    const from = query.from === undefined ? undefined : Date.parse(query.from);
    const to = query.to === undefined ? undefined : Date.parse(query.to);
    if (from !== undefined && to !== undefined && from >= to) throw new BadRequestException('from must be before to');
    const limit = query.limit ?? DEFAULT_HISTORY_PAGE;
    const offset = query.offset ?? 0;
    const page = await this.alerts.history({
      unitId: query.unit_id,
      severity: query.severity,
      state: query.state,
      ruleId: query.rule_id,
      from,
      to,
      limit,
      offset,
    });
    return { items: page.items.map(toAlarmResponse), total: page.total, limit, offset };
  }

  @RequireRole('viewer')
  @Get(':id')
  @ApiOperation({ summary: 'One alarm with every transition it went through (time, actor, comment)' })
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiOkResponse({ type: AlarmDetailResponseDto })
  @ApiNotFoundResponse({ description: 'No such alarm' })
  async one(@Param('id', ALARM_ID) id: string): Promise<AlarmDetailResponseDto> {
    const { alarm, events } = await this.alerts.alarm(id);
    return { ...toAlarmResponse(alarm), events: events.map(toAlarmEventResponse) };
  }

  @RequireRole('operator')
  @Post(':id/acknowledge')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Acknowledge an alarm: active → active_acknowledged, cleared_unacknowledged → cleared (closed)',
  })
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiOkResponse({ type: AlarmResponseDto, description: 'The alarm after the acknowledgement, once stored' })
  @ApiNotFoundResponse({ description: 'No such alarm' })
  @ApiConflictResponse({ description: 'Already acknowledged, or closed' })
  async acknowledge(
    @Param('id', ALARM_ID) id: string,
    @Body() body: AcknowledgeAlarmDto,
    @Actor() actor: string,
  ): Promise<AlarmResponseDto> {
    return toAlarmResponse(await this.alerts.acknowledge(id, actor, body.comment));
  }

  @RequireRole('operator')
  @Post(':id/shelve')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Shelve an alarm for some minutes: still tracked, not annunciated; shelving again replaces the period',
  })
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiOkResponse({ type: AlarmResponseDto })
  @ApiBadRequestResponse({ description: 'minutes outside 1–1440, or no reason' })
  @ApiNotFoundResponse({ description: 'No such alarm' })
  @ApiConflictResponse({ description: 'The alarm is closed' })
  async shelve(
    @Param('id', ALARM_ID) id: string,
    @Body() body: ShelveAlarmDto,
    @Actor() actor: string,
  ): Promise<AlarmResponseDto> {
    return toAlarmResponse(await this.alerts.shelve(id, actor, body.minutes, body.reason));
  }

  @RequireRole('operator')
  @Post(':id/unshelve')
  @HttpCode(200)
  @ApiOperation({ summary: 'End a shelve before its time' })
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiOkResponse({ type: AlarmResponseDto })
  @ApiNotFoundResponse({ description: 'No such alarm' })
  @ApiConflictResponse({ description: 'The alarm is not shelved' })
  async unshelve(
    @Param('id', ALARM_ID) id: string,
    @Body() body: UnshelveAlarmDto,
    @Actor() actor: string,
  ): Promise<AlarmResponseDto> {
    return toAlarmResponse(await this.alerts.unshelve(id, actor, body.comment));
  }
}
