import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsBoolean,
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  IsUUID,
  Length,
  Matches,
  ValidateNested,
} from 'class-validator';
import { ALERT_SEVERITIES, type AlertSeverity } from '../../alerts/alert-rule.js';
import {
  DEFAULT_SUBJECT,
  DEFAULT_TEMPLATE,
  MAX_ESCALATION_STEPS,
  MAX_TEMPLATE_LENGTH,
  NOTIFICATION_PLACEHOLDERS,
  NOTIFY_TRANSITIONS,
  type NotificationRule,
  type NotificationRuleDefinition,
  type NotifyTransition,
} from '../notification-rule.js';
import type { QuietHours } from '../quiet-hours.js';

const PLACEHOLDERS = NOTIFICATION_PLACEHOLDERS.map((p) => `{${p}}`).join(', ');

/** One escalation level. */
export class EscalationStepDto {
  /** Seconds after the raise; each step later than the one before. */
  @ApiProperty({
    example: 900,
    minimum: 1,
    maximum: 86400,
    description: 'Seconds after the raise, still unacknowledged.',
  })
  @IsInt()
  delay_seconds!: number;

  /** Who is told at this level. */
  @ApiProperty({ type: [String], format: 'uuid' })
  @IsArray()
  @ArrayMaxSize(20)
  @IsUUID('all', { each: true })
  channel_ids!: string[];
}

/** Wall-clock hours in which the rule's non-critical notifications are held (delivered when they end). */
export class QuietHoursDto {
  @ApiProperty({ example: '22:00', description: 'HH:MM, local time in `timezone`' })
  @IsString()
  @Matches(/^([01]\d|2[0-3]):[0-5]\d$/, { message: 'quiet_hours.start must be HH:MM' })
  start!: string;

  @ApiProperty({ example: '06:00', description: 'HH:MM; earlier than start: the quiet hours span midnight' })
  @IsString()
  @Matches(/^([01]\d|2[0-3]):[0-5]\d$/, { message: 'quiet_hours.end must be HH:MM' })
  end!: string;

  @ApiProperty({ example: 'Europe/Berlin', description: 'IANA time zone' })
  @IsString()
  @Length(1, 64)
  timezone!: string;
}

/** A routing rule as created or replaced (PUT); absent optional fields take their defaults. */
export class CreateNotificationRuleDto {
  @ApiProperty({ example: 'critical to on-call', minLength: 1, maxLength: 100 })
  @IsString()
  @Length(1, 100)
  name!: string;

  @ApiPropertyOptional({ default: true })
  @IsOptional()
  @IsBoolean()
  enabled?: boolean;

  /** Alarms of at least this severity. */
  @ApiPropertyOptional({ enum: ALERT_SEVERITIES, default: 'info' })
  @IsOptional()
  @IsIn(ALERT_SEVERITIES)
  min_severity?: AlertSeverity;

  /** Only these units; empty or absent: every unit. */
  @ApiPropertyOptional({ type: [String], example: ['UNIT001'] })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(100)
  @IsString({ each: true })
  @Length(1, 64, { each: true })
  unit_ids?: string[];

  /** Only these sensor types; empty or absent: every type. */
  @ApiPropertyOptional({ type: [String], example: ['temperature'] })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(100)
  @IsString({ each: true })
  @Length(1, 64, { each: true })
  sensor_types?: string[];

  /** Only alarms of these alert rules; empty or absent: every rule. */
  @ApiPropertyOptional({ type: [String], format: 'uuid' })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(100)
  @IsUUID('all', { each: true })
  alert_rule_ids?: string[];

  /** What is told. */
  @ApiPropertyOptional({
    enum: NOTIFY_TRANSITIONS,
    isArray: true,
    default: ['raised'],
    description:
      'raised; returned_to_normal (the condition is back to normal); acknowledged; shelved; cleared (the alarm ' +
      'closed: normal and acknowledged, or its alert rule disabled).',
  })
  @IsOptional()
  @IsArray()
  @IsIn(NOTIFY_TRANSITIONS, { each: true })
  transitions?: NotifyTransition[];

  /** Where the transitions go. */
  @ApiPropertyOptional({ type: [String], format: 'uuid' })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(20)
  @IsUUID('all', { each: true })
  channel_ids?: string[];

