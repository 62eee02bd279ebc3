import type { Quality, RawReading, RawUnitStatus, UnitStatus } from '../common/bus/event-map.js';
import type { RejectReason } from '../pipeline/pipeline-stats.js';
import { DataType, u64 } from './sparkplug.codec.js';
import type { CommandMetricDef } from './sparkplug-command.encoder.js';
import { sensorTypeOf, unitIdOf } from './sparkplug.mapping.js';
import type { MappingOverrides } from './sparkplug-overrides.js';
import {
  birthRefusal,
  datatypeRefusal,
  isPointDatatype,
  metricValue,
  type PayloadLimits,
  parseSparkplugPayload,
  type SparkplugMetric,
  type SparkplugPayload,
} from './sparkplug-payload.parser.js';
import { parseSparkplugTopic, type SparkplugTopic } from './sparkplug-topic.parser.js';

/** What the host needs to know; all times are the injected clock's epoch milliseconds. */
export interface HostOptions {
  hostId: string;
  /** How long a missing seq may stay missing (a message overtaken by a later one) before a Rebirth is requested. */
  reorderTimeoutMs: number;
  /** Shortest time between two Rebirth requests to one edge node. */
  rebirthIntervalMs: number;
  /** Groups taken in; undefined: all. */
  groups?: ReadonlySet<string>;
  /** Edge nodes tracked at most (births, data before a birth): outsiders cannot grow the map without bound. */
  maxNodes: number;
  /** Payload bounds (SPARKPLUG_MAX_PAYLOAD_BYTES, SPARKPLUG_MAX_METRICS); the parser's defaults when absent. */
  limits?: PayloadLimits;
  /** Engineers' unit and sensor type overrides, applied at each birth. */
  overrides?: MappingOverrides;
}

/** Where a command to a point goes: the edge node (and device) and the birth metric that feeds the point. */
export interface CommandTarget {
  group: string;
  edgeNode: string;
  device?: string;
  metric: CommandMetricDef;
}

export type CommandTargetLookup = { ok: true; target: CommandTarget } | { ok: false; reason: string };

/** A sensor a birth defines (registered with its engineering unit; booleans as digital points). */
export interface PointDeclaration {
  unitId: string;
  sensorType: string;
  engineeringUnit?: string;
  digital: boolean;
}

/** What the host does besides returning readings: the service turns these into MQTT, bus and counter calls. */
export interface HostEffects {
  reject(reason: RejectReason): void;
  rebirth(node: { group: string; edgeNode: string }): void;
  declare(points: PointDeclaration[]): void;
  /** Our STATE was seen offline (a broker restart replayed our will, another instance died): publish online again. */
  republishState(): void;
}

/** What one message adds to the pipeline: readings and unit statuses, acknowledged together. */
export interface Gathered {
  readings: RawReading[];
  statuses: RawUnitStatus[];
}

interface MetricDef {
  name: string;
  alias?: number;
  datatype: number;
  /** UInt32 sent in long_value by the birth: commands use the same field. */
  uint32InLong?: boolean;
  /** Undefined for metrics that are not stored (datasets, templates, arrays, bdSeq, Node Control/*). */
  sensorType?: string;
  /** Last value seen (a number, or a String metric's state name), for the stale readings of a death. */
  last?: number;
  lastState?: string;
}

interface Scope {
  unitId: string;
  /** Undefined for the edge node itself. */
  device?: string;
  byName: Map<string, MetricDef>;
  byAlias: Map<number, MetricDef>;
  online: boolean;
}

export interface DeviceView {
  device: string;
  unitId: string;
  state: 'online' | 'offline';
  metrics: number;
}

/** One edge node as GET /sparkplug/nodes shows it. */
export interface NodeView {
  id: string;
  group: string;
  edgeNode: string;
  state: 'online' | 'offline' | 'unborn';
  bdSeq?: number;
  lastSeq?: number;
  metrics: number;
  devices: DeviceView[];
  lastBirthAt?: number;
  lastDeathAt?: number;
  rebirthRequests: number;
  lastRebirthAt?: number;
}

