/** An engineer's mapping of one edge node (or one of its devices) to our model, instead of the default. */
export interface MappingOverride {
  id: string;
  groupId: string;
  edgeNodeId: string;
  /** Undefined: the edge node's own metrics. */
  deviceId?: string;
  /** The unit the node's (device's) metrics go to instead of `{group}_{edge node}[_{device}]`. */
  unitId: string;
  /** Metric name (exactly as the birth spells it) → sensor type, instead of the sanitised lower-case name. */
  metrics: Readonly<Record<string, string>>;
  createdAt: Date;
  updatedAt: Date;
}

/** `/` cannot occur in a Sparkplug id, so this key is unambiguous; a device id is never empty. */
export const overrideKey = (group: string, edgeNode: string, device?: string): string =>
  `${group}/${edgeNode}/${device ?? ''}`;

/**
 * The overrides in memory (pure), consulted by the host at each birth: an override changes nothing until the
 * node's next NBIRTH (the device's next DBIRTH), so a unit never changes in the middle of a session.
 */
export class MappingOverrides {
  private readonly byKey = new Map<string, MappingOverride>();

  get size(): number {
    return this.byKey.size;
  }

  all(): MappingOverride[] {
    return [...this.byKey.values()];
  }

  find(group: string, edgeNode: string, device?: string): MappingOverride | undefined {
    return this.byKey.get(overrideKey(group, edgeNode, device));
  }

  byId(id: string): MappingOverride | undefined {
    for (const o of this.byKey.values()) if (o.id === id) return o;
    return undefined;
  }

  /** Another override that maps to this unit (two nodes feeding one unit would interleave their points). */
  holderOf(unitId: string, except?: string): MappingOverride | undefined {
    for (const o of this.byKey.values()) if (o.unitId === unitId && o.id !== except) return o;
    return undefined;
  }

  put(o: MappingOverride): void {
    for (const [key, old] of this.byKey) if (old.id === o.id) this.byKey.delete(key);
    this.byKey.set(overrideKey(o.groupId, o.edgeNodeId, o.deviceId), o);
  }

  remove(id: string): void {
    for (const [key, old] of this.byKey) if (old.id === id) this.byKey.delete(key);
  }
}