  @ApiPropertyOptional({
    default: DEFAULT_SUBJECT,
    maxLength: MAX_TEMPLATE_LENGTH,
    description: `Placeholders: ${PLACEHOLDERS}`,
  })
  @IsOptional()
  @IsString()
  subject?: string;

  @ApiPropertyOptional({
    default: DEFAULT_TEMPLATE,
    maxLength: MAX_TEMPLATE_LENGTH,
    description: `Placeholders: ${PLACEHOLDERS}`,
  })
  @IsOptional()
  @IsString()
  template?: string;

  /** Who is told next while a raised alarm stays unacknowledged; acknowledging stops it. */
  @ApiPropertyOptional({ type: [EscalationStepDto], maxItems: MAX_ESCALATION_STEPS })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(MAX_ESCALATION_STEPS)
  @ValidateNested({ each: true })
  @Type(() => EscalationStepDto)
  escalation?: EscalationStepDto[];

  /**
   * Non-critical notifications (and escalation steps) that fall in these hours are held and delivered when they
   * end; critical ones are sent at once. Absent or null: no quiet hours.
   */
  @ApiPropertyOptional({ type: QuietHoursDto, nullable: true })
  @IsOptional()
  @ValidateNested()
  @Type(() => QuietHoursDto)
  quiet_hours?: QuietHoursDto | null;
}

export class NotificationRuleResponseDto {
  @ApiProperty({ format: 'uuid' })
  id!: string;
  @ApiProperty()
  name!: string;
  @ApiProperty()
  enabled!: boolean;
  @ApiProperty({ enum: ALERT_SEVERITIES })
  min_severity!: AlertSeverity;
  @ApiProperty({ type: [String] })
  unit_ids!: string[];
  @ApiProperty({ type: [String] })
  sensor_types!: string[];
  @ApiProperty({ type: [String] })
  alert_rule_ids!: string[];
  @ApiProperty({ enum: NOTIFY_TRANSITIONS, isArray: true })
  transitions!: NotifyTransition[];
  @ApiProperty({ type: [String] })
  channel_ids!: string[];
  @ApiProperty()
  subject!: string;
  @ApiProperty()
  template!: string;
  @ApiProperty({ type: [EscalationStepDto] })
  escalation!: EscalationStepDto[];
  @ApiProperty({ type: QuietHoursDto, nullable: true })
  quiet_hours!: QuietHours | null;
  @ApiProperty({ format: 'date-time' })
  created_at!: string;
  @ApiProperty({ format: 'date-time' })
  updated_at!: string;
}

export function toNotificationRuleDefinition(body: CreateNotificationRuleDto): NotificationRuleDefinition {
  return {
    name: body.name,
    enabled: body.enabled ?? true,
    minSeverity: body.min_severity ?? 'info',
    unitIds: body.unit_ids ?? [],
    sensorTypes: body.sensor_types ?? [],
    alertRuleIds: body.alert_rule_ids ?? [],
    transitions: [...new Set<NotifyTransition>(body.transitions ?? ['raised'])],
    channelIds: [...new Set(body.channel_ids ?? [])],
    subject: body.subject ?? DEFAULT_SUBJECT,
    template: body.template ?? DEFAULT_TEMPLATE,
    escalation: (body.escalation ?? []).map((s) => ({
      delaySeconds: s.delay_seconds,
      channelIds: [...new Set(s.channel_ids)],
    })),
    quietHours:
      body.quiet_hours === undefined || body.quiet_hours === null
        ? null
        : { start: body.quiet_hours.start, end: body.quiet_hours.end, timezone: body.quiet_hours.timezone },
  };
}

export function toNotificationRuleResponse(rule: NotificationRule): NotificationRuleResponseDto {
  return {
    id: rule.id,
    name: rule.name,
    enabled: rule.enabled,
    min_severity: rule.minSeverity,
    unit_ids: rule.unitIds,
    sensor_types: rule.sensorTypes,
    alert_rule_ids: rule.alertRuleIds,
    transitions: rule.transitions,
    channel_ids: rule.channelIds,
    subject: rule.subject,
    template: rule.template,
    escalation: rule.escalation.map((s) => ({ delay_seconds: s.delaySeconds, channel_ids: s.channelIds })),
    quiet_hours: rule.quietHours,
    created_at: rule.createdAt.toISOString(),
    updated_at: rule.updatedAt.toISOString(),
  };
}