interface NodeState extends Scope {
  group: string;
  edgeNode: string;
  /** `{group}_{edge node}` sanitised: the unit without an override. */
  defaultUnitId: string;
  /** Ever born: an unborn node only exists to throttle the Rebirths its data asks for. */
  born: boolean;
  bdSeq?: number;
  birthTimestamp?: number;
  expectedSeq?: number;
  lastSeq?: number;
  /** Seq numbers skipped by a later message, with when they went missing. */
  missing: Map<number, number>;
  devices: Map<string, Scope & { device: string }>;
  lastBirthAt?: number;
  lastDeathAt?: number;
  rebirthRequests: number;
  lastRebirthAt?: number;
}

const NONE: Gathered = { readings: [], statuses: [] };
/** Metrics every edge node has that are about Sparkplug, not the process. */
const isControl = (name: string): boolean => name === 'bdSeq' || name.startsWith('Node Control/');

/**
 * The Sparkplug 3.0 host application's view of its edge nodes (pure: no MQTT, no timers, an injected clock).
 * Births define metrics and aliases, data is resolved by alias or name, seq (0–255) is tracked, deaths make points
 * stale; anything that cannot be understood asks the edge node for a Rebirth (throttled) and is counted.
 *
 * Seq gaps: messages are used as they come (readings carry their own time and storage is idempotent), and a seq
 * skipped by a later one is remembered as missing. If it turns up within `reorderTimeoutMs` nothing happens;
 * `tick` requests a Rebirth for a node whose oldest missing seq waited longer.
 *
 * Stale: a death repeats each point's last value at the death's time with quality UNCERTAIN (docs/sparkplug.md).
 */
export class SparkplugHost {
  private readonly nodes = new Map<string, NodeState>();
  /** The born node or device of each unit (the last birth wins where two map to one unit), for commands. */
  private readonly units = new Map<string, { node: NodeState; scope: Scope }>();

  constructor(
    private readonly options: HostOptions,
    private readonly effects: HostEffects,
  ) {}

  /** One MQTT message under `spBv1.0/`. */
  take(topicText: string, bytes: Uint8Array, now: number): Gathered {
    const topic = parseSparkplugTopic(topicText);
    if (topic.kind === 'invalid') return this.refuse('sparkplug_topic_invalid');
    if (topic.kind === 'state') {
      if (topic.hostId === this.options.hostId && !stateOnline(bytes)) this.effects.republishState();
      return NONE;
    }
    if (topic.type === 'NCMD' || topic.type === 'DCMD') return NONE;
    if (this.options.groups !== undefined && !this.options.groups.has(topic.group)) return NONE;
    const parsed = parseSparkplugPayload(bytes, this.options.limits);
    if (!parsed.ok) return this.refuse(parsed.reason);
    return this.apply(topic, parsed.payload, now);
  }

  /** Requests Rebirths for seq gaps older than the reorder timeout. Call it every few hundred milliseconds. */
  tick(now: number): void {
    for (const node of this.nodes.values()) {
      if (!node.online || node.missing.size === 0) continue;
      const oldest = Math.min(...node.missing.values());
      if (now - oldest < this.options.reorderTimeoutMs) continue;
      node.missing.clear();
      this.rebirth(node, now);
    }
  }

  /** Asks an edge node for a Rebirth now (REST), throttling aside; false when the node is unknown. */
  requestRebirth(id: string, now: number): { group: string; edgeNode: string } | undefined {
    return this.askRebirth(this.findNode(id), now);
  }

  /** The same for a node named by its Sparkplug ids (after a mapping change); undefined when it is unknown. */
  requestRebirthOf(group: string, edgeNode: string, now: number): { group: string; edgeNode: string } | undefined {
    return this.askRebirth(this.nodes.get(`${group}/${edgeNode}`), now);
  }

  private askRebirth(node: NodeState | undefined, now: number): { group: string; edgeNode: string } | undefined {
    if (node === undefined) return undefined;
    node.rebirthRequests++;
    node.lastRebirthAt = now;
    return { group: node.group, edgeNode: node.edgeNode };
  }

