import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsIn,
  IsInt,
  IsNumber,
  IsOptional,
  IsString,
  Length,
  NotEquals,
  ValidateBy,
  ValidateIf,
  ValidateNested,
} from 'class-validator';
import {
  DEFAULT_DIGITAL_STATES,
  MAX_STATE_NAME_LENGTH,
  MAX_STATES,
  POINT_KINDS,
  type PointKind,
} from '../../processor/point-kind.js';
import { CommandSettingsResponseDto } from '../../commands/dto/command-settings.dto.js';
import type { Sensor } from '../entities/sensor.entity.js';

/** Largest id a `serial` column holds: anything above cannot name a sensor (and would be an SQL error). */
const MAX_SENSOR_ID = 2_147_483_647;
const FINITE = { allowNaN: false, allowInfinity: false } as const;
/** Validates a property only when it was sent, so `null` is checked (and refused) like any other value. */
const Sent = (): PropertyDecorator => ValidateIf((_object: object, value: unknown) => value !== undefined);

/** Path parameters naming a sensor. */
export class SensorParamsDto {
  /** Sensor id, from GET /api/v1/scada/units/{unit_id}/sensors. */
  @ApiProperty({ example: 1 })
  @Type(() => Number)
  @ValidateBy({
    name: 'isSensorId',
    validator: {
      validate: (value: unknown) =>
        Number.isInteger(value) && (value as number) >= 1 && (value as number) <= MAX_SENSOR_ID,
      defaultMessage: () => `sensor id must be a whole number from 1 to ${MAX_SENSOR_ID}`,
    },
  })
  id!: number;
}

/** One named state of a digital or enum point. */
export class PointStateDto {
  /** The whole number the device sends for this state (and that is stored). */
  @ApiProperty({ example: 2 })
  @IsInt({ message: 'each state value must be a whole number' })
  value!: number;

  /** What operators read for it. */
  @ApiProperty({ example: 'fault', maxLength: MAX_STATE_NAME_LENGTH })
  @IsString({ message: 'each state name must be a string' })
  @Length(1, MAX_STATE_NAME_LENGTH, { message: `each state name must be 1-${MAX_STATE_NAME_LENGTH} characters` })
  name!: string;
}

/**
 * A change to a sensor's processing settings: only the fields sent change. The stored value of every later reading
 * is value × scale_factor + offset; one outside [valid_min, valid_max] is stored with quality BAD.
 */
export class UpdateSensorDto {
  /** Multiplier applied to every raw value; a finite number other than 0. */
  @ApiPropertyOptional({ example: 0.1 })
  @Sent()
  @IsNumber(FINITE, { message: 'scale_factor must be a finite number' })
  @NotEquals(0, { message: 'scale_factor must not be 0: every reading would become the offset' })
  scale_factor?: number;

  /** Added after scaling; a finite number. */
  @ApiPropertyOptional({ example: -273.15 })
  @Sent()
  @IsNumber(FINITE, { message: 'offset must be a finite number' })
  offset?: number;

  /** Smallest plausible engineering value (inclusive); null removes the bound. */
  @ApiPropertyOptional({ type: Number, nullable: true, example: -40 })
  @IsOptional()
  @IsNumber(FINITE, { message: 'valid_min must be a finite number or null' })
  valid_min?: number | null;

  /** Largest plausible engineering value (inclusive), above valid_min; null removes the bound. */
  @ApiPropertyOptional({ type: Number, nullable: true, example: 150 })
  @IsOptional()
  @IsNumber(FINITE, { message: 'valid_max must be a finite number or null' })
  valid_max?: number | null;

  /** Unit of measure of the engineering value, e.g. `°C`; null clears it. */
  @ApiPropertyOptional({ type: String, nullable: true, example: '°C', maxLength: 32 })
  @IsOptional()
  @IsString({ message: 'engineering_unit must be a string or null' })
  @Length(1, 32, { message: 'engineering_unit must be 1-32 characters (null clears it)' })
  engineering_unit?: string | null;

  /** Name shown to operators; null clears it. */
  @ApiPropertyOptional({ type: String, nullable: true, example: 'Boiler outlet temperature', maxLength: 128 })
  @IsOptional()
  @IsString({ message: 'display_name must be a string or null' })
  @Length(1, 128, { message: 'display_name must be 1-128 characters (null clears it)' })
  display_name?: string | null;

