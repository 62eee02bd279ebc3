import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsIn,
  IsInt,
  IsNumber,
  IsOptional,
  IsString,
  Matches,
  Max,
  MaxLength,
  Min,
} from 'class-validator';
import { IDENTIFIER } from '../common/identifier.js';
import type { BrowsedNode, ReadResult } from './opcua-node-io.service.js';
import type { OpcuaConnectionState, OpcuaSnapshot } from './opcua-session.service.js';
import type { MappingState } from './opcua-subscriptions.service.js';
import {
  OPCUA_SECURITY_MODES,
  OPCUA_SECURITY_POLICIES,
  type OpcuaSecurityMode,
  type OpcuaSecurityPolicy,
} from './opcua-security.js';

/**
 * OPC UA node id text: an optional namespace (`ns=2;` or `nsu=<uri>;`) and one identifier: numeric `i=`, string
 * `s=`, GUID `g=` or opaque base64 `b=`.
 */
export const NODE_ID =
  /^(ns=\d{1,5};|nsu=[^;\s]{1,400};)?(i=\d{1,10}|s=.{1,400}|g=[0-9a-fA-F]{8}(-[0-9a-fA-F]{4}){3}-[0-9a-fA-F]{12}|b=[A-Za-z0-9+/]+={0,2})$/;
const NODE_ID_MESSAGE = 'must be an OPC UA node id such as ns=2;i=123 or ns=1;s=UNIT001.temperature';
/** Most nodes one read call takes. */
export const MAX_READ_NODES = 100;
export const MAX_BROWSE_DEPTH = 5;

