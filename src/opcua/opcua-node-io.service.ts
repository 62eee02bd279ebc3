import { BadGatewayException, BadRequestException, Injectable, NotFoundException } from '@nestjs/common';
import type { ClientSession, ReferenceDescription } from 'node-opcua';
import { nodeOpcua } from '../common/lazy/node-opcua.loader.js';
import { qualityOfStatusCode } from './data-change.mapper.js';
import type { WritableType } from './node-write.converter.js';
import { jsonValue } from './variant-json.mapper.js';
import { OpcuaSessionService } from './opcua-session.service.js';

/** A node and, down to the requested depth, its children. */
export interface BrowsedNode {
  nodeId: string;
  browseName: string;
  displayName: string;
  nodeClass: string;
  dataType?: string;
  children?: BrowsedNode[];
}

/** A node's current value as read. */
export interface ReadResult {
  nodeId: string;
  value: unknown;
  dataType?: string;
  statusCode: number;
  status: string;
  quality: 'GOOD' | 'UNCERTAIN' | 'BAD';
  sourceTimestamp?: Date;
  serverTimestamp?: Date;
}

/** Most nodes one browse call returns, whatever the depth: a browse of a big server must not build megabytes. */
const MAX_BROWSE_NODES = 2000;

/** How many more nodes a browse may add. */
interface Budget {
  left: number;
}

/**
 * Requests on the nodes of the connected server, on the current session: browsing the address space and reading
 * values, and writing a value for the OPC UA command channel. Each fails with the HTTP error a user can act on: 503 while not connected,
 * 404 for an unknown node, 400 for an invalid one, 502 when the server fails the request.
 */
@Injectable()
export class OpcuaNodeIoService {
  constructor(private readonly session: OpcuaSessionService) {}

  /** Browses from `nodeId` down `depth` levels of hierarchical references. */
  async browse(nodeId: string, depth: number): Promise<BrowsedNode> {
    const session = this.session.requireSession();
    try {
      const { AttributeIds, NodeClass } = nodeOpcua();
      const [browseName, displayName, nodeClass, dataType] = await session.read(
        [AttributeIds.BrowseName, AttributeIds.DisplayName, AttributeIds.NodeClass, AttributeIds.DataType].map(
          (attributeId) => ({ nodeId, attributeId }),
        ),
      );
      this.throwIfUnknown(nodeId, browseName.statusCode.value);
      const root: BrowsedNode = {
        nodeId,
        browseName: String(browseName.value.value),
        displayName: String((displayName.value.value as { text?: string } | null)?.text ?? ''),
        nodeClass: NodeClass[Number(nodeClass.value.value)] ?? String(nodeClass.value.value),
        dataType: dataType.statusCode.value === 0 ? dataTypeName(dataType.value.value) : undefined,
      };
      const budget = { left: MAX_BROWSE_NODES };
      await this.browseChildren(session, [root], depth, budget);
      return root;
    } catch (err) {
      throw this.session.toHttpError(err);
    }
  }

  /** Reads the Value attribute of each node, with its status code and both timestamps. */
  async read(nodeIds: string[]): Promise<ReadResult[]> {
    const session = this.session.requireSession();
    const { AttributeIds } = nodeOpcua();
    try {
      const values = await session.read(
        nodeIds.flatMap((nodeId) => [
          { nodeId, attributeId: AttributeIds.Value },
          { nodeId, attributeId: AttributeIds.DataType },
        ]),
        0,
      );
      const unknown = nodeIds.filter((_, i) => isUnknownNode(values[2 * i].statusCode.value));
      if (unknown.length > 0) {
        throw new NotFoundException(`Unknown node id(s) on ${session.endpoint.endpointUrl}: ${unknown.join(', ')}`);
      }
      return nodeIds.map((nodeId, i) => {
        const dv = values[2 * i];
        const type = values[2 * i + 1];
        const code = dv.statusCode.value;
        return {
          nodeId,
          value: jsonValue(dv.value.value),
          dataType: type.statusCode.value === 0 ? dataTypeName(type.value.value) : undefined,
          statusCode: code,
          status: dv.statusCode.name,
          quality: qualityOfStatusCode(code),
          sourceTimestamp: dv.sourceTimestamp ?? undefined,
          serverTimestamp: dv.serverTimestamp ?? undefined,
        };
      });
    } catch (err) {
      throw this.session.toHttpError(err);
    }
  }

