import type { Quality } from '../common/bus/event-map.js';
import type { RejectReason } from '../pipeline/pipeline-stats.js';
import { DataType, decodeWire, s64, u64, type WireMetric, type WirePropertyValue } from './sparkplug.codec.js';
import './sparkplug.events.js';

/** Largest payload taken in; the MQTT packet limit usually bites first. */
export const MAX_PAYLOAD_BYTES = 1024 * 1024;
/** Most metrics in one payload: a birth of a large edge node has a few thousand. */
export const MAX_METRICS = 10_000;

/** A metric as it came, its value not yet read (a data metric's datatype is its birth's). */
export interface SparkplugMetric {
  name?: string;
  alias?: number;
  /** Epoch milliseconds. */
  timestamp?: number;
  datatype?: number;
  isNull: boolean;
  wire: WireMetric;
  /** Properties `engUnit` (or `engineeringUnit`, `units`), any case. */
  engineeringUnit?: string;
  /** Property `Quality` (Int32: 192 GOOD, 500 stale, 0 BAD; OPC classic ranges otherwise). */
  quality?: Quality;
}

export interface SparkplugPayload {
  /** Epoch milliseconds. */
  timestamp?: number;
  seq?: number;
  metrics: SparkplugMetric[];
}

export type PayloadParse = { ok: true; payload: SparkplugPayload } | { ok: false; reason: RejectReason };

const UNIT_KEYS = new Set(['engunit', 'engineeringunit', 'units']);

/** Sparkplug/Ignition quality codes: 192 good, 500 stale; the rest read like OPC classic's quality byte. */
function qualityOf(code: number): Quality {
  if (code === 500) return 'UNCERTAIN';
  if (code >= 192 && code <= 255) return 'GOOD';
  if (code >= 64 && code < 192) return 'UNCERTAIN';
  return 'BAD';
}

function properties(metric: WireMetric): { engineeringUnit?: string; quality?: Quality } {
  const keys = metric.properties?.keys ?? [];
  const values: WirePropertyValue[] = metric.properties?.values ?? [];
  const found: { engineeringUnit?: string; quality?: Quality } = {};
  for (let i = 0; i < keys.length && i < values.length; i++) {
    const key = keys[i].toLowerCase();
    const value = values[i];
    if (value.is_null) continue;
    if (UNIT_KEYS.has(key) && typeof value.string_value === 'string' && value.string_value.length > 0) {
      found.engineeringUnit = value.string_value.slice(0, 32);
    } else if (key === 'quality') {
      const code = value.int_value ?? u64(value.long_value);
      if (code !== undefined) found.quality = qualityOf(code | 0);
    }
  }
  return found;
}

/**
 * Reads a Sparkplug B payload (pure, no I/O): protobuf first (anything it cannot read is
 * `sparkplug_payload_invalid`), then bounds, then each metric's envelope. Values are read later by
 * `metricValue`, with the datatype of the metric's birth.
 */
export function parseSparkplugPayload(bytes: Uint8Array): PayloadParse {
  if (bytes.length > MAX_PAYLOAD_BYTES) return { ok: false, reason: 'sparkplug_payload_too_large' };
  let wire;
  try {
    wire = decodeWire(bytes);
  } catch {
    return { ok: false, reason: 'sparkplug_payload_invalid' };
  }
  const raw = wire.metrics ?? [];
  if (raw.length > MAX_METRICS) return { ok: false, reason: 'sparkplug_too_many_metrics' };
  const metrics: SparkplugMetric[] = raw.map((m) => ({
    name: m.name,
    alias: u64(m.alias),
    timestamp: u64(m.timestamp),
    datatype: m.datatype,
    isNull: m.is_null === true,
    wire: m,
    ...properties(m),
  }));
  return { ok: true, payload: { timestamp: u64(wire.timestamp), seq: u64(wire.seq), metrics } };
}

export type MetricValue = { ok: true; value: number } | { ok: false; reason: RejectReason };

const mismatch: MetricValue = { ok: false, reason: 'sparkplug_value_mismatch' };
const unsupported: MetricValue = { ok: false, reason: 'sparkplug_unsupported_datatype' };

/** Whether a datatype becomes a numeric point (the rest are counted as sparkplug_unsupported_datatype). */
export function isNumericDatatype(datatype: number): boolean {
  return (datatype >= DataType.Int8 && datatype <= DataType.Boolean) || datatype === DataType.DateTime;
}

/**
 * A metric's value as our number. Int8/16/32 travel as two's complement in `int_value` (uint32), Int64 in
 * `long_value` (uint64); 64-bit integers are exact up to 2^53 - 1. Booleans are 1/0, DateTime epoch ms.
 */
export function metricValue(datatype: number, metric: WireMetric): MetricValue {
  if (metric.is_null === true) return { ok: false, reason: 'sparkplug_null_value' };
  if (!isNumericDatatype(datatype)) return unsupported;
  const int = metric.int_value;
  const long = metric.long_value;
  switch (datatype) {
    case DataType.Int8:
      return int === undefined ? mismatch : { ok: true, value: (int << 24) >> 24 };
    case DataType.Int16:
      return int === undefined ? mismatch : { ok: true, value: (int << 16) >> 16 };
    case DataType.Int32:
      return int === undefined ? mismatch : { ok: true, value: int | 0 };
    case DataType.UInt8:
      return int === undefined || int > 0xff ? mismatch : { ok: true, value: int };
    case DataType.UInt16:
      return int === undefined || int > 0xffff ? mismatch : { ok: true, value: int };
    case DataType.UInt32:
      return int === undefined
        ? long === undefined
          ? mismatch
          : { ok: true, value: u64(long)! }
        : { ok: true, value: int >>> 0 };
    case DataType.Int64:
      return long === undefined ? mismatch : { ok: true, value: s64(long) };
    case DataType.UInt64:
    case DataType.DateTime:
      return long === undefined ? mismatch : { ok: true, value: u64(long)! };
    case DataType.Float:
      return metric.float_value === undefined ? mismatch : { ok: true, value: metric.float_value };
    case DataType.Double:
      return metric.double_value === undefined ? mismatch : { ok: true, value: metric.double_value };
    case DataType.Boolean:
      return metric.boolean_value === undefined ? mismatch : { ok: true, value: metric.boolean_value ? 1 : 0 };
    default:
      return unsupported;
  }
}
