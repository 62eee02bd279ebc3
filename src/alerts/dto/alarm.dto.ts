import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  IsIn,
  IsInt,
  IsISO8601,
  IsOptional,
  IsString,
  IsUUID,
  Matches,
  Max,
  MaxLength,
  Min,
  MinLength,
} from 'class-validator';
import { IDENTIFIER } from '../../common/identifier.js';
import { ALARM_ACTIONS, ALARM_STATES, type Alarm, type AlarmAction, type AlarmState } from '../alarm-lifecycle.js';
import type { AlarmEvent } from '../alarm.repository.js';
import { ALERT_SEVERITIES, type AlertSeverity } from '../alert-rule.js';

/** Longest shelve: a day. ISA-18.2 wants shelving time-limited; longer is "out of service", a different decision. */
export const MAX_SHELVE_MINUTES = 1440;
export const MAX_COMMENT_LENGTH = 500;
export const MAX_HISTORY_PAGE = 500;
export const DEFAULT_HISTORY_PAGE = 50;

const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString());

/** Filters of the open-alarm list. */
export class AlarmQueryDto {
  /** Only this unit's alarms. */
  @ApiPropertyOptional({ example: 'UNIT001' })
  @IsOptional()
  @Matches(IDENTIFIER, { message: 'unit_id must be 1-64 letters, digits, _ or -' })
  unit_id?: string;

  /** Only alarms of this severity. */
  @ApiPropertyOptional({ enum: ALERT_SEVERITIES })
  @IsOptional()
  @IsIn(ALERT_SEVERITIES)
  severity?: AlertSeverity;

  /** Only alarms in this state. */
  @ApiPropertyOptional({ enum: ALARM_STATES })
  @IsOptional()
  @IsIn(ALARM_STATES)
  state?: AlarmState;
}

/** Filters and page of the alarm history. */
export class AlarmHistoryQueryDto extends AlarmQueryDto {
  /** Only alarms of this rule. */
  @ApiPropertyOptional({ format: 'uuid' })
  @IsOptional()
  @IsUUID()
  rule_id?: string;

  /** Alarms raised at or after this time (ISO 8601). */
  @ApiPropertyOptional({ format: 'date-time', description: 'Alarms raised at or after this time (inclusive).' })
  @IsOptional()
  @IsISO8601({ strict: true })
  from?: string;

  /** Alarms raised before this time (ISO 8601). */
  @ApiPropertyOptional({ format: 'date-time', description: 'Alarms raised before this time (exclusive).' })
  @IsOptional()
  @IsISO8601({ strict: true })
  to?: string;

  /** Page size. */
  @ApiPropertyOptional({ default: DEFAULT_HISTORY_PAGE, minimum: 1, maximum: MAX_HISTORY_PAGE })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(MAX_HISTORY_PAGE)
  limit?: number;

  /** `next_cursor` of the previous page, with the same filters. */
  @ApiPropertyOptional({ description: '`next_cursor` of the previous page, with the same filters.' })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  cursor?: string;
}

/** Acknowledging an alarm: an operator has seen it. */
export class AcknowledgeAlarmDto {
  /** What the operator is doing about it. */
  @ApiPropertyOptional({ example: 'Cooling pump restarted', maxLength: MAX_COMMENT_LENGTH })
  @IsOptional()
  @IsString()
  @MaxLength(MAX_COMMENT_LENGTH)
  comment?: string;
}

/** Shelving an alarm: it stays tracked but does not annunciate until the shelve ends. */
export class ShelveAlarmDto {
  /** How long, in whole minutes. */
  @ApiProperty({ example: 30, minimum: 1, maximum: MAX_SHELVE_MINUTES })
  @IsInt()
  @Min(1)
  @Max(MAX_SHELVE_MINUTES)
  minutes!: number;

  /** Why: required, as ISA-18.2 asks for shelving. */
  @ApiProperty({ example: 'Sensor being recalibrated', maxLength: MAX_COMMENT_LENGTH })
  @IsString()
  @MinLength(1)
  @MaxLength(MAX_COMMENT_LENGTH)
  reason!: string;
}

/** Ending a shelve early. */
export class UnshelveAlarmDto {
  @ApiPropertyOptional({ maxLength: MAX_COMMENT_LENGTH })
  @IsOptional()
  @IsString()
  @MaxLength(MAX_COMMENT_LENGTH)
  comment?: string;
}

