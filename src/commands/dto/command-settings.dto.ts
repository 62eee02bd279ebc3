import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ArrayMaxSize, IsArray, IsBoolean, IsIn, IsInt, IsNumber, IsOptional, Max, Min } from 'class-validator';
import { MAX_STATES } from '../../processor/point-kind.js';
import {
  CHANNEL_KINDS,
  type ChannelKind,
  CONFIRMATION_RULES,
  type ConfirmationRule,
  type CommandSettings,
  DEFAULT_TIMEOUT_MS,
  MAX_TIMEOUT_MS,
  MIN_TIMEOUT_MS,
} from '../command-settings.js';

const FINITE = { allowNaN: false, allowInfinity: false } as const;

/**
 * What PUT /api/v1/scada/sensors/{id}/command-settings makes of a point: writable, through this channel, within
 * these limits. Analog points take min/max/max_step, digital and enum points allowed_states.
 */
export class CommandSettingsDto {
  /** How commands travel: `mqtt`, or `opcua` for a point fed by an OPC UA node mapping (the others are reserved). */
  @ApiProperty({ enum: CHANNEL_KINDS, example: 'mqtt' })
  @IsIn(CHANNEL_KINDS, { message: `channel must be one of ${CHANNEL_KINDS.join(', ')}` })
  channel!: ChannelKind;

  /** Analog: smallest value a command may set (inclusive); null or absent for none. */
  @ApiPropertyOptional({ type: Number, nullable: true, example: 20 })
  @IsOptional()
  @IsNumber(FINITE, { message: 'min must be a finite number or null' })
  min?: number | null;

  /** Analog: largest value a command may set (inclusive). */
  @ApiPropertyOptional({ type: Number, nullable: true, example: 80 })
  @IsOptional()
  @IsNumber(FINITE, { message: 'max must be a finite number or null' })
  max?: number | null;

  /** Analog: largest change of one command against the last stored value. */
  @ApiPropertyOptional({ type: Number, nullable: true, example: 10 })
  @IsOptional()
  @IsNumber(FINITE, { message: 'max_step must be a finite number or null' })
  max_step?: number | null;

  /** Digital and enum: the state values a command may set (default: every state of the point). */
  @ApiPropertyOptional({ type: [Number], nullable: true, example: [0, 1] })
  @IsOptional()
  @IsArray({ message: 'allowed_states must be a list of state values, or null' })
  @ArrayMaxSize(MAX_STATES)
  @IsInt({ each: true, message: 'each allowed state must be a whole number' })
  allowed_states?: number[] | null;

  /** Operate only with a selection made shortly before (POST .../commands/select). */
  @ApiPropertyOptional({ default: false })
  @IsOptional()
  @IsBoolean()
  select_before_operate?: boolean;

  /** `ack` (the device's acknowledgement), `readback` (the value seen in the readings) or `both`. */
  @ApiPropertyOptional({ enum: CONFIRMATION_RULES, default: 'ack' })
  @IsOptional()
  @IsIn(CONFIRMATION_RULES, { message: `confirmation must be one of ${CONFIRMATION_RULES.join(', ')}` })
  confirmation?: ConfirmationRule;

  /** Readback: how far the value read back may be from the commanded one (analog; 0 for digital/enum). */
  @ApiPropertyOptional({ default: 0, minimum: 0 })
  @IsOptional()
  @IsNumber(FINITE)
  @Min(0)
  readback_tolerance?: number;

  /** From issue to outcome; a command without its confirmation by then is timed_out. */
  @ApiPropertyOptional({ default: DEFAULT_TIMEOUT_MS, minimum: MIN_TIMEOUT_MS, maximum: MAX_TIMEOUT_MS })
  @IsOptional()
  @IsInt()
  @Min(MIN_TIMEOUT_MS)
  @Max(MAX_TIMEOUT_MS)
  timeout_ms?: number;
}

/** A point's command settings as stored and returned (every field present). */
export class CommandSettingsResponseDto {
  @ApiProperty({ enum: CHANNEL_KINDS })
  channel!: ChannelKind;
  @ApiProperty({ type: Number, nullable: true })
  min!: number | null;
  @ApiProperty({ type: Number, nullable: true })
  max!: number | null;
  @ApiProperty({ type: Number, nullable: true })
  max_step!: number | null;
  @ApiProperty({ type: [Number], nullable: true })
  allowed_states!: number[] | null;
  @ApiProperty()
  select_before_operate!: boolean;
  @ApiProperty({ enum: CONFIRMATION_RULES })
  confirmation!: ConfirmationRule;
  @ApiProperty()
  readback_tolerance!: number;
  @ApiProperty()
  timeout_ms!: number;
}

/** The stored form of a request: absent fields take their defaults. */
export function toCommandSettings(dto: CommandSettingsDto): CommandSettings {
  return {
    channel: dto.channel,
    min: dto.min ?? null,
    max: dto.max ?? null,
    max_step: dto.max_step ?? null,
    allowed_states: dto.allowed_states ?? null,
    select_before_operate: dto.select_before_operate ?? false,
    confirmation: dto.confirmation ?? 'ack',
    readback_tolerance: dto.readback_tolerance ?? 0,
    timeout_ms: dto.timeout_ms ?? DEFAULT_TIMEOUT_MS,
  };
}
