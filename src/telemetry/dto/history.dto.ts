import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsISO8601, IsOptional, IsString, Matches, Max, MaxLength, Min } from 'class-validator';
import type { Quality } from '../../common/bus/event-map.js';
import { IDENTIFIER } from '../../common/identifier.js';
import { AGGREGATES, HISTORY_LIMITS } from '../history.plan.js';

/** GET /telemetry/latest query. */
export class LatestQueryDto {
  /** Only this unit (404 when the backend has never heard of it); all units when absent. */
  @ApiPropertyOptional({ example: 'UNIT001', description: 'One unit; every unit when absent.' })
  @IsOptional()
  @Matches(IDENTIFIER, { message: 'unit_id must be 1-64 letters, digits, _ or -' })
  unit_id?: string;
}

/** The latest reading of one sensor. */
export class LatestSensorDto {
  @ApiProperty({ example: 'temperature' })
  sensor_type!: string;
  @ApiProperty({ example: 81.2 })
  value!: number;
  @ApiProperty({ enum: ['GOOD', 'UNCERTAIN', 'BAD'] })
  quality!: Quality;
  /** Reading time, ISO 8601 (six fraction digits when the reading carries microseconds). */
  @ApiProperty({ example: '2026-11-27T12:00:00.123Z' })
  time!: string;
  /** Digital and enum points only: the name of the value's state (`ON`, `running`); absent for unnamed values. */
  @ApiPropertyOptional({ example: 'running' })
  state?: string;
}

/** One unit's sensors with their latest readings, sorted by sensor type. */
export class LatestUnitDto {
  @ApiProperty({ example: 'UNIT001' })
  unit_id!: string;
  @ApiProperty({ type: [LatestSensorDto] })
  sensors!: LatestSensorDto[];
}

export class LatestResponseDto {
  @ApiProperty({ type: [LatestUnitDto] })
  units!: LatestUnitDto[];
}

const PERIOD =
  '`from` inclusive, `to` exclusive, ISO 8601. Raw: at most 31 days per query; bucketed: at most 3653 days.';

/** GET /telemetry/history (and history.csv) query. */
export class HistoryQueryDto {
  @ApiProperty({ example: 'UNIT001' })
  @Matches(IDENTIFIER, { message: 'unit_id must be 1-64 letters, digits, _ or -' })
  unit_id!: string;

  @ApiProperty({ example: 'temperature' })
  @Matches(IDENTIFIER, { message: 'sensor_type must be 1-64 letters, digits, _ or -' })
  sensor_type!: string;

  @ApiProperty({ example: '2026-11-26T12:00:00Z', description: PERIOD })
  @IsISO8601({ strict: true }, { message: 'from must be an ISO 8601 time (e.g. 2026-11-26T12:00:00Z)' })
  from!: string;

  @ApiProperty({ example: '2026-11-27T12:00:00Z', description: PERIOD })
  @IsISO8601({ strict: true }, { message: 'to must be an ISO 8601 time (e.g. 2026-11-27T12:00:00Z)' })
  to!: string;

  /** Bucket width: `<integer><s|m|h|d>`, at most 7d. */
  @ApiPropertyOptional({
    example: '1m',
    description:
      'Bucket width `<integer><s|m|h|d>` (10s, 1m, 15m, 1h, 1d; at most 7d). Buckets are whole and aligned to ' +
      '2000-01-03T00:00Z (days at UTC midnight, weeks on Mondays): the first point may start before `from`.',
  })
  @IsOptional()
  @IsString()
  @MaxLength(16)
  bucket?: string;

  /** Aggregates per bucket. */
  @ApiPropertyOptional({
    example: 'avg,min,max',
    description: `Comma-separated, any of ${AGGREGATES.join(', ')}; default avg,min,max. Only with bucket or max_points.`,
  })
  @IsOptional()
  @IsString()
  @MaxLength(64)
  agg?: string;

  /** Most points wanted: picks the smallest nice bucket that fits, and implies bucketing. */
  @ApiPropertyOptional({
    minimum: 1,
    maximum: HISTORY_LIMITS.maxPoints,
    description:
      'Most points the chart wants. Without bucket: the smallest of 1s 5s 10s 15s 30s 1m 2m 5m 10m 15m 30m 1h 2h ' +
      '3h 6h 12h 1d 7d that gives at most this many points. With bucket: a cap the bucket must fit.',
  })
  @IsOptional()
  @Type(() => Number)
  @IsInt({ message: 'max_points must be a whole number' })
  @Min(1)
  @Max(HISTORY_LIMITS.maxPoints)
  max_points?: number;

  /** Raw page size. */
  @ApiPropertyOptional({ minimum: 1, maximum: HISTORY_LIMITS.maxLimit, default: HISTORY_LIMITS.defaultLimit })
  @IsOptional()
  @Type(() => Number)
  @IsInt({ message: 'limit must be a whole number' })
  @Min(1)
  @Max(HISTORY_LIMITS.maxLimit)
  limit?: number;

  /** `next_cursor` of the previous raw page. */
  @ApiPropertyOptional({ description: '`next_cursor` of the previous raw page, with the same other parameters.' })
  @IsOptional()
  @IsString()
  @MaxLength(64)
  cursor?: string;
}

/** One stored reading. */
export class RawPointDto {
  @ApiProperty({ example: '2026-11-27T12:00:00.123Z' })
  time!: string;
  @ApiProperty({ example: 81.2 })
  value!: number;
  @ApiProperty({ enum: ['GOOD', 'UNCERTAIN', 'BAD'] })
  quality!: Quality;
}

/** One bucket; only the aggregates asked for are present. */
export class BucketPointDto {
  @ApiProperty({ example: '2026-11-27T12:00:00.000Z', description: 'Bucket start' })
  time!: string;
  @ApiPropertyOptional()
  avg?: number;
  @ApiPropertyOptional()
  min?: number;
  @ApiPropertyOptional()
  max?: number;
  @ApiPropertyOptional({ description: 'Value of the latest reading in the bucket' })
  last?: number;
  @ApiPropertyOptional({ description: 'Readings in the bucket' })
  count?: number;
}

class HistoryHeaderDto {
  @ApiProperty({ example: 'UNIT001' })
  unit_id!: string;
  @ApiProperty({ example: 'temperature' })
  sensor_type!: string;
  @ApiProperty({ example: '2026-11-26T12:00:00.000Z' })
  from!: string;
  @ApiProperty({ example: '2026-11-27T12:00:00.000Z' })
  to!: string;
}

/** Raw history: one page of readings, oldest first. */
export class RawHistoryResponseDto extends HistoryHeaderDto {
  @ApiProperty({ type: 'null', nullable: true, example: null })
  bucket!: null;
  @ApiProperty({ type: [RawPointDto] })
  points!: RawPointDto[];
  @ApiProperty({ type: String, nullable: true, description: 'Pass as cursor for the next page; null on the last' })
  next_cursor!: string | null;
}

/** Bucketed history: every bucket that has readings, oldest first. */
export class BucketedHistoryResponseDto extends HistoryHeaderDto {
  @ApiProperty({ example: '1m' })
  bucket!: string;
  @ApiProperty({ example: 60 })
  bucket_seconds!: number;
  @ApiProperty({ type: [BucketPointDto] })
  points!: BucketPointDto[];
}

export type HistoryResponseDto = RawHistoryResponseDto | BucketedHistoryResponseDto;
