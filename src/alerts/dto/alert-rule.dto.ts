import { ApiProperty, ApiPropertyOptional, PartialType } from '@nestjs/swagger';
import { IsBoolean, IsIn, IsNumber, IsOptional, IsString, Length } from 'class-validator';
import { MAX_STATE_NAME_LENGTH } from '../../processor/point-kind.js';
import {
  ALERT_CONDITIONS,
  ALERT_SEVERITIES,
  type AlertCondition,
  type AlertRuleDefinition,
  type AlertSeverity,
  MAX_DELAY_SECONDS,
  MAX_MESSAGE_LENGTH,
  RATE_PERIODS,
  type RatePeriod,
} from '../alert-rule.js';
import type { StoredAlertRule } from '../alert-rule.repository.js';

const FINITE = { allowNaN: false, allowInfinity: false } as const;

/**
 * A rule as created or replaced (PUT). Types are checked here; what the fields mean together (a threshold for a
 * comparison, low < high for a range, known placeholders) is checked by validateAlertRule, whose sentences come
 * back in a 400. Absent optional fields take their defaults.
 */
export class CreateAlertRuleDto {
  /** The sensor type the rule watches. */
  @ApiProperty({
    example: 'temperature',
    description: 'The sensor type the rule watches (1–64 letters, digits, _ or -).',
  })
  @IsString()
  sensor_type!: string;

  /** One unit only; absent or null for every unit with this sensor type. */
  @ApiPropertyOptional({
    type: String,
    nullable: true,
    example: 'UNIT001',
    description: 'One unit only; absent or null for every unit that has the sensor type.',
  })
  @IsOptional()
  @IsString()
  unit_id?: string | null;

  /** How the rule decides the sensor is abnormal. */
  @ApiProperty({ enum: ALERT_CONDITIONS, example: 'greater_than' })
  @IsIn(ALERT_CONDITIONS)
  condition!: AlertCondition;

  /** Comparisons: the limit; rate_of_change: the largest allowed |change| per rate_per; no_data: seconds of silence. */
  @ApiPropertyOptional({
    type: Number,
    nullable: true,
    example: 85,
    description:
      'Comparisons: the limit. rate_of_change: the largest allowed |change| per rate_per. no_data: seconds of silence.',
  })
  @IsOptional()
  @IsNumber(FINITE)
  threshold?: number | null;

  /**
   * equals / not_equals on a digital or enum point: the state by name (`fault`, `OPEN`, `ON`) instead of threshold.
   * Resolved to its number when the rule is saved, against the state tables of the sensors the rule covers; the
   * rule then stores and returns that number as threshold.
   */
  @ApiPropertyOptional({
    type: String,
    example: 'fault',
    maxLength: MAX_STATE_NAME_LENGTH,
    description:
      'equals / not_equals on a digital or enum point: the state name instead of threshold (case-insensitive). ' +
      'Resolved to its number when saved (stored and returned as threshold); 400 if no sensor the rule covers ' +
      'names it, if it means different numbers on different units, or with a deadband.',
  })
  @IsOptional()
  @IsString()
  @Length(1, MAX_STATE_NAME_LENGTH)
  state?: string | null;

  /** Range conditions: the lower limit. */
  @ApiPropertyOptional({ type: Number, nullable: true, description: 'outside_range / inside_range: the lower limit.' })
  @IsOptional()
  @IsNumber(FINITE)
  low?: number | null;

  /** Range conditions: the upper limit. */
  @ApiPropertyOptional({ type: Number, nullable: true, description: 'outside_range / inside_range: the upper limit.' })
  @IsOptional()
  @IsNumber(FINITE)
  high?: number | null;

  /** rate_of_change: whether threshold is per second or per minute. */
  @ApiPropertyOptional({ enum: RATE_PERIODS, nullable: true, description: 'rate_of_change: per second or minute.' })
  @IsOptional()
  @IsIn(RATE_PERIODS)
  rate_per?: RatePeriod | null;

  /** Alarm priority: info (logged, no response expected), warning, high, critical (act now). */
  @ApiProperty({
    enum: ALERT_SEVERITIES,
    example: 'critical',
    description: 'info (an alert: shown, no response expected), warning, high, critical (act now).',
  })
  @IsIn(ALERT_SEVERITIES)
  severity!: AlertSeverity;

  /** Message template with {value}, {state}, {threshold}, {unit_id}, {sensor_type}. */
  @ApiProperty({
    example: 'High temperature alert: {value}°C',
    maxLength: MAX_MESSAGE_LENGTH,
    description:
      'Template with {value}, {state} (the state name of a digital/enum value, e.g. `fault`; the value itself ' +
      'elsewhere), {threshold}, {unit_id}, {sensor_type}.',
  })
  @IsString()
  message!: string;

  /** Hysteresis to clear, in the sensor's units (rate units for rate_of_change). */
  @ApiPropertyOptional({
    default: 0,
    minimum: 0,
    example: 2,
    description: "Hysteresis to clear, in the sensor's units: greater_than 85 with deadband 2 clears at 83 or below.",
  })
  @IsOptional()
  @IsNumber(FINITE)
  deadband?: number | null;

  /** Seconds the condition must hold before the alarm is raised. */
  @ApiPropertyOptional({
    default: 0,
    minimum: 0,
    maximum: MAX_DELAY_SECONDS,
    description: 'Seconds the condition must hold before the alarm is raised.',
  })
  @IsOptional()
  @IsNumber(FINITE)
  on_delay?: number | null;

