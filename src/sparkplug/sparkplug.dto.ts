import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import type { DeviceView, NodeView } from './sparkplug-host.state.js';

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
