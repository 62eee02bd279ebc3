import { Injectable, type OnModuleInit } from '@nestjs/common';
import type { CommandChannel, OutgoingCommand, SendResult } from '../commands/command-channel.js';
import { CommandChannels } from '../commands/command-channel.js';
import { AppConfig } from '../config/app-config.js';
import { qualityOfStatusCode } from './data-change.mapper.js';
import { toNodeWrite, type WritableType, writableType } from './node-write.converter.js';
import { OpcuaMappingStore } from './opcua-mapping.store.js';
import { OpcuaNodeIoService } from './opcua-node-io.service.js';
import { OpcuaSessionService } from './opcua-session.service.js';
import { withTimeout } from './timeout.js';

/** A write answered with this status code means the node held another type than the one read at first. */
const BAD_TYPE_MISMATCH = 0x80740000;

/**
 * Commands as OPC UA writes (docs/opcua.md): a writable point fed by a node mapping writes the node's Value, the
 * inverse of the mapping's scaling, in the node's data type (read once per node and server). The write's status code
 * is the device's answer at once: Good is the acknowledgement (readback then confirms if configured), any other code
 * is a rejection with its name (BadUserAccessDenied, BadNotWritable, BadTypeMismatch, ...). A value that does not
 * fit the node is not written: the command fails with the reason. Registered with the command service's channel
 * registry from here, so commands/ never names OPC UA.
 */
@Injectable()
export class OpcuaCommandChannel implements CommandChannel, OnModuleInit {
  readonly kind = 'opcua' as const;
  /** Written data type by endpoint and node id: a reconnect to another server reads it again. */
  private readonly types = new Map<string, WritableType>();

  constructor(
    private readonly config: AppConfig,
    private readonly channels: CommandChannels,
    private readonly mappings: OpcuaMappingStore,
    private readonly session: OpcuaSessionService,
    private readonly nodes: OpcuaNodeIoService,
  ) {}

  onModuleInit(): void {
    this.channels.register(this);
  }

  unavailable(): string | undefined {
    return this.session.connected
      ? undefined
      : `the backend is not connected to the OPC UA server (${this.session.snapshot().state})`;
  }

  pointProblem(unitId: string, sensorType: string): string | undefined {
    return this.mappings.forPoint(unitId, sensorType) === undefined
      ? `channel 'opcua' needs an OPC UA node mapping that feeds ${unitId}/${sensorType} (POST /api/v1/scada/opcua/subscribe)`
      : undefined;
  }

  async send(command: OutgoingCommand): Promise<SendResult> {
    const mapping = this.mappings.forPoint(command.unitId, command.sensorType);
    if (mapping === undefined) {
      return { outcome: 'failed', reason: `no OPC UA node mapping feeds ${command.unitId}/${command.sensorType}` };
    }
    const key = `${this.session.endpointUrl ?? ''} ${mapping.nodeId}`;
    const timeoutMs = this.config.opcuaTimeoutMs;
    try {
      let dataType = this.types.get(key);
      if (dataType === undefined) {
        const node = await withTimeout(
          this.nodes.nodeType(mapping.nodeId),
          timeoutMs,
          `no answer within ${timeoutMs} ms`,
        );
        dataType = writableType(node.dataType, node.enumeration);
        if (dataType === undefined) {
          return {
            outcome: 'failed',
            reason: `node '${mapping.nodeId}' holds ${node.dataType ?? 'an unreadable data type'}, which commands cannot write`,
          };
        }
        this.types.set(key, dataType);
      }
      const write = toNodeWrite(command.value, mapping, dataType);
      if (!write.ok) return { outcome: 'failed', reason: `not written: ${write.reason}` };
      // Once: a write that times out may still have happened, so it is failed and never sent again.
      const status = await withTimeout(
        this.nodes.writeValue(mapping.nodeId, write.dataType, write.value),
        timeoutMs,
        `no answer to the write within ${timeoutMs} ms`,
      );
      if (status.code === BAD_TYPE_MISMATCH) this.types.delete(key);
      return qualityOfStatusCode(status.code) === 'GOOD'
        ? { outcome: 'accepted' }
        : { outcome: 'rejected', reason: status.name };
    } catch (err) {
      return { outcome: 'failed', reason: err instanceof Error ? err.message : String(err) };
    }
  }
}