  /** Seconds the sensor must stay normal before the alarm clears. */
  @ApiPropertyOptional({
    default: 0,
    minimum: 0,
    maximum: MAX_DELAY_SECONDS,
    description: 'Seconds the sensor must stay normal before the alarm clears.',
  })
  @IsOptional()
  @IsNumber(FINITE)
  off_delay?: number | null;

  /** A disabled rule evaluates nothing; disabling closes its alarms. */
  @ApiPropertyOptional({
    default: true,
    description: 'A disabled rule evaluates nothing; disabling closes its alarms.',
  })
  @IsOptional()
  @IsBoolean()
  enabled?: boolean | null;
}

/** PATCH: only the fields sent change; null resets an optional field to its default (unit_id null: every unit). */
export class UpdateAlertRuleDto extends PartialType(CreateAlertRuleDto) {}

/** A stored rule. */
export class AlertRuleResponseDto {
  @ApiProperty({ format: 'uuid' })
  id!: string;
  @ApiProperty({ example: 'temperature' })
  sensor_type!: string;
  @ApiProperty({ type: String, nullable: true, description: 'null: every unit' })
  unit_id!: string | null;
  @ApiProperty({ enum: ALERT_CONDITIONS })
  condition!: AlertCondition;
  @ApiProperty({ type: Number, nullable: true })
  threshold!: number | null;
  @ApiProperty({ type: Number, nullable: true })
  low!: number | null;
  @ApiProperty({ type: Number, nullable: true })
  high!: number | null;
  @ApiProperty({ enum: RATE_PERIODS, nullable: true })
  rate_per!: RatePeriod | null;
  @ApiProperty({ enum: ALERT_SEVERITIES })
  severity!: AlertSeverity;
  @ApiProperty()
  message!: string;
  @ApiProperty()
  deadband!: number;
  @ApiProperty({ description: 'seconds' })
  on_delay!: number;
  @ApiProperty({ description: 'seconds' })
  off_delay!: number;
  @ApiProperty()
  enabled!: boolean;
  @ApiProperty({ format: 'date-time' })
  created_at!: string;
  @ApiProperty({ format: 'date-time' })
  updated_at!: string;
}

export function toAlertRuleResponse(rule: StoredAlertRule): AlertRuleResponseDto {
  return {
    id: rule.id,
    sensor_type: rule.sensorType,
    unit_id: rule.unitId,
    condition: rule.condition,
    threshold: rule.threshold,
    low: rule.low,
    high: rule.high,
    rate_per: rule.ratePer,
    severity: rule.severity,
    message: rule.message,
    deadband: rule.deadband,
    on_delay: rule.onDelaySeconds,
    off_delay: rule.offDelaySeconds,
    enabled: rule.enabled,
    created_at: rule.createdAt.toISOString(),
    updated_at: rule.updatedAt.toISOString(),
  };
}

/** Fields a rule cannot do without: null in a PATCH is a mistake, not a reset. */
const REQUIRED = ['sensor_type', 'condition', 'severity', 'message'] as const;

/** The fields of a PATCH that are null but must not be; empty when there are none. */
export function nullRequiredFields(dto: UpdateAlertRuleDto): string[] {
  return REQUIRED.filter((key) => dto[key] === null).map((key) => `${key} must not be null`);
}

/** The state name a body asks an equals / not_equals rule to match, if any (see CreateAlertRuleDto.state). */
export interface StateChoice {
  state: string;
  /** The body also sent a threshold: one of the two must go. */
  thresholdSent: boolean;
}

export function stateChoiceOf(dto: UpdateAlertRuleDto): StateChoice | undefined {
  if (dto.state === undefined || dto.state === null) return undefined;
  return { state: dto.state, thresholdSent: dto.threshold !== undefined && dto.threshold !== null };
}

/**
 * Applies a create/PUT body (`base` absent: defaults for what is missing) or a PATCH body (`base`: the stored rule,
 * changed only where the body says so) to a rule definition.
 */
export function toAlertRuleDefinition(dto: UpdateAlertRuleDto, base?: AlertRuleDefinition): AlertRuleDefinition {
  const pick = <T>(value: T | null | undefined, current: T | undefined, fallback: T): T =>
    value === undefined ? (current ?? fallback) : (value ?? fallback);
  return {
    sensorType: pick(dto.sensor_type, base?.sensorType, ''),
    unitId: pick<string | null>(dto.unit_id, base?.unitId, null),
    condition: pick<AlertCondition>(dto.condition, base?.condition, 'greater_than'),
    threshold: pick<number | null>(dto.threshold, base?.threshold, null),
    low: pick<number | null>(dto.low, base?.low, null),
    high: pick<number | null>(dto.high, base?.high, null),
    ratePer: pick<RatePeriod | null>(dto.rate_per, base?.ratePer, null),
    severity: pick<AlertSeverity>(dto.severity, base?.severity, 'warning'),
    message: pick(dto.message, base?.message, ''),
    deadband: pick(dto.deadband, base?.deadband, 0),
    onDelaySeconds: pick(dto.on_delay, base?.onDelaySeconds, 0),
    offDelaySeconds: pick(dto.off_delay, base?.offDelaySeconds, 0),
    enabled: pick(dto.enabled, base?.enabled, true),
  };
}
