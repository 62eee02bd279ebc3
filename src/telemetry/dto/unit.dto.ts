import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, IsString, Matches, Max, MaxLength, Min } from 'class-validator';
import { IDENTIFIER } from '../../common/identifier.js';
import { SensorResponseDto } from './sensor.dto.js';

/** Largest page of the unit and sensor lists; the default page is this size too. */
export const MAX_LIST_PAGE = 1000;

/** Paging of GET /units and GET /units/{unit_id}/sensors: keyset by unit id (sensor type), never an offset. */
export class ListPageQueryDto {
  /** Page size. */
  @ApiPropertyOptional({ default: MAX_LIST_PAGE, minimum: 1, maximum: MAX_LIST_PAGE })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(MAX_LIST_PAGE)
  limit?: number;

  /** `next_cursor` of the previous page. */
  @ApiPropertyOptional({ description: '`next_cursor` of the previous page.' })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  cursor?: string;
}

/** Path parameters naming a unit. */
export class UnitParamsDto {
  /** Unit id, as in the MQTT topic. */
  @ApiProperty({ example: 'UNIT001' })
  @Matches(IDENTIFIER, { message: 'unit_id must be 1-64 letters, digits, _ or -' })
  unit_id!: string;
}

/** A unit as GET /api/v1/scada/units lists it. */
export class UnitResponseDto {
  /** Unit id, as in the MQTT topic. */
  @ApiProperty({ example: 'UNIT001' })
  unit_id!: string;

  /** Last reported status (`unknown` until the unit reports one). */
  @ApiProperty({ example: 'unknown' })
  status!: string;

  /** When the backend first heard of the unit (ISO 8601). */
  @ApiProperty({ example: '2026-11-27T12:00:00.000Z' })
  first_seen!: string;

  /** When a reading of any of its sensors was last stored (ISO 8601, database clock), or null before the first. */
  @ApiProperty({ type: String, nullable: true, example: '2026-11-27T12:34:56.789Z' })
  last_seen!: string | null;

  /** How many sensors the unit has. */
  @ApiProperty({ example: 6 })
  sensor_count!: number;
}

/** One page of GET /api/v1/scada/units, by unit id. */
export class UnitPageDto {
  @ApiProperty({ type: [UnitResponseDto] })
  items!: UnitResponseDto[];
  @ApiProperty({ description: 'Units in all pages' })
  total!: number;
  @ApiProperty()
  limit!: number;
  @ApiProperty({ type: String, nullable: true, description: 'Pass as cursor for the next page; null on the last' })
  next_cursor!: string | null;
}

/** One page of GET /api/v1/scada/units/{unit_id}/sensors, by sensor type. */
export class SensorPageDto {
  @ApiProperty({ type: [SensorResponseDto] })
  items!: SensorResponseDto[];
  @ApiProperty({ description: "The unit's sensors in all pages" })
  total!: number;
  @ApiProperty()
  limit!: number;
  @ApiProperty({ type: String, nullable: true, description: 'Pass as cursor for the next page; null on the last' })
  next_cursor!: string | null;
}

/** A unit row with its sensor count, as the units query returns it. */
export interface UnitRow {
  unit_id: string;
  status: string;
  first_seen: Date;
  last_seen: Date | null;
  sensor_count: number;
}

export function toUnitResponse(row: UnitRow): UnitResponseDto {
  return {
    unit_id: row.unit_id,
    status: row.status,
    first_seen: row.first_seen.toISOString(),
    last_seen: row.last_seen?.toISOString() ?? null,
    sensor_count: row.sensor_count,
  };
}
