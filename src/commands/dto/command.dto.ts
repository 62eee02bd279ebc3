import { ApiProperty, ApiPropertyOptional, type ApiPropertyOptions } from '@nestjs/swagger';
import { IsIn, IsOptional, IsString, IsUUID, Length, Matches, ValidateBy } from 'class-validator';
import { IDENTIFIER } from '../../common/identifier.js';
import { ListPageQueryDto, MAX_LIST_PAGE } from '../../telemetry/dto/unit.dto.js';
import type { RequestedValue } from '../command-limits.js';
import type { CommandRecord } from '../command.repository.js';
import { CHANNEL_KINDS, type ChannelKind, CONFIRMATION_RULES, type ConfirmationRule } from '../command-settings.js';
import { COMMAND_STATES, type CommandState } from '../command-state.js';

/** The command list pages like the unit and sensor lists (ListPageQueryDto). */
export const DEFAULT_COMMAND_PAGE = MAX_LIST_PAGE;

/** A number, a boolean or a state name; the point's limits decide the rest (400 with the reason). */
const IsCommandValue = (): PropertyDecorator =>
  ValidateBy({
    name: 'isCommandValue',
    validator: {
      validate: (value: unknown) =>
        (typeof value === 'number' && Number.isFinite(value)) ||
        typeof value === 'boolean' ||
        (typeof value === 'string' && value.length >= 1 && value.length <= 32),
      defaultMessage: () => 'value must be a finite number, true/false (digital points) or a state name',
    },
  });

const VALUE_DOC: ApiPropertyOptions = {
  oneOf: [{ type: 'number' }, { type: 'boolean' }, { type: 'string' }],
  example: 55,
  description: 'The engineering value (analog), true/false or 0/1 (digital), the state value or name (digital, enum).',
};

/** Path parameters naming a point by unit and sensor type. */
export class PointParamsDto {
  @ApiProperty({ example: 'UNIT001' })
  @Matches(IDENTIFIER, { message: 'unit_id must be 1-64 letters, digits, _ or -' })
  unit_id!: string;

  @ApiProperty({ example: 'setpoint' })
  @Matches(IDENTIFIER, { message: 'sensor_type must be 1-64 letters, digits, _ or -' })
  sensor_type!: string;
}

export class CommandIdParamsDto {
  @ApiProperty({ format: 'uuid' })
  @IsUUID('all', { message: 'command ids are UUIDs (see GET /api/v1/scada/commands)' })
  id!: string;
}

/** POST .../commands: what to set, why, and the selection of a select-before-operate point. */
export class CreateCommandDto {
  @ApiProperty(VALUE_DOC)
  @IsCommandValue()
  value!: RequestedValue;

  /** Why; kept with the command and in the audit log. */
  @ApiPropertyOptional({ maxLength: 500, example: 'lower the setpoint: outlet running hot' })
  @IsOptional()
  @IsString()
  @Length(0, 500)
  comment?: string;

  /** The `selection_id` of POST .../commands/select, when the point requires select-before-operate. */
  @ApiPropertyOptional({ format: 'uuid' })
  @IsOptional()
  @IsUUID('all', { message: 'selection_id must be the UUID that POST .../commands/select answered' })
  selection_id?: string;
}

/** POST .../commands/select: the value the operate will ask for. */
export class SelectCommandDto {
  @ApiProperty(VALUE_DOC)
  @IsCommandValue()
  value!: RequestedValue;
}

export class SelectionResponseDto {
  @ApiProperty({ format: 'uuid' })
  selection_id!: string;
  @ApiProperty()
  unit_id!: string;
  @ApiProperty()
  sensor_type!: string;
  /** The value (as a number) the operate must ask for. */
  @ApiProperty()
  value!: number;
  /** The operate is refused after this (ISO 8601). */
  @ApiProperty()
  expires_at!: string;
}

/** Filter and page of GET /api/v1/scada/commands, newest first. */
export class CommandQueryDto extends ListPageQueryDto {
  @ApiPropertyOptional({ example: 'UNIT001' })
  @IsOptional()
  @Matches(IDENTIFIER, { message: 'unit_id must be 1-64 letters, digits, _ or -' })
  unit_id?: string;

  @ApiPropertyOptional({ enum: COMMAND_STATES })
  @IsOptional()
  @IsIn(COMMAND_STATES, { message: `state must be one of ${COMMAND_STATES.join(', ')}` })
  state?: CommandState;
}

/** A command and how far it got; also the payload of the `command_status` Socket.IO event. */
export class CommandResponseDto {
  @ApiProperty({ format: 'uuid' })
  id!: string;
  @ApiProperty({ example: 'UNIT001' })
  unit_id!: string;
  @ApiProperty({ example: 'setpoint' })
  sensor_type!: string;
  @ApiProperty({ enum: CHANNEL_KINDS })
  channel!: ChannelKind;
  /** What was sent (1/0 for digital points). */
  @ApiProperty({ example: 55 })
  value!: number;
  /** The last stored value when it was issued, or null. */
  @ApiProperty({ type: Number, nullable: true, example: 50 })
  previous_value!: number | null;
  /** pending → sent → confirmed | rejected | failed | timed_out. */
  @ApiProperty({ enum: COMMAND_STATES })
  state!: CommandState;
  @ApiProperty({ enum: CONFIRMATION_RULES })
  confirmation!: ConfirmationRule;
  /** Why it was rejected, failed or timed out (a device's reason is its own words). */
  @ApiProperty({ type: String, nullable: true })
  reason!: string | null;
  @ApiProperty({ type: String, nullable: true })
  comment!: string | null;
  @ApiProperty({ type: String, nullable: true, format: 'uuid' })
  selection_id!: string | null;
  /** Who issued it (key name or token user). */
  @ApiProperty()
  issued_by!: string;
  @ApiProperty()
  created_at!: string;
  /** A device ignores the command after this; it is timed_out then without its confirmation. */
  @ApiProperty()
  expires_at!: string;
  @ApiProperty({ type: String, nullable: true })
  sent_at!: string | null;
  @ApiProperty({ type: String, nullable: true })
  finished_at!: string | null;
}

export class CommandPageDto {
  @ApiProperty({ type: [CommandResponseDto] })
  items!: CommandResponseDto[];
  @ApiProperty()
  limit!: number;
  @ApiProperty({ type: String, nullable: true })
  next_cursor!: string | null;
}

export function toCommandResponse(c: CommandRecord): CommandResponseDto {
  return {
    id: c.id,
    unit_id: c.unitId,
    sensor_type: c.sensorType,
    channel: c.channel,
    value: c.value,
    previous_value: c.previousValue,
    state: c.state,
    confirmation: c.confirmation,
    reason: c.reason,
    comment: c.comment,
    selection_id: c.selectionId,
    issued_by: c.issuedBy,
    created_at: c.createdAt.toISOString(),
    expires_at: c.expiresAt.toISOString(),
    sent_at: c.sentAt?.toISOString() ?? null,
    finished_at: c.finishedAt?.toISOString() ?? null,
  };
}
