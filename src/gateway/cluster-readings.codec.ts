import { QUALITIES, type Quality } from '../common/bus/event-map.js';
import { IDENTIFIER } from '../common/identifier.js';
import type { LiveReading, OutgoingUnitReadings, RemoteUnitReadings } from './live-reading.js';

/** The wire format's version; a message of another version does not decode (counted as malformed). */
const VERSION = 1;

/**
 * One unit's readings, column by column. Sensor types are named once per unit (`k`) and referred to by index
 * (`s`); times are epoch ms as offsets from the batch's `t0` (small numbers, no date text to parse); qualities are
 * indexes into QUALITIES; `n` (state names) is present only when some reading has one, `null` elsewhere.
 */
interface WireUnit {
  u: string;
  k: string[];
  s: number[];
  t: number[];
  v: number[];
  q: number[];
  n?: (string | null)[];
}

interface WireBatch {
  v: typeof VERSION;
  t0: number;
  units: WireUnit[];
}

const QUALITY_CODE = new Map<Quality, number>(QUALITIES.map((q, i) => [q, i]));

/** Date's range: a time beyond it has no ISO form. */
const MAX_TIME_MS = 8.64e15;

const isIndex = (value: unknown, size: number): value is number =>
  Number.isInteger(value) && (value as number) >= 0 && (value as number) < size;

/**
 * The instance-to-instance form of a fan-out batch (`scada.readings`): unit-grouped columns with numeric times,
 * so the receiver formats each timestamp once for its clients instead of parsing ISO text, and the message is a
 * fraction of the `sensor_data` objects' size. Versioned and checked field by field: a peer's message that does
 * not decode gives undefined, never a throw, and nothing half-decoded is delivered. Pure: no I/O.
 */
export class ClusterReadingsCodec {
  encode(units: readonly OutgoingUnitReadings[]): WireBatch {
    let t0 = Infinity;
    for (const unit of units) for (const time of unit.times) if (time < t0) t0 = time;
    if (!Number.isFinite(t0)) t0 = 0;
    const out: WireUnit[] = [];
    for (const { unitId, readings, times } of units) {
      const sensorIndex = new Map<string, number>();
      const wire: WireUnit = { u: unitId, k: [], s: [], t: [], v: [], q: [] };
      let states: (string | null)[] | undefined;
      for (let i = 0; i < readings.length; i++) {
        const r = readings[i];
        let index = sensorIndex.get(r.sensor_type);
        if (index === undefined) {
          index = wire.k.length;
          sensorIndex.set(r.sensor_type, index);
          wire.k.push(r.sensor_type);
        }
        wire.s.push(index);
        wire.t.push(times[i] - t0);
        wire.v.push(r.value);
        wire.q.push(QUALITY_CODE.get(r.quality) ?? 0);
        if (r.state !== undefined) {
          states ??= new Array<string | null>(i).fill(null);
          states.push(r.state);
        } else states?.push(null);
      }
      if (states) wire.n = states;
      out.push(wire);
    }
    return { v: VERSION, t0, units: out };
  }

  /** The batch's readings per unit, or undefined when the message is not a batch of this version. */
  decode(message: unknown): RemoteUnitReadings[] | undefined {
    const batch = message as Partial<WireBatch> | null;
    if (typeof batch !== 'object' || batch === null || batch.v !== VERSION) return undefined;
    const { t0, units } = batch;
    if (typeof t0 !== 'number' || !Number.isFinite(t0) || !Array.isArray(units)) return undefined;
    const decoded: RemoteUnitReadings[] = [];
    for (const unit of units as unknown[]) {
      const one = this.decodeUnit(unit, t0);
      if (one === undefined) return undefined;
      decoded.push(one);
    }
    return decoded;
  }

  private decodeUnit(value: unknown, t0: number): RemoteUnitReadings | undefined {
    const w = value as Partial<WireUnit> | null;
    if (typeof w !== 'object' || w === null || typeof w.u !== 'string' || !IDENTIFIER.test(w.u)) return undefined;
    const { k, s, t, v, q, n } = w;
    if (!Array.isArray(k) || !Array.isArray(s) || !Array.isArray(t) || !Array.isArray(v) || !Array.isArray(q)) {
      return undefined;
    }
    const length = s.length;
    if (t.length !== length || v.length !== length || q.length !== length) return undefined;
    if (n !== undefined && (!Array.isArray(n) || n.length !== length)) return undefined;
    if (!k.every((type) => typeof type === 'string' && IDENTIFIER.test(type))) return undefined;
    const readings = new Array<LiveReading>(length);
    const times = new Array<number>(length);
    for (let i = 0; i < length; i++) {
      const sensor = s[i];
      const offset = t[i];
      const reading = v[i];
      const quality = q[i];
      if (!isIndex(sensor, k.length) || !isIndex(quality, QUALITIES.length)) return undefined;
      if (typeof offset !== 'number' || typeof reading !== 'number' || !Number.isFinite(reading)) return undefined;
      const time = t0 + offset;
      if (!(Math.abs(time) <= MAX_TIME_MS)) return undefined;
      const live: LiveReading = {
        sensor_type: k[sensor],
        value: reading,
        quality: QUALITIES[quality],
        timestamp: new Date(time).toISOString(),
      };
      const state = n?.[i];
      if (typeof state === 'string') live.state = state;
      else if (state !== undefined && state !== null) return undefined;
      readings[i] = live;
      times[i] = time;
    }
    return { unit_id: w.u, readings, times };
  }
}
