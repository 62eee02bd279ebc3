import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsBoolean,
  IsIn,
  IsInt,
  IsNumber,
  IsOptional,
  IsString,
  Matches,
  Max,
  MaxLength,
  Min,
  ValidateNested,
} from 'class-validator';
import { IDENTIFIER } from '../common/identifier.js';
import { MAX_POINTS_PER_DEVICE } from './device.validator.js';
import type { PointResult } from './device.poller.js';
import type { DeviceState } from './modbus-devices.service.js';
import {
  MODBUS_AREAS,
  MODBUS_DATA_TYPES,
  MODBUS_ORDERS,
  type ModbusArea,
  type ModbusDataType,
  type ModbusDevice,
  type ModbusDeviceConfig,
  type ModbusOrder,
} from './register-map.js';

const IDENTIFIER_MESSAGE = "must be 1-64 letters, digits, '_' or '-'";
/** A host name or an IPv4/IPv6 address, without scheme, port or path (the port is its own field). */
const HOST = /^(\[[0-9A-Fa-f:.]+\]|[0-9A-Fa-f:]*:[0-9A-Fa-f:.]+|[A-Za-z0-9]([A-Za-z0-9.-]{0,253}[A-Za-z0-9])?)$/;

/** One point of a register map. */
export class ModbusPointDto {
  @ApiProperty({ enum: MODBUS_AREAS, example: 'holding' })
  @IsIn(MODBUS_AREAS)
  area!: ModbusArea;

  /** Zero-based protocol address (holding register 40001 is 0). */
  @ApiProperty({ minimum: 0, maximum: 65535, example: 0 })
  @IsInt()
  @Min(0)
  @Max(65535)
  address!: number;

  @ApiProperty({ enum: MODBUS_DATA_TYPES, example: 'float32' })
  @IsIn(MODBUS_DATA_TYPES)
  data_type!: ModbusDataType;

  /** Byte order inside each register: big (high byte first, the protocol's own) or little. */
  @ApiPropertyOptional({ enum: MODBUS_ORDERS, default: 'big' })
  @IsOptional()
  @IsIn(MODBUS_ORDERS)
  byte_order: ModbusOrder = 'big';

  /** Register order of 32/64-bit values: big (most significant register first) or little (word-swapped). */
  @ApiPropertyOptional({ enum: MODBUS_ORDERS, default: 'big' })
  @IsOptional()
  @IsIn(MODBUS_ORDERS)
  word_order: ModbusOrder = 'big';

  /** Multiplies the raw value (registers only). */
  @ApiPropertyOptional({ example: 0.1, default: 1 })
  @IsOptional()
  @IsNumber({ allowNaN: false, allowInfinity: false })
  @Min(-1e12)
  @Max(1e12)
  scale: number = 1;

  /** Added after scaling (registers only). */
  @ApiPropertyOptional({ example: 0, default: 0 })
  @IsOptional()
  @IsNumber({ allowNaN: false, allowInfinity: false })
  @Min(-1e12)
  @Max(1e12)
  offset: number = 0;

  @ApiProperty({ example: 'UNIT001', pattern: IDENTIFIER.source })
  @IsString()
  @Matches(IDENTIFIER, { message: `unit_id ${IDENTIFIER_MESSAGE}` })
  unit_id!: string;

  @ApiProperty({ example: 'temperature', pattern: IDENTIFIER.source })
  @IsString()
  @Matches(IDENTIFIER, { message: `sensor_type ${IDENTIFIER_MESSAGE}` })
  sensor_type!: string;

  /** May be written through the commands API (coil and holding only; writes are not implemented yet). */
  @ApiPropertyOptional({ default: false })
  @IsOptional()
  @IsBoolean()
  writable: boolean = false;
}

/** A Modbus TCP device and its register map (POST creates, PUT replaces). */
export class ModbusDeviceDto {
  @ApiProperty({ example: 'boiler-plc', pattern: IDENTIFIER.source })
  @IsString()
  @Matches(IDENTIFIER, { message: `name ${IDENTIFIER_MESSAGE}` })
  name!: string;

  /** Host name or IP address; must be listed in MODBUS_ALLOWED_HOSTS. */
  @ApiProperty({ example: '10.20.0.15', maxLength: 255 })
  @IsString()
  @MaxLength(255)
  @Matches(HOST, { message: 'host must be a host name or an IP address (no scheme, port or path)' })
  host!: string;

