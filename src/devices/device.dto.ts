import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { ArrayMaxSize, ArrayMinSize, IsArray, IsBoolean, IsOptional, IsString, Matches } from 'class-validator';
import { IDENTIFIER } from '../common/identifier.js';
import type { DeviceRecord } from './device.repository.js';
import { SPARKPLUG_NODE } from './device-access.js';

/** At most this many units per device: a gateway serving more should be split into several identities. */
export const MAX_DEVICE_UNITS = 1000;

export class CreateDeviceDto {
  /** The device's MQTT user name: 1-64 letters, digits, `_` or `-`, unique among active devices. */
  @ApiProperty({ example: 'gateway-hall-3', maxLength: 64 })
  @IsString()
  @Matches(IDENTIFIER, { message: 'name must be 1-64 letters, digits, _ or -' })
  name!: string;

  /** The units it may publish readings (and command acks) for; nothing else. */
  @ApiProperty({ type: [String], example: ['UNIT001', 'UNIT002'] })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(MAX_DEVICE_UNITS)
  @Matches(IDENTIFIER, { each: true, message: 'units must be unit ids of 1-64 letters, digits, _ or -' })
  units!: string[];

  /** Whether it may also publish `{prefix}/{unit}/status` for those units (online, offline, maintenance...). */
  @ApiPropertyOptional({ default: false })
  @IsOptional()
  @IsBoolean()
  publish_status?: boolean;

  /**
   * Sparkplug B edge nodes it may speak for, each `{group}/{edge node}`: publish their NBIRTH, NDATA, NDEATH and
   * their devices' DBIRTH, DDATA, DDEATH; read their NCMD and DCMD and the host STATE (docs/sparkplug.md).
   */
  @ApiPropertyOptional({ type: [String], example: ['Plant1/Line2'], default: [] })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(MAX_DEVICE_UNITS)
  @Matches(SPARKPLUG_NODE, {
    each: true,
    message:
      "sparkplug_nodes must be '{group}/{edge node}': two Sparkplug ids of 1-128 characters without '/', '+', '#' or spaces",
  })
  sparkplug_nodes?: string[];
}

export class ListDevicesQueryDto {
  /** Also list revoked devices. */
  @ApiPropertyOptional({ default: false })
  @IsOptional()
  @Transform(({ value }) => (value === 'true' ? true : value === 'false' ? false : (value as unknown)))
  @IsBoolean()
  include_revoked?: boolean;
}

export class DeviceIdParamsDto {
  @ApiProperty({ example: '3f9c2a1b7d4e6f80' })
  @Matches(/^[0-9a-f]{16}$/, { message: 'device ids are 16 hexadecimal digits' })
  id!: string;
}

export class DeviceResponseDto {
  @ApiProperty({ example: '3f9c2a1b7d4e6f80' })
  id!: string;
  @ApiProperty({ description: 'The MQTT user name' })
  name!: string;
  @ApiProperty({ type: [String] })
  units!: string[];
  @ApiProperty()
  publish_status!: boolean;
  @ApiProperty({ type: [String], description: 'Sparkplug edge nodes ({group}/{edge node}) it may speak for' })
  sparkplug_nodes!: string[];
  @ApiProperty({ format: 'date-time' })
  created_at!: string;
  @ApiProperty({ nullable: true })
  created_by!: string | null;
  @ApiProperty({ format: 'date-time', nullable: true })
  revoked_at!: string | null;
  @ApiProperty({ nullable: true })
  revoked_by!: string | null;
}

export class CreatedDeviceResponseDto extends DeviceResponseDto {
  /** The MQTT user name to connect with (the device name). */
  @ApiProperty({ example: 'gateway-hall-3' })
  username!: string;
  /** The MQTT password. Shown this once: only hashes of it are stored. */
  @ApiProperty({ example: 'kq3…' })
  password!: string;
}

export function toDeviceResponse(device: DeviceRecord): DeviceResponseDto {
  return {
    id: device.id,
    name: device.name,
    units: device.units,
    publish_status: device.publishStatus,
    sparkplug_nodes: device.sparkplugNodes,
    created_at: device.createdAt.toISOString(),
    created_by: device.createdBy,
    revoked_at: device.revokedAt === null ? null : device.revokedAt.toISOString(),
    revoked_by: device.revokedBy,
  };
}
