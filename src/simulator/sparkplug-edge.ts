import type { Quality } from '../common/bus/event-map.js';
import { DataType, decodeWire, encodeWire, type WireMetric, type WirePayload } from '../sparkplug/sparkplug.codec.js';
import { unitIdOf as sparkplugUnitIdOf } from '../sparkplug/sparkplug.mapping.js';
import { NAMESPACE } from '../sparkplug/sparkplug-topic.parser.js';
import type { PlantTick } from './plant-model.js';
import { type ControlPoint, CONTROL_POINTS } from './unit-control.js';
import { NORMAL_RANGES, SENSOR_COUNT, SENSOR_INDEX, SENSOR_TYPES } from './unit-model.js';

/** The simulator's Sparkplug edge node: one per plant, one device per unit (docs/sparkplug.md, "Simulator"). */
export const SIMULATOR_EDGE_NODE = 'Simulator';

/** The Sparkplug metric that asks an edge node to publish its births again. */
export const REBIRTH_METRIC = 'Node Control/Rebirth';

/** One MQTT message of the edge node. */
export interface EdgeMessage {
  topic: string;
  payload: Uint8Array;
}

/** What the edge node needs of a unit's writable points: their state now (the setpoint is unset until commanded). */
export interface ControlReadout {
  setpoint: number | undefined;
  pumpOn: boolean;
}

/** What a DCMD asked: the unit, its writable point and the value (booleans as 1/0); or why it was not understood. */
export type DeviceCommand =
  | { ok: true; unitId: string; point: ControlPoint; value: number }
  | { ok: false; unitId: string; reason: 'malformed' | 'not_writable' };

/** The unit's metrics in alias order: its four sensors, then its writable points. */
const METRIC_NAMES: readonly string[] = [...SENSOR_TYPES, ...CONTROL_POINTS];
/** Aliases are unique in the whole edge node: device i's metric j is BASE + i × STRIDE + j. */
const ALIAS_BASE = 1;
const ALIAS_STRIDE = 8;
const SETPOINT = SENSOR_COUNT;
const PUMP = SENSOR_COUNT + 1;

/** Sparkplug/Ignition quality codes of the `Quality` property; GOOD (192) is left out, as edge nodes do. */
const QUALITY_CODE: Readonly<Record<Quality, number>> = { GOOD: 192, UNCERTAIN: 64, BAD: 0 };

function qualityProperty(quality: Quality): WireMetric['properties'] {
  return { keys: ['Quality'], values: [{ type: DataType.Int32, int_value: QUALITY_CODE[quality] }] };
}

interface Device {
  unitId: string;
  /** The unit id the backend's default Sparkplug mapping gives this device. */
  mappedUnitId: string;
  deviceTopic: string;
  dataTopic: string;
  deathTopic: string;
  aliasBase: number;
  /** Born in the current session: its data goes out as DDATA; else its next readings make a DBIRTH. */
  born: boolean;
  /** Writable points whose value changed by a command, reported in the next DDATA (alias → value). */
  changed: Map<number, number>;
}

/**
 * The simulated plant as one Sparkplug B edge node (pure: no MQTT, no clock). Every unit is a device; its DBIRTH
 * carries all six metrics with alias, datatype and engineering unit and goes out with the unit's first readings of
 * the session, its DDATA carries the readings by alias. seq runs 0–255 over every message but NDEATH; bdSeq counts
 * sessions and is what the connection's will (NDEATH) carries. A unit going offline sends a DDEATH; its next
 * readings a new DBIRTH. One payload is encoded per unit and tick.
 */
export class SparkplugEdgeNode {
  readonly nodeTopic: string;
  private readonly devices: Device[] = [];
  private readonly byUnit = new Map<string, Device>();
  private seq = 0;
  /** bdSeq of the session being born (or alive); the next session takes the one after. */
  private bd = 0;
  private lastBirthStamp = 0;

  constructor(
    readonly group: string,
    readonly edgeNode: string,
    units: readonly string[],
    private readonly controls: (unitId: string) => ControlReadout,
  ) {
    this.nodeTopic = `${NAMESPACE}/${group}`;
    units.forEach((unitId, i) => {
      const device: Device = {
        unitId,
        mappedUnitId: sparkplugUnitIdOf(group, edgeNode, unitId) ?? unitId,
        deviceTopic: `${this.nodeTopic}/DBIRTH/${edgeNode}/${unitId}`,
        dataTopic: `${this.nodeTopic}/DDATA/${edgeNode}/${unitId}`,
        deathTopic: `${this.nodeTopic}/DDEATH/${edgeNode}/${unitId}`,
        aliasBase: ALIAS_BASE + i * ALIAS_STRIDE,
        born: false,
        changed: new Map(),
      };
      this.devices.push(device);
      this.byUnit.set(unitId, device);
    });
  }

