import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsBoolean, IsIn, IsObject, IsOptional, IsString, Length } from 'class-validator';
import { CHANNEL_TYPES, type ChannelType, type NotificationChannel } from '../notification-channel.js';

const CONFIG_DESCRIPTION =
  'By type. webhook: `{url, timeout_ms?}` (signed JSON POST). email: `{host, port, security: starttls|tls|none, ' +
  'username?, from, to: [..], timeout_ms?}`. chat: `{timeout_ms?}` (the incoming webhook URL is the secret). ' +
  'Every host must be in NOTIFICATIONS_ALLOWED_HOSTS. timeout_ms: 100–30000, default 5000.';

/** A channel as created or replaced (PUT). Type-specific checks (hosts, addresses) come back as a 400. */
export class CreateNotificationChannelDto {
  /** A unique name, shown in deliveries and /metrics. */
  @ApiProperty({ example: 'on-call webhook', minLength: 1, maxLength: 100 })
  @IsString()
  @Length(1, 100)
  name!: string;

  /** Where messages go. */
  @ApiProperty({ enum: CHANNEL_TYPES, example: 'webhook' })
  @IsIn(CHANNEL_TYPES)
  type!: ChannelType;

  /** Off: deliveries to the channel fail instead of being sent; nothing new is queued for it. */
  @ApiPropertyOptional({ default: true })
  @IsOptional()
  @IsBoolean()
  enabled?: boolean;

  /** The type's settings (no secrets). */
  @ApiProperty({ type: Object, description: CONFIG_DESCRIPTION, example: { url: 'https://hooks.example.com/scada' } })
  @IsObject()
  config!: Record<string, unknown>;

  /**
   * Write-only: never returned, redacted in logs and the audit log. webhook: the HMAC-SHA256 key (16+ characters);
   * email: the SMTP password; chat: the incoming webhook URL. On PUT, absent keeps the stored one.
   */
  @ApiPropertyOptional({
    writeOnly: true,
    description:
      'Write-only (never returned). webhook: the HMAC-SHA256 key, 16+ characters; email: the SMTP password; ' +
      'chat: the incoming webhook URL. On PUT, absent keeps the stored secret.',
  })
  @IsOptional()
  @IsString()
  @Length(1, 2048)
  secret?: string;
}

/** A channel as the API shows it: everything but the secret. */
export class NotificationChannelResponseDto {
  @ApiProperty({ format: 'uuid' })
  id!: string;
  @ApiProperty()
  name!: string;
  @ApiProperty({ enum: CHANNEL_TYPES })
  type!: ChannelType;
  @ApiProperty()
  enabled!: boolean;
  @ApiProperty({ type: Object, description: CONFIG_DESCRIPTION })
  config!: Record<string, unknown>;
  /** Whether a secret is stored (its value is never returned). */
  @ApiProperty({ description: 'Whether a secret is stored; its value is never returned.' })
  secret_set!: boolean;
  @ApiProperty({ format: 'date-time' })
  created_at!: string;
  @ApiProperty({ format: 'date-time' })
  updated_at!: string;
}

/** What a test message did. */
export class ChannelTestResultDto {
  /** Whether the receiver took it. */
  @ApiProperty()
  ok!: boolean;
  /** Why not (no secret, no URL). */
  @ApiPropertyOptional()
  error?: string;
}

export function toNotificationChannelResponse(channel: NotificationChannel): NotificationChannelResponseDto {
  return {
    id: channel.id,
    name: channel.name,
    type: channel.type,
    enabled: channel.enabled,
    config: { ...channel.config },
    secret_set: channel.secret !== null,
    created_at: channel.createdAt.toISOString(),
    updated_at: channel.updatedAt.toISOString(),
  };
}