/** Where and how to connect; every field defaults to its OPCUA_* configuration. */
export class ConnectOpcuaDto {
  /** Endpoint URL (default OPCUA_SERVER_URL). */
  @ApiPropertyOptional({ example: 'opc.tcp://plc.plant.local:4840', maxLength: 2048 })
  @IsOptional()
  @IsString()
  @MaxLength(2048)
  @Matches(/^opc\.tcp:\/\/[^\s/?#@]+(\/\S*)?$/, { message: 'endpoint_url must look like opc.tcp://host:4840[/path]' })
  endpoint_url?: string;

  /** Message security mode (default OPCUA_SECURITY_MODE). */
  @ApiPropertyOptional({ enum: OPCUA_SECURITY_MODES, example: 'None' })
  @IsOptional()
  @IsIn(OPCUA_SECURITY_MODES)
  security_mode?: OpcuaSecurityMode;

  /** Security policy (default OPCUA_SECURITY_POLICY); None goes with mode None only. */
  @ApiPropertyOptional({ enum: OPCUA_SECURITY_POLICIES, example: 'None' })
  @IsOptional()
  @IsIn(OPCUA_SECURITY_POLICIES)
  security_policy?: OpcuaSecurityPolicy;

  /** User name (default OPCUA_USERNAME); absent: anonymous. */
  @ApiPropertyOptional({ maxLength: 256 })
  @IsOptional()
  @IsString()
  @MaxLength(256)
  username?: string;

  /** Password (default OPCUA_PASSWORD). Never logged, never returned. */
  @ApiPropertyOptional({ maxLength: 1024, format: 'password', writeOnly: true })
  @IsOptional()
  @IsString()
  @MaxLength(1024)
  password?: string;
}

/** Where to start browsing and how deep. */
export class BrowseOpcuaQuery {
  /** Start node (default i=85, the Objects folder). */
  @ApiPropertyOptional({ example: 'ns=1;s=Units', default: 'i=85' })
  @IsOptional()
  @IsString()
  @Matches(NODE_ID, { message: `node_id ${NODE_ID_MESSAGE}` })
  node_id: string = 'i=85';

  /** Levels of children to include: 0 is the node alone. */
  @ApiPropertyOptional({ minimum: 0, maximum: MAX_BROWSE_DEPTH, default: 1 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(MAX_BROWSE_DEPTH)
  depth: number = 1;
}

/** Nodes whose Value attribute to read. */
export class ReadOpcuaDto {
  @ApiProperty({ type: [String], example: ['ns=1;s=UNIT001.temperature'], minItems: 1, maxItems: MAX_READ_NODES })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(MAX_READ_NODES)
  @IsString({ each: true })
  @Matches(NODE_ID, { each: true, message: `each of node_ids ${NODE_ID_MESSAGE}` })
  node_ids!: string[];
}

/** A node mapping: the node's values, × scale_factor + offset, become readings of unit_id/sensor_type. */
export class SubscribeOpcuaDto {
  @ApiProperty({ example: 'ns=2;i=123', maxLength: 512 })
  @IsString()
  @MaxLength(512)
  @Matches(NODE_ID, { message: `node_id ${NODE_ID_MESSAGE}` })
  node_id!: string;

  @ApiProperty({ example: 'UNIT001', pattern: IDENTIFIER.source })
  @IsString()
  @Matches(IDENTIFIER, { message: "unit_id must be 1-64 letters, digits, '_' or '-'" })
  unit_id!: string;

  @ApiProperty({ example: 'temperature', pattern: IDENTIFIER.source })
  @IsString()
  @Matches(IDENTIFIER, { message: "sensor_type must be 1-64 letters, digits, '_' or '-'" })
  sensor_type!: string;

  /** Multiplies the raw value (before the offset is added). */
  @ApiPropertyOptional({ example: 0.1, default: 1 })
  @IsOptional()
  @IsNumber({ allowNaN: false, allowInfinity: false })
  @Min(-1e12)
  @Max(1e12)
  scale_factor: number = 1;

  /** Added after scaling. */
  @ApiPropertyOptional({ example: -273.15, default: 0 })
  @IsOptional()
  @IsNumber({ allowNaN: false, allowInfinity: false })
  @Min(-1e12)
  @Max(1e12)
  offset: number = 0;

  /** How often the server samples the node; 0 asks for the fastest rate the server supports. */
  @ApiPropertyOptional({ example: 1000, default: 1000, minimum: 0, maximum: 3_600_000 })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(3_600_000)
  sampling_interval_ms: number = 1000;
}

export class OpcuaCountersResponse {
  /** Data change notifications received. */
  @ApiProperty() data_changes!: number;
  /** Readings sent down the pipeline. */
  @ApiProperty() readings!: number;
  /** Data changes that could not become a reading (no value, not a number). */
  @ApiProperty() rejected!: number;
  @ApiProperty() batches!: number;
}

export class OpcuaStatusResponse {
  @ApiProperty({ enum: ['disabled', 'connecting', 'connected', 'reconnecting', 'disconnected'] })
  state!: OpcuaConnectionState;
  @ApiProperty() connected!: boolean;
  /** OPCUA_SERVER_URL is set, so the client connects at start-up. */
  @ApiProperty() configured!: boolean;
  @ApiPropertyOptional({ example: 'opc.tcp://plc.plant.local:4840' }) endpoint_url?: string;
  @ApiProperty({ enum: OPCUA_SECURITY_MODES }) security_mode!: string;
  @ApiProperty({ enum: OPCUA_SECURITY_POLICIES }) security_policy!: string;
  /** The user of the session; absent when anonymous. The password is never returned. */
  @ApiPropertyOptional() username?: string;
  /** Stored node mappings. */
  @ApiProperty() mappings!: number;
  /** Monitored items on the current subscription (one per mapping: never duplicated by reconnects). */
  @ApiProperty() monitored_items!: number;
  /** Monitored items the server accepted and samples. */
  @ApiProperty() subscribed_nodes!: number;
  /** Lost connections that node-opcua re-established by itself. */
  @ApiProperty() reconnects!: number;
  @ApiProperty() connection_losses!: number;
  @ApiPropertyOptional() last_error?: string;
  @ApiProperty({ type: OpcuaCountersResponse }) counters!: OpcuaCountersResponse;
}

export function toOpcuaStatusResponse(s: OpcuaSnapshot): OpcuaStatusResponse {
  return {
    state: s.state,
    connected: s.connected,
    configured: s.configured,
    endpoint_url: s.endpointUrl,
    security_mode: s.securityMode,
    security_policy: s.securityPolicy,
    username: s.username,
    mappings: s.mappings,
    monitored_items: s.monitoredItems,
    subscribed_nodes: s.subscribedNodes,
    reconnects: s.reconnects,
    connection_losses: s.connectionLosses,
    last_error: s.lastError,
    counters: {
      data_changes: s.dataChanges,
      readings: s.readingsEmitted,
      rejected: s.rejected,
      batches: s.batchesEmitted,
    },
  };
}

export class OpcuaNodeResponse {
  @ApiProperty({ example: 'ns=1;s=UNIT001' }) node_id!: string;
  @ApiProperty({ example: '1:UNIT001' }) browse_name!: string;
  @ApiProperty({ example: 'UNIT001' }) display_name!: string;
  @ApiProperty({ example: 'Object', description: 'Object, Variable, Method, ObjectType, VariableType, ...' })
  node_class!: string;
  /** For variables: Double, Int32, ... (built-in types by name, others by node id). */
  @ApiPropertyOptional({ example: 'Double' }) data_type?: string;
  /** Absent below the requested depth (not browsed); empty when the node has no children. */
  @ApiPropertyOptional({
    type: 'array',
    items: { type: 'object' },
    description: 'Child nodes, each of this same shape',
  })
  children?: OpcuaNodeResponse[];
}

export function toOpcuaNodeResponse(node: BrowsedNode): OpcuaNodeResponse {
  return {
    node_id: node.nodeId,
    browse_name: node.browseName,
    display_name: node.displayName,
    node_class: node.nodeClass,
    data_type: node.dataType,
    children: node.children?.map(toOpcuaNodeResponse),
  };
}

export class OpcuaReadValueResponse {
  @ApiProperty({ example: 'ns=1;s=UNIT001.temperature' }) node_id!: string;
  @ApiProperty({ example: 72.4, description: 'The value as JSON: numbers, text, booleans, dates as ISO text, arrays' })
  value!: unknown;
  @ApiPropertyOptional({ example: 'Double' }) data_type?: string;
  @ApiProperty({ example: 0, description: 'OPC UA status code (0 is Good)' }) status_code!: number;
  @ApiProperty({ example: 'Good' }) status!: string;
  @ApiProperty({ enum: ['GOOD', 'UNCERTAIN', 'BAD'] }) quality!: string;
  @ApiPropertyOptional({ example: '2026-11-27T12:00:00.000Z' }) source_timestamp?: string;
  @ApiPropertyOptional({ example: '2026-11-27T12:00:00.004Z' }) server_timestamp?: string;
}

export class OpcuaReadResponse {
  @ApiProperty({ type: [OpcuaReadValueResponse] }) values!: OpcuaReadValueResponse[];
}

export function toOpcuaReadResponse(results: ReadResult[]): OpcuaReadResponse {
  return {
    values: results.map((r) => ({
      node_id: r.nodeId,
      value: r.value,
      data_type: r.dataType,
      status_code: r.statusCode,
      status: r.status,
      quality: r.quality,
      source_timestamp: r.sourceTimestamp?.toISOString(),
      server_timestamp: r.serverTimestamp?.toISOString(),
    })),
  };
}

export class OpcuaMappingResponse {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ example: 'ns=2;i=123' }) node_id!: string;
  @ApiProperty({ example: 'UNIT001' }) unit_id!: string;
  @ApiProperty({ example: 'temperature' }) sensor_type!: string;
  @ApiProperty({ example: 0.1 }) scale_factor!: number;
  @ApiProperty({ example: -273.15 }) offset!: number;
  @ApiProperty({ example: 1000 }) sampling_interval_ms!: number;
  /** A monitored item for the node exists on the connected server. */
  @ApiProperty() active!: boolean;
  /** Why the server refused to monitor the node, if it did. */
  @ApiPropertyOptional({ example: 'BadNodeIdUnknown (0x80340000)' }) error?: string;
  @ApiProperty({ example: '2026-11-27T12:00:00.000Z' }) created_at!: string;
}

export function toOpcuaMappingResponse(m: MappingState): OpcuaMappingResponse {
  return {
    id: m.id,
    node_id: m.nodeId,
    unit_id: m.unitId,
    sensor_type: m.sensorType,
    scale_factor: m.scaleFactor,
    offset: m.offset,
    sampling_interval_ms: m.samplingIntervalMs,
    active: m.active,
    error: m.error,
    created_at: m.createdAt.toISOString(),
  };
}

export class OpcuaMappingListResponse {
  @ApiProperty({ type: [OpcuaMappingResponse] }) subscriptions!: OpcuaMappingResponse[];
}
