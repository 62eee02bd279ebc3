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
import { CurrentPrincipal } from '../common/auth/current-principal.decorator.js';
import type { Principal } from '../common/auth/principal.js';
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
import { checkTimeRange, decodeCursor, encodeCursor, FOREIGN_CURSOR } from '../common/paging.js';
import { isUUID } from 'class-validator';

/** Tag of alarm-history cursors (keyset: raised_at in microseconds, id). */
const ALARM_CURSOR = 'a1';

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
  @ApiOperation({
    summary: 'Every alarm, closed ones included, newest first, a page at a time',
    description:
      'The paging and time-range conventions of the telemetry history: `from` inclusive, `to` exclusive (on ' +
      '`raised_at`), `limit` per page, and `cursor` = the previous `next_cursor` (keyset paging: alarms raised ' +
      'meanwhile do not shift the pages).',
  })
  @ApiOkResponse({ type: AlarmHistoryResponseDto })
  @ApiBadRequestResponse({ description: 'An unknown filter value, a malformed time, page size or cursor' })
  async history(@Query() query: AlarmHistoryQueryDto): Promise<AlarmHistoryResponseDto> {
    const range = checkTimeRange(query.from, query.to);
    if (typeof range === 'string') throw new BadRequestException(range);
    let after: { raisedAtMicros: number; id: string } | undefined;
    if (query.cursor !== undefined) {
      const keys = decodeCursor(ALARM_CURSOR, query.cursor, 2);
      if (keys === undefined || !/^\d{1,17}$/.test(keys[0]) || !isUUID(keys[1])) {
        throw new BadRequestException(FOREIGN_CURSOR);
      }
      after = { raisedAtMicros: Number(keys[0]), id: keys[1] };
    }
    const limit = query.limit ?? DEFAULT_HISTORY_PAGE;
    // One more than the page tells whether another follows.
    const page = await this.alerts.history({
      unitId: query.unit_id,
      severity: query.severity,
      state: query.state,
      ruleId: query.rule_id,
      from: range.fromMs,
      to: range.toMs,
      limit: limit + 1,
      after,
    });
    const items = page.items.slice(0, limit);
    const last = items.at(-1);
    return {
      items: items.map((i) => toAlarmResponse(i.alarm)),
      total: page.total,
      limit,
      next_cursor:
        page.items.length > limit && last !== undefined
          ? encodeCursor(ALARM_CURSOR, [last.raisedAtMicros, last.alarm.id])
          : null,
    };
  }

  @RequireRole('viewer')
  @Get(':id')
  @ApiOperation({ summary: 'One alarm with every transition it went through (time, actor, comment)' })
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiOkResponse({ type: AlarmDetailResponseDto })
  @ApiNotFoundResponse({ description: 'No such alarm' })
  async one(@Param('id', ALARM_ID) id: string, @CurrentPrincipal() by: Principal): Promise<AlarmDetailResponseDto> {
    const { alarm, events } = await this.alerts.alarm(id, by);
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
    @CurrentPrincipal() by: Principal,
  ): Promise<AlarmResponseDto> {
    return toAlarmResponse(await this.alerts.acknowledge(id, by, body.comment));
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
    @CurrentPrincipal() by: Principal,
  ): Promise<AlarmResponseDto> {
    return toAlarmResponse(await this.alerts.shelve(id, by, body.minutes, body.reason));
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
    @CurrentPrincipal() by: Principal,
  ): Promise<AlarmResponseDto> {
    return toAlarmResponse(await this.alerts.unshelve(id, by, body.comment));
  }
}