  nodeViews(): NodeView[] {
    return [...this.nodes.values()].map((n) => ({
      id: n.unitId,
      group: n.group,
      edgeNode: n.edgeNode,
      state: !n.born ? 'unborn' : n.online ? 'online' : 'offline',
      bdSeq: n.bdSeq,
      lastSeq: n.lastSeq,
      metrics: n.byName.size,
      devices: [...n.devices.values()].map((d) => ({
        device: d.device,
        unitId: d.unitId,
        state: d.online ? 'online' : 'offline',
        metrics: d.byName.size,
      })),
      lastBirthAt: n.lastBirthAt,
      lastDeathAt: n.lastDeathAt,
      rebirthRequests: n.rebirthRequests,
      lastRebirthAt: n.lastRebirthAt,
    }));
  }

  /**
   * Where a command to unitId/sensorType goes, or why none can (no birth seen for the unit, node or device offline,
   * no numeric metric of the birth feeds the sensor type, or two do).
   */
  commandTarget(unitId: string, sensorType: string): CommandTargetLookup {
    const entry = this.units.get(unitId);
    if (entry === undefined) {
      return { ok: false, reason: `no Sparkplug birth seen for unit '${unitId}' since the backend started` };
    }
    const { node, scope } = entry;
    const where = `${node.group}/${node.edgeNode}${scope.device === undefined ? '' : `/${scope.device}`}`;
    if (!node.online) return { ok: false, reason: `Sparkplug edge node ${node.group}/${node.edgeNode} is offline` };
    if (!scope.online) return { ok: false, reason: `Sparkplug device ${where} is offline` };
    const defs = [...scope.byName.values()].filter((d) => d.sensorType === sensorType);
    if (defs.length === 0)
      return { ok: false, reason: `no numeric metric of the birth of ${where} feeds '${sensorType}'` };
    if (defs.length > 1) {
      return {
        ok: false,
        reason: `metrics ${defs.map((d) => `'${d.name}'`).join(' and ')} of ${where} both feed '${sensorType}'`,
      };
    }
    const [def] = defs;
    return {
      ok: true,
      target: {
        group: node.group,
        edgeNode: node.edgeNode,
        device: scope.device,
        metric: { name: def.name, alias: def.alias, datatype: def.datatype, uint32InLong: def.uint32InLong },
      },
    };
  }

  /** The node or device whose last birth mapped it to this unit, if any. */
  unitHolder(unitId: string): { group: string; edgeNode: string; device?: string } | undefined {
    const entry = this.units.get(unitId);
    return entry === undefined
      ? undefined
      : { group: entry.node.group, edgeNode: entry.node.edgeNode, device: entry.scope.device };
  }

  private findNode(id: string): NodeState | undefined {
    for (const node of this.nodes.values()) if (node.unitId === id) return node;
    return undefined;
  }

  get counts(): { nodes: number; online: number; devices: number } {
    let online = 0;
    let devices = 0;
    for (const n of this.nodes.values()) {
      if (n.online) online++;
      devices += n.devices.size;
    }
    return { nodes: this.nodes.size, online, devices };
  }

  private apply(topic: Exclude<SparkplugTopic, { kind: 'invalid' | 'state' }>, payload: SparkplugPayload, now: number) {
    const node = this.node(topic.group, topic.edgeNode);
    if (node === undefined) return this.refuse('cardinality_limit');
    switch (topic.type) {
      case 'NBIRTH':
        return this.nodeBirth(node, payload, now);
      case 'NDEATH':
        return this.nodeDeath(node, payload, now);
      case 'NCMD':
      case 'DCMD':
        return NONE;
      case 'NDATA':
      case 'DBIRTH':
      case 'DDEATH':
      case 'DDATA':
        break;
    }
    if (!node.online) {
      this.rebirth(node, now);
      return this.refuse('sparkplug_no_birth');
    }
    this.checkSeq(node, payload.seq, now);
    switch (topic.type) {
      case 'NDATA':
        return this.data(node, node, payload, now);
      case 'DBIRTH':
        return this.deviceBirth(node, topic.device, payload, now);
      case 'DDEATH': {
        const device = node.devices.get(topic.device);
        if (device === undefined || !device.online) return this.refuse('sparkplug_no_birth');
        return this.death([device], now);
      }
      case 'DDATA': {
        const device = node.devices.get(topic.device);
        if (device === undefined || !device.online) {
          this.rebirth(node, now);
          return this.refuse('sparkplug_no_birth');
        }
        return this.data(node, device, payload, now);
      }
    }
  }