  @ApiPropertyOptional({ minimum: 1, maximum: 65535, default: 502 })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(65535)
  port: number = 502;

  /** The Modbus unit identifier (slave id) of the device behind the address: 1 for most, 255 or 0 for some. */
  @ApiPropertyOptional({ minimum: 0, maximum: 255, default: 1 })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(255)
  modbus_unit_id: number = 1;

  @ApiPropertyOptional({ minimum: 100, maximum: 3_600_000, default: 1000 })
  @IsOptional()
  @IsInt()
  @Min(100)
  @Max(3_600_000)
  poll_interval_ms: number = 1000;

  /** How long one request (and the connect) may take; at most poll_interval_ms. */
  @ApiPropertyOptional({ minimum: 50, maximum: 60_000, default: 500 })
  @IsOptional()
  @IsInt()
  @Min(50)
  @Max(60_000)
  timeout_ms: number = 500;

  /**
   * Unmapped addresses one block read may span to merge nearby points (fewer requests). 0 reads only contiguous
   * addresses together: use it for devices that answer ILLEGAL_DATA_ADDRESS for unmapped registers.
   */
  @ApiPropertyOptional({ minimum: 0, maximum: 124, default: 0 })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(124)
  max_gap: number = 0;

  @ApiProperty({ type: [ModbusPointDto], minItems: 1, maxItems: MAX_POINTS_PER_DEVICE })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(MAX_POINTS_PER_DEVICE)
  @ValidateNested({ each: true })
  @Type(() => ModbusPointDto)
  points!: ModbusPointDto[];
}

export function toDeviceConfig(dto: ModbusDeviceDto): ModbusDeviceConfig {
  return {
    name: dto.name,
    host: dto.host,
    port: dto.port,
    modbusUnitId: dto.modbus_unit_id,
    pollIntervalMs: dto.poll_interval_ms,
    timeoutMs: dto.timeout_ms,
    maxGap: dto.max_gap,
    points: dto.points.map((p) => ({
      area: p.area,
      address: p.address,
      dataType: p.data_type,
      byteOrder: p.byte_order,
      wordOrder: p.word_order,
      scale: p.scale,
      offset: p.offset,
      unitId: p.unit_id,
      sensorType: p.sensor_type,
      writable: p.writable,
    })),
  };
}

export class ModbusPointResponse {
  @ApiProperty({ enum: MODBUS_AREAS }) area!: string;
  @ApiProperty() address!: number;
  @ApiProperty({ enum: MODBUS_DATA_TYPES }) data_type!: string;
  @ApiProperty({ enum: MODBUS_ORDERS }) byte_order!: string;
  @ApiProperty({ enum: MODBUS_ORDERS }) word_order!: string;
  @ApiProperty() scale!: number;
  @ApiProperty() offset!: number;
  @ApiProperty() unit_id!: string;
  @ApiProperty() sensor_type!: string;
  @ApiProperty() writable!: boolean;
}

export class ModbusDeviceStatusResponse {
  /** polling, or refused: stored, but its host is no longer in MODBUS_ALLOWED_HOSTS. */
  @ApiProperty({ enum: ['polling', 'refused'] }) state!: string;
  @ApiPropertyOptional() refused_reason?: string;
  @ApiProperty() connected!: boolean;
  @ApiPropertyOptional({ example: '2026-12-03T08:00:00.000Z' }) last_poll_at?: string;
  @ApiPropertyOptional({ description: 'Duration of the last poll (all its block reads), ms' }) last_poll_ms?: number;
  @ApiPropertyOptional({ description: 'Median poll duration over the last 512 polls, ms' }) poll_ms_p50?: number;
  @ApiPropertyOptional({ description: '99th percentile poll duration over the last 512 polls, ms' })
  poll_ms_p99?: number;
  @ApiProperty() polls!: number;
  /** Polls in which at least one block failed (its points were reported BAD). */
  @ApiProperty() failed_polls!: number;
  /** Scheduled polls skipped because the one before was still running. */
  @ApiProperty() late_polls!: number;
  /** Read requests sent. */
  @ApiProperty() requests!: number;
  /** Read requests per poll (the planned blocks). */
  @ApiProperty() blocks!: number;
  @ApiProperty({
    type: 'object',
    additionalProperties: { type: 'number' },
    example: { ILLEGAL_DATA_ADDRESS: 2, TIMEOUT: 1, CONNECTION: 3 },
    description: 'Failures by Modbus exception name, or TIMEOUT, CONNECTION, BAD_RESPONSE',
  })
  errors!: Record<string, number>;
  @ApiProperty() reconnects!: number;
  @ApiPropertyOptional() last_error?: string;
}

