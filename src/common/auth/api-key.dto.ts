import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { ArrayMaxSize, IsArray, IsBoolean, IsIn, IsOptional, IsString, Matches, MaxLength } from 'class-validator';
import { IDENTIFIER } from '../identifier.js';
import { ROLES, type Role } from './access.js';
import type { ApiKeyRecord } from './api-key.repository.js';
import type { Principal } from './principal.js';

/** A key name: shown as the actor in the alarm history and the audit log, so printable and bounded. */
// eslint-disable-next-line no-control-regex
export const KEY_NAME = /^[^\u0000-\u001f\u007f]{1,128}$/;

export class CreateApiKeyDto {
  /** Who or what uses the key (a person, an HMI, a script); recorded as the actor of its actions. */
  @ApiProperty({ example: 'control-room-hmi', maxLength: 128 })
  @IsString()
  @MaxLength(128)
  @Matches(KEY_NAME, { message: 'name must be 1-128 printable characters' })
  name!: string;

  /** What the key may do; each role includes the ones before it. */
  @ApiProperty({ enum: ROLES })
  @IsIn(ROLES)
  role!: Role;

  /** Limits the key to these units (REST reads and room joins of other units: 403). Absent or empty: all units. */
  @ApiPropertyOptional({ type: [String], example: ['UNIT001'] })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(1000)
  @Matches(IDENTIFIER, { each: true, message: 'units must be unit ids of 1-64 letters, digits, _ or -' })
  units?: string[];
}

export class ListApiKeysQueryDto {
  /** Also list revoked keys. */
  @ApiPropertyOptional({ default: false })
  @IsOptional()
  @Transform(({ value }) => (value === 'true' ? true : value === 'false' ? false : (value as unknown)))
  @IsBoolean()
  include_revoked?: boolean;
}

export class ApiKeyIdParamsDto {
  @ApiProperty({ example: '3f9c2a1b7d4e6f80' })
  @Matches(/^[0-9a-f]{16}$/, { message: 'key ids are 16 hexadecimal digits' })
  id!: string;
}

export class ApiKeyResponseDto {
  @ApiProperty({ example: '3f9c2a1b7d4e6f80' })
  id!: string;
  @ApiProperty()
  name!: string;
  @ApiProperty({ enum: ROLES })
  role!: Role;
  /** Null: every unit. */
  @ApiProperty({ type: [String], nullable: true })
  units!: string[] | null;
  @ApiProperty({ format: 'date-time' })
  created_at!: string;
  @ApiProperty({ nullable: true })
  created_by!: string | null;
  @ApiProperty({ format: 'date-time', nullable: true, description: 'Updated at most once a minute' })
  last_used_at!: string | null;
  @ApiProperty({ format: 'date-time', nullable: true })
  revoked_at!: string | null;
  @ApiProperty({ nullable: true })
  revoked_by!: string | null;
}

export class CreatedApiKeyResponseDto extends ApiKeyResponseDto {
  /** The key to send as `Authorization: Bearer <key>`. Shown this once: only its hash is stored. */
  @ApiProperty({ example: 'tc_3f9c2a1b7d4e6f80_…' })
  key!: string;
}

export class WhoAmIResponseDto {
  @ApiProperty({ enum: ['api_key', 'jwt', 'anonymous'] })
  kind!: Principal['kind'];
  @ApiProperty({ description: 'Key id or token subject' })
  id!: string;
  @ApiProperty()
  name!: string;
  @ApiProperty({ enum: ROLES })
  role!: Role;
  @ApiProperty({ type: [String], nullable: true, description: 'Null: every unit' })
  units!: string[] | null;
  @ApiProperty({ format: 'date-time', nullable: true })
  expires_at!: string | null;
}

const iso = (d: Date | null): string | null => (d === null ? null : d.toISOString());

export function toApiKeyResponse(key: ApiKeyRecord): ApiKeyResponseDto {
  return {
    id: key.id,
    name: key.name,
    role: key.role,
    units: key.units,
    created_at: key.createdAt.toISOString(),
    created_by: key.createdBy,
    last_used_at: iso(key.lastUsedAt),
    revoked_at: iso(key.revokedAt),
    revoked_by: key.revokedBy,
  };
}

export function toWhoAmIResponse(principal: Principal): WhoAmIResponseDto {
  return {
    kind: principal.kind,
    id: principal.id,
    name: principal.name,
    role: principal.role,
    units: principal.units === undefined ? null : [...principal.units],
    expires_at: principal.expiresAt === undefined ? null : new Date(principal.expiresAt).toISOString(),
  };
}
