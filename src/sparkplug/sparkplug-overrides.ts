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

/** Overrides kept at most, and metric renames per override: outsiders with an engineer key cannot grow them unbounded. */
export const MAX_OVERRIDES = 10_000;
export const MAX_RENAMES = 1_000;
/** Longest metric name a rename may name (births define longer ones rarely; they keep the default). */
export const MAX_METRIC_NAME = 255;

/** What is wrong with an override's metric renames, one sentence per problem (empty when usable). Pure. */
export function renameProblems(metrics: Readonly<Record<string, unknown>>, identifier: RegExp): string[] {
  const problems: string[] = [];
  const entries = Object.entries(metrics);
  if (entries.length > MAX_RENAMES) problems.push(`metrics may rename at most ${MAX_RENAMES} metrics`);
  const seen = new Map<string, string>();
  for (const [name, sensorType] of entries.slice(0, MAX_RENAMES)) {
    const shown = JSON.stringify(name.slice(0, 80));
    if (name.length === 0 || name.length > MAX_METRIC_NAME) {
      problems.push(`metric name ${shown} must be 1-${MAX_METRIC_NAME} characters`);
    }
    if (typeof sensorType !== 'string' || !identifier.test(sensorType)) {
      problems.push(`metrics[${shown}] must be a sensor type of 1-64 letters, digits, '_' or '-'`);
      continue;
    }
    const other = seen.get(sensorType);
    if (other !== undefined) problems.push(`metrics ${other} and ${shown} both rename to '${sensorType}'`);
    else seen.set(sensorType, shown);
  }
  return problems;
}
