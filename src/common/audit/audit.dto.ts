import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsIn, IsInt, IsISO8601, IsOptional, IsString, Max, MaxLength, Min } from 'class-validator';
import { ROLES, type Role } from '../auth/access.js';
import { AUDIT_RESULTS, type AuditResult, type StoredAuditEntry } from './audit-log.service.js';

export const MAX_AUDIT_PAGE = 500;
export const DEFAULT_AUDIT_PAGE = 50;

export class AuditQueryDto {
  /** Only entries of this actor (key name or user name; `unauthenticated` for refused anonymous calls). */
  @ApiPropertyOptional({ example: 'control-room-hmi' })
  @IsOptional()
  @IsString()
  @MaxLength(256)
  actor?: string;

  /** Only this action, e.g. `mqtt.connect`, `alert_rules.update`, `alerts.acknowledge`. */
  @ApiPropertyOptional({ example: 'mqtt.publish' })
  @IsOptional()
  @IsString()
  @MaxLength(128)
  action?: string;

  @ApiPropertyOptional({ enum: AUDIT_RESULTS })
  @IsOptional()
  @IsIn(AUDIT_RESULTS)
  result?: AuditResult;

  /** Entries at or after this time. */
  @ApiPropertyOptional({ format: 'date-time' })
  @IsOptional()
  @IsISO8601({ strict: true })
  from?: string;

  /** Entries before this time. */
  @ApiPropertyOptional({ format: 'date-time' })
  @IsOptional()
  @IsISO8601({ strict: true })
  to?: string;

  @ApiPropertyOptional({ minimum: 1, maximum: MAX_AUDIT_PAGE, default: DEFAULT_AUDIT_PAGE })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(MAX_AUDIT_PAGE)
  limit?: number;

  @ApiPropertyOptional({ minimum: 0, default: 0 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(0)
  offset?: number;
}

export class AuditEntryResponseDto {
  @ApiProperty()
  id!: string;
  @ApiProperty({ format: 'date-time' })
  at!: string;
  @ApiProperty()
  actor!: string;
  @ApiProperty({ enum: ['api_key', 'jwt', 'anonymous', 'none'] })
  actor_kind!: string;
  @ApiProperty({ nullable: true, description: 'Key id or token subject' })
  actor_id!: string | null;
  @ApiProperty({ enum: ROLES, nullable: true })
  role!: Role | null;
  @ApiProperty({ example: 'mqtt.connect' })
  action!: string;
  @ApiProperty({ nullable: true })
  method!: string | null;
  @ApiProperty({ nullable: true })
  path!: string | null;
  @ApiProperty({ nullable: true, type: Object })
  target!: Record<string, unknown> | null;
  @ApiProperty({ enum: AUDIT_RESULTS })
  result!: AuditResult;
  @ApiProperty({ nullable: true })
  status!: number | null;
  @ApiProperty({ nullable: true })
  ip!: string | null;
  @ApiProperty({ nullable: true, description: 'State before the action, when the service knows it' })
  old_value!: unknown;
  @ApiProperty({ nullable: true, description: 'State after the action, or the request (secrets redacted)' })
  new_value!: unknown;
  @ApiProperty({ nullable: true })
  detail!: string | null;
}

export class AuditPageResponseDto {
  @ApiProperty({ type: [AuditEntryResponseDto] })
  items!: AuditEntryResponseDto[];
  @ApiProperty()
  total!: number;
  @ApiProperty()
  limit!: number;
  @ApiProperty()
  offset!: number;
}

export function toAuditEntryResponse(e: StoredAuditEntry): AuditEntryResponseDto {
  return {
    id: e.id,
    at: e.at.toISOString(),
    actor: e.actor,
    actor_kind: e.actorKind,
    actor_id: e.actorId ?? null,
    role: e.role ?? null,
    action: e.action,
    method: e.method ?? null,
    path: e.path ?? null,
    target: e.target ?? null,
    result: e.result,
    status: e.status ?? null,
    ip: e.ip ?? null,
    old_value: e.oldValue ?? null,
    new_value: e.newValue ?? null,
    detail: e.detail ?? null,
  };
}
