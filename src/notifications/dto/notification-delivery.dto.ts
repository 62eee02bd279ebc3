import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsIn, IsInt, IsOptional, IsString, IsUUID, Max, MaxLength, Min } from 'class-validator';
import {
  DELIVERY_KINDS,
  DELIVERY_STATUSES,
  type Delivery,
  type DeliveryStatus,
} from '../notification-delivery.repository.js';

export const DEFAULT_DELIVERY_PAGE = 50;
export const MAX_DELIVERY_PAGE = 500;

export class DeliveryQueryDto {
  /** Only deliveries in this state. */
  @ApiPropertyOptional({ enum: DELIVERY_STATUSES })
  @IsOptional()
  @IsIn(DELIVERY_STATUSES)
  status?: DeliveryStatus;

  @ApiPropertyOptional({ format: 'uuid' })
  @IsOptional()
  @IsUUID()
  channel_id?: string;

  @ApiPropertyOptional({ format: 'uuid' })
  @IsOptional()
  @IsUUID()
  alarm_id?: string;

  @ApiPropertyOptional({ default: DEFAULT_DELIVERY_PAGE, minimum: 1, maximum: MAX_DELIVERY_PAGE })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(MAX_DELIVERY_PAGE)
  limit?: number;

  /** `next_cursor` of the previous page, with the same filters. */
  @ApiPropertyOptional({ description: '`next_cursor` of the previous page, with the same filters.' })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  cursor?: string;
}

export class DeliveryResponseDto {
  @ApiProperty()
  id!: string;
  /** Stable across retries; sent as X-ThermaCore-Delivery so receivers can drop repeats. */
  @ApiProperty({ description: 'Stable across retries; sent as X-ThermaCore-Delivery so receivers can drop repeats.' })
  dedup_key!: string;
  @ApiProperty({
    enum: DELIVERY_KINDS,
    description: 'summary: a flood summary of one channel (no alarm, unit or rule)',
  })
  kind!: string;
  @ApiProperty({ type: String, format: 'uuid', nullable: true })
  alarm_id!: string | null;
  @ApiProperty({ type: String, nullable: true })
  unit_id!: string | null;
  @ApiProperty({ type: String, format: 'uuid', nullable: true })
  rule_id!: string | null;
  @ApiProperty({ format: 'uuid' })
  channel_id!: string;
  @ApiProperty({ description: 'What it tells (raised, …); escalations: raised, with step 1, 2, …' })
  transition!: string;
  @ApiProperty()
  step!: number;
  @ApiProperty({ enum: DELIVERY_STATUSES })
  status!: DeliveryStatus;
  @ApiProperty()
  attempts!: number;
  @ApiProperty({
    format: 'date-time',
    description: 'When it is (or was) due: now, the next retry, or the escalation time',
  })
  due_at!: string;
  @ApiProperty({ type: String, nullable: true, description: 'Why it failed, waits (quiet hours) or was suppressed' })
  last_error!: string | null;
  /** A suppressed row: the summary that reported it. */
  @ApiProperty({ type: String, nullable: true, description: 'A suppressed row: the summary that reported it' })
  summary_id!: string | null;
  @ApiProperty({ format: 'date-time' })
  created_at!: string;
  @ApiProperty({ type: String, format: 'date-time', nullable: true })
  finished_at!: string | null;
}

export class DeliveryPageDto {
  @ApiProperty({ type: [DeliveryResponseDto] })
  items!: DeliveryResponseDto[];
  @ApiProperty()
  limit!: number;
  @ApiProperty({ type: String, nullable: true, description: 'Pass as cursor for the next page; null on the last' })
  next_cursor!: string | null;
}

export function toDeliveryResponse(d: Delivery): DeliveryResponseDto {
  return {
    id: d.id,
    dedup_key: d.dedupKey,
    kind: d.kind,
    alarm_id: d.alarmId,
    unit_id: d.unitId,
    rule_id: d.ruleId,
    channel_id: d.channelId,
    transition: d.transition,
    step: d.step,
    status: d.status,
    attempts: d.attempts,
    due_at: d.dueAt.toISOString(),
    last_error: d.lastError,
    summary_id: d.summaryId,
    created_at: d.createdAt.toISOString(),
    finished_at: d.finishedAt?.toISOString() ?? null,
  };
}