  private node(group: string, edgeNode: string): NodeState | undefined {
    const key = `${group}/${edgeNode}`;
    let node = this.nodes.get(key);
    if (node !== undefined) return node;
    const unitId = unitIdOf(group, edgeNode);
    if (unitId === undefined || this.nodes.size >= this.options.maxNodes) return undefined;
    node = {
      unitId,
      defaultUnitId: unitId,
      group,
      edgeNode,
      byName: new Map(),
      byAlias: new Map(),
      online: false,
      born: false,
      missing: new Map(),
      devices: new Map(),
      rebirthRequests: 0,
    };
    this.nodes.set(key, node);
    return node;
  }

  private nodeBirth(node: NodeState, payload: SparkplugPayload, now: number): Gathered {
    const bdSeqMetric = payload.metrics.find((m) => m.name === 'bdSeq');
    const bd = u64(bdSeqMetric?.wire.long_value ?? bdSeqMetric?.wire.int_value);
    if (bd === undefined) {
      this.rebirth(node, now);
      return this.refuse('sparkplug_birth_invalid');
    }
    const refused = birthRefusal(payload);
    if (refused !== undefined) {
      this.rebirth(node, now);
      return this.refuse(refused);
    }
    const stamp = payload.timestamp ?? now;
    // The same session again (a redelivery, a late copy after its death): never revives the node. A new session
    // has another bdSeq, or (edge nodes that keep bdSeq at 0) a later birth time.
    if (node.born && node.bdSeq === bd && node.birthTimestamp !== undefined && stamp <= node.birthTimestamp) {
      return this.refuse('sparkplug_stale_birth');
    }
    node.born = true;
    node.online = true;
    node.bdSeq = bd;
    node.birthTimestamp = stamp;
    node.lastBirthAt = now;
    node.expectedSeq = ((payload.seq ?? 0) + 1) % 256;
    node.lastSeq = payload.seq;
    node.missing.clear();
    for (const device of node.devices.values()) this.unindex(device);
    node.devices.clear();
    this.remap(node, node, this.options.overrides?.find(node.group, node.edgeNode)?.unitId ?? node.defaultUnitId);
    return this.birth(node, node, payload, now);
  }

  private deviceBirth(node: NodeState, device: string, payload: SparkplugPayload, now: number): Gathered {
    const refused = birthRefusal(payload);
    if (refused !== undefined) {
      this.rebirth(node, now);
      return this.refuse(refused);
    }
    const override = this.options.overrides?.find(node.group, node.edgeNode, device);
    let scope = node.devices.get(device);
    if (scope === undefined) {
      const unitId = override?.unitId ?? unitIdOf(node.group, node.edgeNode, device);
      if (unitId === undefined || node.devices.size >= 1000) return this.refuse('cardinality_limit');
      scope = { device, unitId, byName: new Map(), byAlias: new Map(), online: false };
      node.devices.set(device, scope);
    }
    this.remap(node, scope, override?.unitId ?? unitIdOf(node.group, node.edgeNode, device) ?? scope.unitId);
    scope.online = true;
    return this.birth(node, scope, payload, now);
  }

  /** The scope's unit as of this birth (an override may have changed since the last one), indexed for commands. */
  private remap(node: NodeState, scope: Scope, unitId: string): void {
    this.unindex(scope);
    scope.unitId = unitId;
    this.units.set(unitId, { node, scope });
  }