export class ModbusDeviceResponse {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty() name!: string;
  @ApiProperty() host!: string;
  @ApiProperty() port!: number;
  @ApiProperty() modbus_unit_id!: number;
  @ApiProperty() poll_interval_ms!: number;
  @ApiProperty() timeout_ms!: number;
  @ApiProperty() max_gap!: number;
  @ApiProperty({ type: [ModbusPointResponse] }) points!: ModbusPointResponse[];
  @ApiProperty({ type: ModbusDeviceStatusResponse }) status!: ModbusDeviceStatusResponse;
  @ApiProperty() created_at!: string;
  @ApiProperty() updated_at!: string;
}

export function toDeviceStatusResponse(s: DeviceState): ModbusDeviceStatusResponse {
  const p = s.poller;
  const iso = (t?: number) => (t === undefined ? undefined : new Date(t).toISOString());
  const ms = (v?: number) => (v === undefined ? undefined : Math.round(v * 1000) / 1000);
  return {
    state: s.refused === undefined ? 'polling' : 'refused',
    refused_reason: s.refused,
    connected: p?.connected ?? false,
    last_poll_at: iso(p?.lastPollAt),
    last_poll_ms: ms(p?.lastPollMs),
    poll_ms_p50: ms(p?.pollMsP50),
    poll_ms_p99: ms(p?.pollMsP99),
    polls: p?.polls ?? 0,
    failed_polls: p?.failedPolls ?? 0,
    late_polls: p?.latePolls ?? 0,
    requests: p?.requests ?? 0,
    blocks: p?.blocks ?? 0,
    errors: p?.errors ?? {},
    reconnects: p?.reconnects ?? 0,
    last_error: p?.lastError,
  };
}

function toPointResponses(d: ModbusDevice): ModbusPointResponse[] {
  return d.points.map((p) => ({
    area: p.area,
    address: p.address,
    data_type: p.dataType,
    byte_order: p.byteOrder,
    word_order: p.wordOrder,
    scale: p.scale,
    offset: p.offset,
    unit_id: p.unitId,
    sensor_type: p.sensorType,
    writable: p.writable,
  }));
}

export function toDeviceResponse(s: DeviceState): ModbusDeviceResponse {
  const d = s.device;
  return {
    id: d.id,
    name: d.name,
    host: d.host,
    port: d.port,
    modbus_unit_id: d.modbusUnitId,
    poll_interval_ms: d.pollIntervalMs,
    timeout_ms: d.timeoutMs,
    max_gap: d.maxGap,
    points: toPointResponses(d),
    status: toDeviceStatusResponse(s),
    created_at: d.createdAt.toISOString(),
    updated_at: d.updatedAt.toISOString(),
  };
}

export class ModbusDeviceListResponse {
  @ApiProperty({ type: [ModbusDeviceResponse] }) devices!: ModbusDeviceResponse[];
}

export class ModbusReadValueResponse {
  @ApiProperty() unit_id!: string;
  @ApiProperty() sensor_type!: string;
  @ApiProperty({ enum: MODBUS_AREAS }) area!: string;
  @ApiProperty() address!: number;
  /** The engineering value (raw × scale + offset; a bit as 0/1); the last good one when BAD. */
  @ApiProperty() value!: number;
  @ApiProperty({ enum: ['GOOD', 'BAD'] }) quality!: string;
  /** Why the point's block failed, when BAD. */
  @ApiPropertyOptional({ example: 'ILLEGAL_DATA_ADDRESS' }) error?: string;
}

export class ModbusReadResponse {
  @ApiProperty({ format: 'uuid' }) device_id!: string;
  @ApiProperty() read_at!: string;
  @ApiProperty({ type: [ModbusReadValueResponse] }) values!: ModbusReadValueResponse[];
}

export function toReadResponse(device: ModbusDevice, readAt: Date, results: PointResult[]): ModbusReadResponse {
  return {
    device_id: device.id,
    read_at: readAt.toISOString(),
    values: results.map((r, i) => ({
      unit_id: device.points[i].unitId,
      sensor_type: device.points[i].sensorType,
      area: device.points[i].area,
      address: device.points[i].address,
      value: r.value,
      quality: r.quality,
      error: r.error,
    })),
  };
}