  get bdSeq(): number {
    return this.bd;
  }

  /** The unit ids the backend's default mapping gives the devices (`{group}_{edge node}_{unit}`). */
  mappedUnitIds(): string[] {
    return this.devices.map((d) => d.mappedUnitId);
  }

  /** The topics to subscribe to before the birth: the node's NCMD and its devices' DCMDs. */
  commandFilters(): string[] {
    return [`${this.nodeTopic}/NCMD/${this.edgeNode}`, `${this.nodeTopic}/DCMD/${this.edgeNode}/+`];
  }

  /** The NDEATH of a session: the connection's will, and what a stop sends explicitly. */
  death(bdSeq: number = this.bd, now?: number): EdgeMessage {
    const payload: WirePayload = { metrics: [{ name: 'bdSeq', datatype: DataType.Int64, long_value: bdSeq }] };
    if (now !== undefined) payload.timestamp = now;
    return { topic: `${this.nodeTopic}/NDEATH/${this.edgeNode}`, payload: encodeWire(payload) };
  }

  /** A new session begins with this bdSeq (the will of the connection carries it); returns the next session's. */
  startSession(bdSeq: number): number {
    this.bd = bdSeq;
    return (bdSeq + 1) % 256;
  }

  /**
   * The NBIRTH (seq 0) of the current session, also the answer to a Rebirth: every device is unborn again and
   * sends its DBIRTH with its next readings. The birth time never repeats, so a host can tell a rebirth from a copy.
   */
  birth(now: number): EdgeMessage {
    this.seq = 0;
    for (const device of this.devices) device.born = false;
    this.lastBirthStamp = Math.max(now, this.lastBirthStamp + 1);
    const payload: WirePayload = {
      timestamp: this.lastBirthStamp,
      seq: this.nextSeq(),
      metrics: [
        { name: 'bdSeq', datatype: DataType.Int64, long_value: this.bd },
        { name: REBIRTH_METRIC, datatype: DataType.Boolean, boolean_value: false },
      ],
    };
    return { topic: `${this.nodeTopic}/NBIRTH/${this.edgeNode}`, payload: encodeWire(payload) };
  }

  /** A tick's messages: DDEATH for units gone offline, then per unit with readings its DBIRTH or DDATA. */
  tick(tick: PlantTick, out: EdgeMessage[]): void {
    for (const change of tick.statusChanges) {
      const device = this.byUnit.get(change.unit_id);
      if (change.status === 'offline' && device?.born) out.push(this.deviceDeath(device, Date.parse(change.timestamp)));
    }
    const readings = tick.readings;
    let start = 0;
    while (start < readings.length) {
      // A unit's readings are consecutive in a tick, in sensor order.
      const unitId = readings[start].unit_id;
      let end = start + 1;
      while (end < readings.length && readings[end].unit_id === unitId) end++;
      const device = this.byUnit.get(unitId);
      if (device !== undefined) {
        const stamp = Date.parse(readings[start].timestamp);
        const metrics: WireMetric[] = [];
        for (let i = start; i < end; i++) {
          const r = readings[i];
          const index = SENSOR_INDEX[r.sensor_type];
          const metric: WireMetric = device.born
            ? { alias: device.aliasBase + index, double_value: r.value }
            : this.definition(device, index, { double_value: r.value });
          if (r.quality !== 'GOOD') {
            metric.properties = device.born
              ? qualityProperty(r.quality)
              : mergeProperties(metric.properties, qualityProperty(r.quality));
          }
          metrics.push(metric);
        }
        out.push(device.born ? this.deviceData(device, metrics, stamp) : this.deviceBirth(device, metrics, stamp));
      }
      start = end;
    }
  }

  /** The DDEATH of every born device: what a stop sends before the NDEATH. */
  deviceDeaths(now: number): EdgeMessage[] {
    return this.devices.filter((d) => d.born).map((d) => this.deviceDeath(d, now));
  }

  /** Whether an NCMD asks for a Rebirth (`Node Control/Rebirth` = true). Never throws. */
  isRebirthRequest(bytes: Uint8Array): boolean {
    const payload = safeDecode(bytes);
    return payload?.metrics?.some((m) => m.name === REBIRTH_METRIC && m.boolean_value === true) ?? false;
  }