  private unindex(scope: Scope): void {
    if (this.units.get(scope.unitId)?.scope === scope) this.units.delete(scope.unitId);
  }

  /** Defines the scope's metrics from a birth and stores the values it carries. */
  private birth(node: NodeState, scope: Scope, payload: SparkplugPayload, now: number): Gathered {
    scope.byName.clear();
    scope.byAlias.clear();
    const renames = this.options.overrides?.find(node.group, node.edgeNode, scope.device)?.metrics;
    const declarations: PointDeclaration[] = [];
    for (const m of payload.metrics) {
      if (m.name === undefined || m.name === '') {
        this.effects.reject('sparkplug_metric_invalid');
        continue;
      }
      const datatype = m.datatype ?? DataType.Unknown;
      const sensorType =
        isControl(m.name) || !isPointDatatype(datatype)
          ? undefined
          : (ownProperty(renames, m.name) ?? sensorTypeOf(m.name));
      const def: MetricDef = { name: m.name, alias: m.alias, datatype, sensorType };
      if (datatype === DataType.UInt32 && m.wire.long_value !== undefined) def.uint32InLong = true;
      scope.byName.set(m.name, def);
      if (m.alias !== undefined) scope.byAlias.set(m.alias, def);
      if (isControl(m.name)) continue;
      if (!isPointDatatype(datatype)) {
        this.effects.reject(datatypeRefusal(datatype));
        continue;
      }
      if (sensorType === undefined) {
        this.effects.reject('sparkplug_metric_invalid');
        continue;
      }
      declarations.push({
        unitId: scope.unitId,
        sensorType,
        engineeringUnit: m.engineeringUnit,
        digital: datatype === DataType.Boolean,
      });
    }
    if (declarations.length > 0) this.effects.declare(declarations);
    const gathered = this.values(scope, payload, now, true);
    // Host time, like a death's: an edge clock behind ours must not make the birth look older than the death.
    gathered.statuses.push(this.status(scope, 'online', now, now));
    return gathered;
  }

  private data(node: NodeState, scope: Scope, payload: SparkplugPayload, now: number): Gathered {
    const gathered = this.values(scope, payload, now, false);
    if (gathered.unknown) this.rebirth(node, now);
    return gathered;
  }

  /** Readings of the payload's metrics, each resolved by alias or name and read with its birth's datatype. */
  private values(
    scope: Scope,
    payload: SparkplugPayload,
    now: number,
    birth: boolean,
  ): Gathered & { unknown: boolean } {
    const readings: RawReading[] = [];
    let unknown = false;
    for (const m of payload.metrics) {
      if (m.name === undefined || m.name === '') {
        // A birth metric without a name was counted by birth(); a data metric needs its name or its alias.
        if (birth) continue;
        if (m.alias === undefined) {
          this.effects.reject('sparkplug_metric_invalid');
          continue;
        }
      }
      const def = this.resolve(scope, m);
      if (def === undefined) {
        unknown = true;
        this.effects.reject('sparkplug_unknown_metric');
        continue;
      }
      if (def.sensorType === undefined) {
        if (!birth && !isControl(def.name)) this.effects.reject(datatypeRefusal(def.datatype));
        continue;
      }
      if (!birth && m.alias !== undefined && scope.byAlias.get(m.alias) !== def) {
        this.effects.reject('sparkplug_alias_conflict');
        continue;
      }
      if (!birth && m.datatype !== undefined && m.datatype !== def.datatype) {
        this.effects.reject('sparkplug_datatype_mismatch');
        continue;
      }
      const value = metricValue(def.datatype, m.wire);
      if (!value.ok) {
        this.effects.reject(value.reason);
        continue;
      }
      const reading = this.reading(
        scope,
        def.sensorType,
        value.value,
        m.quality,
        m.timestamp ?? payload.timestamp,
        now,
      );
      if (value.stateName !== undefined) reading.stateName = value.stateName;
      // A historical value is a real past value: stored, but neither the live value nor the one a death repeats.
      if (m.wire.is_historical === true) reading.historical = true;
      else {
        def.last = value.value;
        def.lastState = value.stateName;
      }
      readings.push(reading);
    }
    return { readings, statuses: [], unknown };
  }

