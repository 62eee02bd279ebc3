import { ApiProperty } from '@nestjs/swagger';
import { Matches } from 'class-validator';
import { IDENTIFIER } from '../../common/identifier.js';

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