  /** The commands of a DCMD (`spBv1.0/{group}/DCMD/{edge node}/{device}`): one per metric. Never throws. */
  deviceCommands(device: string, bytes: Uint8Array): DeviceCommand[] {
    const target = this.byUnit.get(device);
    if (target === undefined) return [];
    const payload = safeDecode(bytes);
    if (payload === undefined) return [{ ok: false, unitId: target.unitId, reason: 'malformed' }];
    return (payload.metrics ?? []).map((m) => {
      const index =
        m.name !== undefined && m.name !== ''
          ? METRIC_NAMES.indexOf(m.name)
          : m.alias === undefined
            ? -1
            : Number(m.alias) - target.aliasBase;
      if (index !== SETPOINT && index !== PUMP) {
        return {
          ok: false,
          unitId: target.unitId,
          reason: index < 0 || index >= ALIAS_STRIDE ? 'malformed' : 'not_writable',
        };
      }
      const value = commandValue(m);
      if (value === undefined) return { ok: false, unitId: target.unitId, reason: 'malformed' };
      return { ok: true, unitId: target.unitId, point: METRIC_NAMES[index] as ControlPoint, value };
    });
  }

  /** A commanded point's new value, reported in the unit's next DDATA (its readback). */
  report(unitId: string, point: ControlPoint, value: number): void {
    const device = this.byUnit.get(unitId);
    if (device === undefined) return;
    device.changed.set(device.aliasBase + (point === 'pump' ? PUMP : SETPOINT), value);
  }

  private definition(device: Device, index: number, value: Partial<WireMetric>): WireMetric {
    const name = METRIC_NAMES[index];
    const metric: WireMetric = {
      name,
      alias: device.aliasBase + index,
      datatype: index === PUMP ? DataType.Boolean : DataType.Double,
      ...value,
    };
    const engUnit = index < SENSOR_COUNT ? NORMAL_RANGES[SENSOR_TYPES[index]].unit : index === SETPOINT ? '°C' : '';
    if (engUnit !== '')
      metric.properties = { keys: ['engUnit'], values: [{ type: DataType.String, string_value: engUnit }] };
    return metric;
  }

  private deviceBirth(device: Device, sensors: WireMetric[], stamp: number): EdgeMessage {
    const control = this.controls(device.unitId);
    const setpoint = control.setpoint === undefined ? { is_null: true } : { double_value: control.setpoint };
    sensors.push(
      this.definition(device, SETPOINT, setpoint),
      this.definition(device, PUMP, { boolean_value: control.pumpOn }),
    );
    device.born = true;
    device.changed.clear();
    const payload: WirePayload = { timestamp: stamp, seq: this.nextSeq(), metrics: sensors };
    return { topic: device.deviceTopic, payload: encodeWire(payload) };
  }

  private deviceData(device: Device, metrics: WireMetric[], stamp: number): EdgeMessage {
    if (device.changed.size > 0) {
      for (const [alias, value] of device.changed) {
        metrics.push(
          alias - device.aliasBase === PUMP ? { alias, boolean_value: value === 1 } : { alias, double_value: value },
        );
      }
      device.changed.clear();
    }
    const payload: WirePayload = { timestamp: stamp, seq: this.nextSeq(), metrics };
    return { topic: device.dataTopic, payload: encodeWire(payload) };
  }

  private deviceDeath(device: Device, now: number): EdgeMessage {
    device.born = false;
    return { topic: device.deathTopic, payload: encodeWire({ timestamp: now, seq: this.nextSeq() }) };
  }

  private nextSeq(): number {
    const seq = this.seq;
    this.seq = (seq + 1) % 256;
    return seq;
  }
}

function mergeProperties(a: WireMetric['properties'], b: WireMetric['properties']): WireMetric['properties'] {
  if (a === undefined) return b;
  if (b === undefined) return a;
  return { keys: [...(a.keys ?? []), ...(b.keys ?? [])], values: [...(a.values ?? []), ...(b.values ?? [])] };
}

function safeDecode(bytes: Uint8Array): WirePayload | undefined {
  try {
    return decodeWire(bytes);
  } catch {
    return undefined;
  }
}

/** The value a command metric carries, whatever numeric field it came in; booleans as 1/0. */
function commandValue(m: WireMetric): number | undefined {
  if (m.boolean_value !== undefined) return m.boolean_value ? 1 : 0;
  const raw =
    m.double_value ?? m.float_value ?? m.int_value ?? (m.long_value === undefined ? undefined : Number(m.long_value));
  return typeof raw === 'number' && Number.isFinite(raw) ? raw : undefined;
}