  private resolve(scope: Scope, m: SparkplugMetric): MetricDef | undefined {
    if (m.alias !== undefined && (m.name === undefined || m.name === '')) return scope.byAlias.get(m.alias);
    return m.name === undefined ? undefined : scope.byName.get(m.name);
  }

  private nodeDeath(node: NodeState, payload: SparkplugPayload, now: number): Gathered {
    const metric = payload.metrics.find((m) => m.name === 'bdSeq');
    const bd = u64(metric?.wire.long_value ?? metric?.wire.int_value);
    if (!node.online || bd !== node.bdSeq) return this.refuse('sparkplug_stale_death');
    node.lastDeathAt = now;
    node.missing.clear();
    return this.death(
      [node, ...node.devices.values()].filter((s) => s.online),
      now,
    );
  }

  /** Points of the scopes go stale (their last value again, UNCERTAIN, at the death's time); units go offline. */
  private death(scopes: Scope[], now: number): Gathered {
    const gathered: Gathered = { readings: [], statuses: [] };
    for (const scope of scopes) {
      scope.online = false;
      for (const def of scope.byName.values()) {
        if (def.sensorType !== undefined && def.last !== undefined) {
          const stale = this.reading(scope, def.sensorType, def.last, 'UNCERTAIN', now, now);
          if (def.lastState !== undefined) stale.stateName = def.lastState;
          gathered.readings.push(stale);
        }
      }
      gathered.statuses.push(this.status(scope, 'offline', now, now));
    }
    return gathered;
  }

  private checkSeq(node: NodeState, seq: number | undefined, now: number): void {
    if (seq === undefined || seq < 0 || seq > 255 || node.expectedSeq === undefined) return;
    node.lastSeq = seq;
    if (seq === node.expectedSeq) {
      node.expectedSeq = (seq + 1) % 256;
      return;
    }
    if (node.missing.delete(seq)) return;
    const ahead = (seq - node.expectedSeq + 256) % 256;
    // More than half the ring behind: a duplicate (redelivery) of something already seen.
    if (ahead >= 128) return;
    for (let i = 0; i < ahead; i++) node.missing.set((node.expectedSeq + i) % 256, now);
    node.expectedSeq = (seq + 1) % 256;
  }

  private rebirth(node: NodeState, now: number): void {
    if (node.lastRebirthAt !== undefined && now - node.lastRebirthAt < this.options.rebirthIntervalMs) return;
    node.lastRebirthAt = now;
    node.rebirthRequests++;
    this.effects.rebirth({ group: node.group, edgeNode: node.edgeNode });
  }

  private reading(
    scope: Scope,
    sensorType: string,
    value: number,
    quality: Quality | undefined,
    timestamp: number | undefined,
    now: number,
  ): RawReading {
    return { unitId: scope.unitId, sensorType, value, quality, timestamp, receivedAt: now, source: 'sparkplug' };
  }

  private status(scope: Scope, status: UnitStatus, timestamp: number | undefined, now: number): RawUnitStatus {
    return { unitId: scope.unitId, status, timestamp: timestamp ?? now, receivedAt: now, source: 'sparkplug' };
  }

  private refuse(reason: RejectReason): Gathered {
    this.effects.reject(reason);
    return NONE;
  }
}

/** A rename of this metric name (never one of Object.prototype's keys). */
function ownProperty(renames: Readonly<Record<string, string>> | undefined, name: string): string | undefined {
  return renames !== undefined && Object.hasOwn(renames, name) ? renames[name] : undefined;
}

/** A STATE payload says online unless it is JSON with `online: false` (other hosts' formats are not ours to judge). */
function stateOnline(bytes: Uint8Array): boolean {
  try {
    const parsed = JSON.parse(Buffer.from(bytes).toString('utf8')) as { online?: unknown };
    return parsed.online !== false;
  } catch {
    return true;
  }
}
