import { ConflictException, Injectable, NotFoundException } from '@nestjs/common';
import { assertUnitInScope, mayAccessUnit, type Principal } from '../common/auth/principal.js';
import type { NodeMapping } from './data-change.mapper.js';
import { OpcuaMappingRepository } from './opcua-mapping.repository.js';

/**
 * The node mappings: stored in the database (OpcuaMappingRepository), held in memory for monitoring and the
 * status. A mapping is addressed by its own id, so its unit is checked against the caller's scope here.
 */
@Injectable()
export class OpcuaMappingStore {
  private readonly mappings = new Map<string, NodeMapping>();

  constructor(private readonly repository: OpcuaMappingRepository) {}

  /** Reads the stored mappings (at start-up). */
  async load(): Promise<void> {
    for (const mapping of await this.repository.list()) this.mappings.set(mapping.id, mapping);
  }

  get size(): number {
    return this.mappings.size;
  }

  all(): NodeMapping[] {
    return [...this.mappings.values()];
  }

  /** The mapping that feeds unit/sensor, if any (a sensor is fed by one node at most). */
  forPoint(unitId: string, sensorType: string): NodeMapping | undefined {
    for (const m of this.mappings.values()) if (m.unitId === unitId && m.sensorType === sensorType) return m;
    return undefined;
  }

  /** The mappings of the units the caller may access. */
  visibleTo(by: Principal): NodeMapping[] {
    return this.all().filter((m) => mayAccessUnit(by, m.unitId));
  }

  /** Stores a new mapping; 409 when its node or its unit sensor is mapped already. */
  async add(request: Omit<NodeMapping, 'id' | 'createdAt'>): Promise<NodeMapping> {
    const inserted = await this.repository.insert(request);
    if (!inserted.ok) {
      const { field, existing } = inserted.conflict;
      throw new ConflictException(
        field === 'node_id'
          ? `Node '${request.nodeId}' is already mapped (to ${existing.unitId}/${existing.sensorType}, id ${existing.id})`
          : `${request.unitId}/${request.sensorType} is already fed by node '${existing.nodeId}' (id ${existing.id})`,
      );
    }
    this.mappings.set(inserted.mapping.id, inserted.mapping);
    return inserted.mapping;
  }

  /** Deletes a mapping of a unit in the caller's scope (403 otherwise; 404 for an unknown id) and returns it. */
  async remove(id: string, by: Principal): Promise<NodeMapping> {
    const mapping = this.mappings.get(id);
    if (mapping) assertUnitInScope(by, mapping.unitId, `OPC UA mapping ${id}`);
    if (!mapping || !(await this.repository.remove(id))) throw new NotFoundException(`Unknown OPC UA mapping '${id}'`);
    this.mappings.delete(id);
    return mapping;
  }
}
