import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsObject, IsOptional, IsString, Matches } from 'class-validator';
import { IDENTIFIER } from '../common/identifier.js';
import type { DeviceView, NodeView } from './sparkplug-host.state.js';
import type { MappingOverride } from './sparkplug-overrides.js';
import { SPARKPLUG_ID } from './sparkplug-topic.parser.js';

export class SparkplugDeviceResponse {
  /** Sparkplug device id. */
  @ApiProperty() device!: string;
  /** Our unit of the device ({group}_{edge node}_{device}, sanitised). */
  @ApiProperty() unit_id!: string;
  @ApiProperty({ enum: ['online', 'offline'] }) state!: string;
  /** Metrics its DBIRTH defined. */
  @ApiProperty() metrics!: number;
}

export class SparkplugNodeResponse {
  /** The node's unit id ({group}_{edge node}, sanitised): the {id} of the rebirth route. */
  @ApiProperty() id!: string;
  @ApiProperty() group_id!: string;
  @ApiProperty() edge_node_id!: string;
  /** `unborn`: seen only through data before any birth (a Rebirth was requested). */
  @ApiProperty({ enum: ['online', 'offline', 'unborn'] }) state!: string;
  @ApiPropertyOptional() bd_seq?: number;
  @ApiPropertyOptional() last_seq?: number;
  /** Metrics its NBIRTH defined. */
  @ApiProperty() metrics!: number;
  @ApiProperty({ type: [SparkplugDeviceResponse] }) devices!: SparkplugDeviceResponse[];
  @ApiPropertyOptional() last_birth_at?: string;
  @ApiPropertyOptional() last_death_at?: string;
  /** Rebirths asked of it since start (automatic and over REST). */
  @ApiProperty() rebirth_requests!: number;
  @ApiPropertyOptional() last_rebirth_at?: string;
}

const iso = (ms: number | undefined): string | undefined => (ms === undefined ? undefined : new Date(ms).toISOString());

function toDevice(d: DeviceView): SparkplugDeviceResponse {
  return { device: d.device, unit_id: d.unitId, state: d.state, metrics: d.metrics };
}

export function toSparkplugNodeResponse(n: NodeView): SparkplugNodeResponse {
  return {
    id: n.id,
    group_id: n.group,
    edge_node_id: n.edgeNode,
    state: n.state,
    bd_seq: n.bdSeq,
    last_seq: n.lastSeq,
    metrics: n.metrics,
    devices: n.devices.map(toDevice),
    last_birth_at: iso(n.lastBirthAt),
    last_death_at: iso(n.lastDeathAt),
    rebirth_requests: n.rebirthRequests,
    last_rebirth_at: iso(n.lastRebirthAt),
  };
}

const SPARKPLUG_ID_MESSAGE = "must be 1-128 characters without '/', '+' or '#' (a Sparkplug id)";

/** An override of the default mapping of one edge node, or of one of its devices. */
export class SparkplugMappingDto {
  /** Sparkplug group id, as in the topic. */
  @ApiProperty({ example: 'Plant1' })
  @IsString()
  @Matches(SPARKPLUG_ID, { message: `group_id ${SPARKPLUG_ID_MESSAGE}` })
  group_id!: string;

  /** Edge node id, as in the topic. */
  @ApiProperty({ example: 'Line2' })
  @IsString()
  @Matches(SPARKPLUG_ID, { message: `edge_node_id ${SPARKPLUG_ID_MESSAGE}` })
  edge_node_id!: string;

  /** Device id, for a device's metrics (DBIRTH/DDATA); absent for the edge node's own (NBIRTH/NDATA). */
  @ApiPropertyOptional({ example: 'Pump1' })
  @IsOptional()
  @IsString()
  @Matches(SPARKPLUG_ID, { message: `device_id ${SPARKPLUG_ID_MESSAGE}` })
  device_id?: string;

  /** The unit the metrics go to instead of `{group}_{edge node}[_{device}]`; no other override may use it. */
  @ApiProperty({ example: 'BOILER_1' })
  @IsString()
  @Matches(IDENTIFIER, { message: "unit_id must be 1-64 letters, digits, '_' or '-'" })
  unit_id!: string;

  /**
   * Metric name (exactly as the birth spells it) → sensor type, instead of the sanitised lower-case name; at most
   * 1,000, each sensor type once. Metrics not named keep the default.
   */
  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: { type: 'string' },
    example: { 'Motor/Speed': 'pump_speed' },
  })
  @IsOptional()
  @IsObject()
  metrics?: Record<string, string>;
}

export class SparkplugMappingResponse {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty() group_id!: string;
  @ApiProperty() edge_node_id!: string;
  /** Null: the edge node's own metrics. */
  @ApiProperty({ type: String, nullable: true }) device_id!: string | null;
  @ApiProperty() unit_id!: string;
  /** The unit without this override. */
  @ApiProperty() default_unit_id!: string;
  @ApiProperty({ type: 'object', additionalProperties: { type: 'string' } }) metrics!: Record<string, string>;
  @ApiProperty() created_at!: string;
  @ApiProperty() updated_at!: string;
  /**
   * Changes only: whether a Rebirth NCMD went to the edge node so the change applies now (the node is known and the
   * broker connected); otherwise it applies at the node's next birth.
   */
  @ApiPropertyOptional() rebirth_requested?: boolean;
}

export class SparkplugMappingListResponse {
  @ApiProperty({ type: [SparkplugMappingResponse] }) mappings!: SparkplugMappingResponse[];
}

export function toSparkplugMappingResponse(
  o: MappingOverride,
  defaultUnitId: string,
  rebirthRequested?: boolean,
): SparkplugMappingResponse {
  return {
    id: o.id,
    group_id: o.groupId,
    edge_node_id: o.edgeNodeId,
    device_id: o.deviceId ?? null,
    unit_id: o.unitId,
    default_unit_id: defaultUnitId,
    metrics: { ...o.metrics },
    created_at: o.createdAt.toISOString(),
    updated_at: o.updatedAt.toISOString(),
    rebirth_requested: rebirthRequested,
  };
}