  /**
   * What the number means: `analog` (a measurement), `digital` (0/1, stored from true/false too) or `enum` (whole
   * numbers naming states). Digital and enum values are stored as sent: scale, offset and valid range do not apply.
   * Switching to analog drops the states.
   */
  @ApiPropertyOptional({ enum: POINT_KINDS, example: 'enum' })
  @Sent()
  @IsIn(POINT_KINDS, { message: `kind must be one of ${POINT_KINDS.join(', ')}` })
  kind?: PointKind;

  /**
   * The state table: required for `enum`; for `digital` optional labels of exactly 0 and 1 (OFF/ON when null).
   * A value a device sends that the table does not name is stored with quality UNCERTAIN.
   */
  @ApiPropertyOptional({
    type: [PointStateDto],
    nullable: true,
    maxItems: MAX_STATES,
    example: [
      { value: 0, name: 'stopped' },
      { value: 1, name: 'running' },
      { value: 2, name: 'fault' },
    ],
  })
  @IsOptional()
  @IsArray({ message: 'states must be a list of {value, name}, or null' })
  @ArrayMinSize(1, { message: 'states must list at least one state (null removes them)' })
  @ArrayMaxSize(MAX_STATES, { message: `states must list at most ${MAX_STATES} states` })
  @ValidateNested({ each: true })
  @Type(() => PointStateDto)
  states?: PointStateDto[] | null;
}

/** A sensor with its processing settings. */
export class SensorResponseDto {
  /** Sensor id (for PATCH /api/v1/scada/sensors/{id}). */
  @ApiProperty({ example: 1 })
  id!: number;

  /** Unit the sensor belongs to. */
  @ApiProperty({ example: 'UNIT001' })
  unit_id!: string;

  /** Sensor type, as in the MQTT topic. */
  @ApiProperty({ example: 'temperature' })
  sensor_type!: string;

  /** Name shown to operators, or null. */
  @ApiProperty({ type: String, nullable: true, example: 'Boiler outlet temperature' })
  display_name!: string | null;

  /** Unit of measure of the stored values, or null. */
  @ApiProperty({ type: String, nullable: true, example: '°C' })
  engineering_unit!: string | null;

  /** Multiplier applied to every raw value. */
  @ApiProperty({ example: 1 })
  scale_factor!: number;

  /** Added after scaling. */
  @ApiProperty({ example: 0 })
  offset!: number;

  /** Smallest plausible engineering value (inclusive), or null. */
  @ApiProperty({ type: Number, nullable: true, example: null })
  valid_min!: number | null;

  /** Largest plausible engineering value (inclusive), or null. */
  @ApiProperty({ type: Number, nullable: true, example: null })
  valid_max!: number | null;

  /** What the number means: analog (also when never set), digital or enum. */
  @ApiProperty({ enum: POINT_KINDS, example: 'analog' })
  kind!: PointKind;

  /** State names of a digital (OFF/ON unless renamed) or enum point; null for analog. */
  @ApiProperty({ type: [PointStateDto], nullable: true, example: null })
  states!: PointStateDto[] | null;

  /** A writable point's command settings (PUT /api/v1/scada/sensors/{id}/command-settings); null when read-only. */
  @ApiProperty({ type: CommandSettingsResponseDto, nullable: true })
  command!: CommandSettingsResponseDto | null;

  /** When the backend first heard of the sensor (ISO 8601). */
  @ApiProperty({ example: '2026-11-27T12:00:00.000Z' })
  first_seen!: string;

  /** When a reading of it was last stored (ISO 8601, database clock), or null before the first. */
  @ApiProperty({ type: String, nullable: true, example: '2026-11-27T12:34:56.789Z' })
  last_seen!: string | null;

  /** When the settings last changed (ISO 8601). */
  @ApiProperty({ example: '2026-11-27T12:00:00.000Z' })
  settings_updated_at!: string;
}

export function toSensorResponse(sensor: Sensor): SensorResponseDto {
  return {
    id: sensor.id,
    unit_id: sensor.unitId,
    sensor_type: sensor.sensorType,
    display_name: sensor.displayName,
    engineering_unit: sensor.engineeringUnit,
    scale_factor: sensor.scaleFactor,
    offset: sensor.offset,
    valid_min: sensor.validMin,
    valid_max: sensor.validMax,
    kind: sensor.kind ?? 'analog',
    states:
      sensor.kind === 'digital' ? (sensor.states ?? DEFAULT_DIGITAL_STATES.map((s) => ({ ...s }))) : sensor.states,
    command: sensor.command ?? null,
    first_seen: sensor.firstSeen.toISOString(),
    last_seen: sensor.lastSeen?.toISOString() ?? null,
    settings_updated_at: sensor.settingsUpdatedAt.toISOString(),
  };
}