  /**
   * What a node holds, for writing it: its DataType attribute by name, and whether it is an enumeration (a DataType
   * that is no built-in type while the value is an Int32). Read once per node by the OPC UA command channel.
   */
  async nodeType(nodeId: string): Promise<{ dataType?: string; enumeration: boolean }> {
    const session = this.session.requireSession();
    const { AttributeIds, DataType } = nodeOpcua();
    const [type, value] = await session.read([
      { nodeId, attributeId: AttributeIds.DataType },
      { nodeId, attributeId: AttributeIds.Value },
    ]);
    if (type.statusCode.value !== 0) return { enumeration: false };
    const dataType = dataTypeName(type.value.value);
    const builtIn = dataType !== undefined && !dataType.includes('=');
    return { dataType, enumeration: !builtIn && value.value.dataType === DataType.Int32 };
  }

  /** Writes the Value attribute as `dataType`; answers the server's status code (Good, or why not). */
  async writeValue(
    nodeId: string,
    dataType: WritableType,
    value: number | boolean,
  ): Promise<{ code: number; name: string }> {
    const session = this.session.requireSession();
    const { AttributeIds, DataType } = nodeOpcua();
    const status = await session.write({
      nodeId,
      attributeId: AttributeIds.Value,
      value: { value: { dataType: DataType[dataType], value } },
    });
    return { code: status.value, name: status.name };
  }

  /** Fails unless the server knows `nodeId` and lets it be read (before monitoring it). */
  async assertReadable(nodeId: string): Promise<void> {
    const session = this.session.requireSession();
    let code: number;
    try {
      const [dv] = await session.read([{ nodeId, attributeId: nodeOpcua().AttributeIds.NodeClass }]);
      code = dv.statusCode.value;
    } catch (err) {
      throw this.session.toHttpError(err);
    }
    this.throwIfUnknown(nodeId, code);
    if (code !== 0) throw new BadGatewayException(`The server refused to read node '${nodeId}': ${hex(code)}`);
  }

  /** Browses every node of `level`, then the next level, until the depth or the budget runs out. */
  private async browseChildren(session: ClientSession, level: BrowsedNode[], depth: number, budget: Budget) {
    if (depth <= 0 || level.length === 0 || budget.left <= 0) return;
    const { AttributeIds, BrowseDirection, NodeClass } = nodeOpcua();
    const results = await session.browse(
      level.map((node) => ({
        nodeId: node.nodeId,
        browseDirection: BrowseDirection.Forward,
        referenceTypeId: 'HierarchicalReferences',
        includeSubtypes: true,
        nodeClassMask: 0,
        resultMask: 0x3f,
      })),
    );
    const next: BrowsedNode[] = [];
    const variables: BrowsedNode[] = [];
    results.forEach((result, i) => {
      const parent = level[i];
      parent.children = [];
      for (const ref of result.references ?? []) {
        if (budget.left <= 0) break;
        budget.left--;
        const child = toBrowsedNode(ref);
        parent.children.push(child);
        next.push(child);
        if (Number(ref.nodeClass) === Number(NodeClass.Variable)) variables.push(child);
      }
    });
    if (variables.length > 0) {
      const types = await session.read(
        variables.map((v) => ({ nodeId: v.nodeId, attributeId: AttributeIds.DataType })),
      );
      types.forEach((t, i) => {
        if (t.statusCode.value === 0) variables[i].dataType = dataTypeName(t.value.value);
      });
    }
    await this.browseChildren(session, next, depth - 1, budget);
  }

  private throwIfUnknown(nodeId: string, code: number): void {
    if (isUnknownNode(code)) {
      throw new NotFoundException(`Unknown node id '${nodeId}' on ${this.session.endpointUrl ?? 'the server'}`);
    }
    if (code === nodeOpcua().StatusCodes.BadNodeIdInvalid.value) {
      throw new BadRequestException(`Invalid node id '${nodeId}'`);
    }
  }
}

function toBrowsedNode(ref: ReferenceDescription): BrowsedNode {
  return {
    nodeId: ref.nodeId.toString(),
    browseName: ref.browseName.toString(),
    displayName: ref.displayName.text ?? '',
    nodeClass: nodeOpcua().NodeClass[ref.nodeClass] ?? String(ref.nodeClass),
  };
}

/** Built-in data types by name (Double, Int32, ...); others by their node id. */
function dataTypeName(value: unknown): string | undefined {
  if (value === null || value === undefined) return undefined;
  const id = value as { namespace?: number; value?: unknown; toString(): string };
  if (id.namespace === 0 && typeof id.value === 'number') {
    const name = nodeOpcua().DataType[id.value] as string | undefined;
    if (name !== undefined) return name;
  }
  return id.toString();
}

function isUnknownNode(code: number): boolean {
  return code === nodeOpcua().StatusCodes.BadNodeIdUnknown.value;
}

function hex(code: number): string {
  return `0x${code.toString(16).padStart(8, '0')}`;
}