/** An alarm as the REST API returns it; the same fields as the system_alert event, and the bookkeeping. */
export class AlarmResponseDto {
  @ApiProperty({ format: 'uuid' })
  id!: string;
  @ApiProperty({ format: 'uuid' })
  rule_id!: string;
  @ApiProperty({
    example: 'UNIT001',
    description: 'The unit; `@system` for a plant-wide system alarm (e.g. sensor_type `audit_log`: audit writes fail)',
  })
  unit_id!: string;
  @ApiProperty({ example: 'temperature' })
  sensor_type!: string;
  @ApiProperty({ enum: ALERT_SEVERITIES })
  severity!: AlertSeverity;
  @ApiProperty({ enum: ALARM_STATES })
  state!: AlarmState;
  @ApiProperty({ example: 'High temperature alert: 90°C' })
  message!: string;
  @ApiProperty({ type: Number, nullable: true, description: 'The value reported with the latest raise or clear' })
  value!: number | null;
  @ApiProperty({ type: Number, nullable: true })
  threshold!: number | null;
  @ApiProperty({ format: 'date-time' })
  raised_at!: string;
  @ApiProperty({ description: 'Raises of this alarm: a re-alarm before acknowledgement counts here' })
  raise_count!: number;
  @ApiProperty({ type: String, format: 'date-time', nullable: true })
  acknowledged_at!: string | null;
  @ApiProperty({ type: String, nullable: true })
  acknowledged_by!: string | null;
  @ApiProperty({ type: String, nullable: true })
  acknowledge_comment!: string | null;
  @ApiProperty({ type: String, format: 'date-time', nullable: true, description: 'Back to normal (or rule disabled)' })
  cleared_at!: string | null;
  @ApiProperty({ type: String, format: 'date-time', nullable: true, description: 'Reached state cleared' })
  closed_at!: string | null;
  @ApiProperty({ type: String, format: 'date-time', nullable: true })
  shelved_until!: string | null;
  @ApiProperty({ type: String, nullable: true })
  shelved_by!: string | null;
  @ApiProperty({ type: String, nullable: true })
  shelve_reason!: string | null;
}

export function toAlarmResponse(alarm: Alarm): AlarmResponseDto {
  return {
    id: alarm.id,
    rule_id: alarm.ruleId,
    unit_id: alarm.unitId,
    sensor_type: alarm.sensorType,
    severity: alarm.severity,
    state: alarm.state,
    message: alarm.message,
    value: alarm.value,
    threshold: alarm.threshold,
    raised_at: new Date(alarm.raisedAt).toISOString(),
    raise_count: alarm.raiseCount,
    acknowledged_at: iso(alarm.acknowledgedAt),
    acknowledged_by: alarm.acknowledgedBy,
    acknowledge_comment: alarm.acknowledgeComment,
    cleared_at: iso(alarm.clearedAt),
    closed_at: iso(alarm.closedAt),
    shelved_until: iso(alarm.shelvedUntil),
    shelved_by: alarm.shelvedBy,
    shelve_reason: alarm.shelveReason,
  };
}

/** One stored transition. */
export class AlarmEventResponseDto {
  @ApiProperty({ enum: ALARM_ACTIONS })
  action!: AlarmAction;
  @ApiProperty({ enum: ALARM_STATES, nullable: true, description: 'null when the raise opened the alarm' })
  from_state!: AlarmState | null;
  @ApiProperty({ enum: ALARM_STATES })
  to_state!: AlarmState;
  @ApiProperty({ format: 'date-time' })
  at!: string;
  @ApiProperty({ type: String, nullable: true, description: 'Who did it; null when the engine did' })
  actor!: string | null;
  @ApiProperty({ type: String, nullable: true, description: "The operator's comment or the shelving reason" })
  comment!: string | null;
  @ApiProperty({ type: Number, nullable: true, description: 'raise and clear: the value reported' })
  value!: number | null;
  @ApiProperty({ type: String, format: 'date-time', nullable: true })
  shelved_until!: string | null;
}

export function toAlarmEventResponse(event: AlarmEvent): AlarmEventResponseDto {
  return {
    action: event.action,
    from_state: event.from,
    to_state: event.to,
    at: new Date(event.at).toISOString(),
    actor: event.actor,
    comment: event.comment,
    value: event.value,
    shelved_until: iso(event.shelvedUntil),
  };
}

/** One alarm with every transition it went through. */
export class AlarmDetailResponseDto extends AlarmResponseDto {
  @ApiProperty({ type: [AlarmEventResponseDto] })
  events!: AlarmEventResponseDto[];
}

/** One page of the alarm history. */
export class AlarmHistoryResponseDto {
  @ApiProperty({ type: [AlarmResponseDto] })
  items!: AlarmResponseDto[];
  @ApiProperty({ description: 'Alarms matching the filters, all pages' })
  total!: number;
  @ApiProperty()
  limit!: number;
  @ApiProperty({ type: String, nullable: true, description: 'Pass as cursor for the next page; null on the last' })
  next_cursor!: string | null;
}
