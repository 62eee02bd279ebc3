import { gunzipSync, inflateSync } from 'node:zlib';
import type { Quality } from '../common/bus/event-map.js';
import type { RejectReason } from '../pipeline/pipeline-stats.js';
import {
  COMPRESSED_UUID,
  DataType,
  decodeWire,
  s64,
  u64,
  type WireMetric,
  type WirePayload,
  type WirePropertyValue,
} from './sparkplug.codec.js';
import { checkWire, type WireLimits } from './sparkplug-wire.check.js';
import './sparkplug.events.js';

/** Largest payload taken in by default (SPARKPLUG_MAX_PAYLOAD_BYTES); the MQTT packet limit usually bites first. */
export const MAX_PAYLOAD_BYTES = 1024 * 1024;
/** Most metrics in one payload by default (SPARKPLUG_MAX_METRICS): a birth of a large edge node has a few thousand. */
export const MAX_METRICS = 10_000;
/** Deepest nesting of messages (a template's metric's template … is 2 levels each). */
export const MAX_DEPTH = 32;
/** Longest string field in bytes: a metric name, a string value, a property key. */
export const MAX_STRING_BYTES = 64 * 1024;

/** The bounds a payload is read within. `maxBytes` bounds a compressed payload's inflated size too. */
export interface PayloadLimits {
  maxBytes: number;
  maxMetrics: number;
}

export const DEFAULT_LIMITS: PayloadLimits = { maxBytes: MAX_PAYLOAD_BYTES, maxMetrics: MAX_METRICS };

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
 * Reads a Sparkplug B payload (pure, no I/O): bounds and the wire format first (sparkplug-wire.check.ts), then
 * protobuf, then each metric's envelope. A compressed payload (`uuid` SPBV1.0_COMPRESSED) is inflated within
 * `limits.maxBytes` and read the same way. Values are read later by `metricValue`, with the datatype of the
 * metric's birth.
 */
export function parseSparkplugPayload(bytes: Uint8Array, limits: PayloadLimits = DEFAULT_LIMITS): PayloadParse {
  let read = readWire(bytes, limits);
  if (!read.ok) return read;
  let wire = read.wire;
  if (wire.uuid === COMPRESSED_UUID) {
    const inflated = inflate(wire, limits.maxBytes);
    if (!inflated.ok) return inflated;
    read = readWire(inflated.bytes, limits);
    if (!read.ok) return read;
    wire = read.wire;
    // One layer: a compressed payload inside a compressed payload is a bomb's way to multiply the bound.
    if (wire.uuid === COMPRESSED_UUID) return { ok: false, reason: 'sparkplug_compression_invalid' };
  }
  const seq = u64(wire.seq);
  if (seq !== undefined && seq > 255) return { ok: false, reason: 'sparkplug_seq_invalid' };
  const metrics: SparkplugMetric[] = (wire.metrics ?? []).map((m) => ({
    name: m.name,
    alias: u64(m.alias),
    timestamp: u64(m.timestamp),
    datatype: m.datatype,
    isNull: m.is_null === true,
    wire: m,
    ...properties(m),
  }));
  return { ok: true, payload: { timestamp: u64(wire.timestamp), seq, metrics } };
}

type WireRead = { ok: true; wire: WirePayload } | { ok: false; reason: RejectReason };

function readWire(bytes: Uint8Array, limits: PayloadLimits): WireRead {
  // An empty message is a valid protobuf (every field absent), but no Sparkplug message is empty.
  if (bytes.length === 0) return { ok: false, reason: 'sparkplug_payload_empty' };
  if (bytes.length > limits.maxBytes) return { ok: false, reason: 'sparkplug_payload_too_large' };
  const wireLimits: WireLimits = {
    maxMetrics: limits.maxMetrics,
    maxDepth: MAX_DEPTH,
    maxStringBytes: MAX_STRING_BYTES,
  };
  const refused = checkWire(bytes, wireLimits);
  if (refused !== undefined) return { ok: false, reason: refused };
  try {
    return { ok: true, wire: decodeWire(bytes) };
  } catch {
    return { ok: false, reason: 'sparkplug_payload_invalid' };
  }
}

type Inflated = { ok: true; bytes: Uint8Array } | { ok: false; reason: RejectReason };

/**
 * The body of a compressed payload, inflated with a hard output bound: zlib stops at `maxBytes`, so a zip bomb costs
 * at most that much memory and time. The `algorithm` metric (String) says DEFLATE (the zlib format, RFC 1950, the
 * default when absent) or GZIP, in any case.
 */
function inflate(wire: WirePayload, maxBytes: number): Inflated {
  const algorithm = (wire.metrics ?? []).find((m) => m.name === 'algorithm');
  const name = algorithm === undefined ? 'DEFLATE' : algorithm.string_value?.toUpperCase();
  if ((name !== 'DEFLATE' && name !== 'GZIP') || wire.body === undefined || wire.body.length === 0) {
    return { ok: false, reason: 'sparkplug_compression_invalid' };
  }
  try {
    const options = { maxOutputLength: maxBytes };
    const bytes = name === 'GZIP' ? gunzipSync(wire.body, options) : inflateSync(wire.body, options);
    return { ok: true, bytes };
  } catch (err) {
    const tooLarge = err instanceof RangeError || (err as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE';
    return { ok: false, reason: tooLarge ? 'sparkplug_compressed_too_large' : 'sparkplug_compression_invalid' };
  }
}

/**
 * Why a birth cannot define its metrics, or undefined: an alias used by two metrics would make data by that alias
 * ambiguous (Sparkplug 3.0: aliases are unique within an edge node).
 */
export function birthRefusal(payload: SparkplugPayload): RejectReason | undefined {
  const aliases = new Set<number>();
  for (const m of payload.metrics) {
    if (m.alias === undefined) continue;
    if (aliases.has(m.alias)) return 'sparkplug_alias_duplicate';
    aliases.add(m.alias);
  }
  return undefined;
}

/** A metric's value: a number, or (String and Text metrics) a state name the sensor's state table turns into one. */
export type MetricValue = { ok: true; value: number; stateName?: string } | { ok: false; reason: RejectReason };

const mismatch: MetricValue = { ok: false, reason: 'sparkplug_value_mismatch' };
const outOfRange: MetricValue = { ok: false, reason: 'sparkplug_value_out_of_range' };
const notFinite: MetricValue = { ok: false, reason: 'value_not_finite' };

/** Whether a datatype is a number on the wire (what a command can be encoded in). */
export function isNumericDatatype(datatype: number): boolean {
  return (datatype >= DataType.Int8 && datatype <= DataType.Boolean) || datatype === DataType.DateTime;
}

/**
 * Whether a datatype becomes a point: the numeric ones, and String and Text, read as the names of an enum or digital
 * point's states (the rest are counted as sparkplug_unsupported_datatype).
 */
export function isPointDatatype(datatype: number): boolean {
  return isNumericDatatype(datatype) || datatype === DataType.String || datatype === DataType.Text;
}

/** Why a datatype is not stored: one the specification does not define, or one that is not a numeric point. */
export function datatypeRefusal(datatype: number): RejectReason {
  return datatype >= DataType.Int8 && datatype <= DataType.DateTimeArray
    ? 'sparkplug_unsupported_datatype'
    : 'sparkplug_datatype_unknown';
}

/** A signed integer of `bits` sent as a 32-bit two's complement in a uint32: in range, or undefined. */
function signed(int: number, bits: 8 | 16): number | undefined {
  const value = int | 0;
  const limit = 2 ** (bits - 1);
  return value >= -limit && value < limit ? value : undefined;
}

function finite(value: number): MetricValue {
  return Number.isFinite(value) ? { ok: true, value } : notFinite;
}

/**
 * A metric's value as our number. Int8/16/32 travel as two's complement in `int_value` (uint32; an Int8 or Int16
 * sign-extended to 32 bits), Int64 in `long_value` (uint64); 64-bit integers are exact up to 2^53 - 1. Booleans are
 * 1/0, DateTime epoch ms, String and Text a state name. A value outside its datatype's range, or a NaN or infinite
 * float, is refused.
 */
export function metricValue(datatype: number, metric: WireMetric): MetricValue {
  if (metric.is_null === true) return { ok: false, reason: 'sparkplug_null_value' };
  if (datatype === DataType.String || datatype === DataType.Text) {
    // A state's name; the normaliser maps it through the sensor's state table (NaN until then, never stored).
    return metric.string_value === undefined
      ? mismatch
      : { ok: true, value: Number.NaN, stateName: metric.string_value };
  }
  if (!isNumericDatatype(datatype)) return { ok: false, reason: datatypeRefusal(datatype) };
  const int = metric.int_value;
  const long = metric.long_value;
  switch (datatype) {
    case DataType.Int8:
    case DataType.Int16: {
      if (int === undefined) return mismatch;
      const value = signed(int, datatype === DataType.Int8 ? 8 : 16);
      return value === undefined ? outOfRange : { ok: true, value };
    }
    case DataType.Int32:
      return int === undefined ? mismatch : { ok: true, value: int | 0 };
    case DataType.UInt8:
      return int === undefined ? mismatch : int > 0xff ? outOfRange : { ok: true, value: int };
    case DataType.UInt16:
      return int === undefined ? mismatch : int > 0xffff ? outOfRange : { ok: true, value: int };
    case DataType.UInt32: {
      if (int !== undefined) return { ok: true, value: int >>> 0 };
      if (long === undefined) return mismatch;
      const value = u64(long)!;
      return value > 0xffffffff ? outOfRange : { ok: true, value };
    }
    case DataType.Int64:
      return long === undefined ? mismatch : { ok: true, value: s64(long) };
    case DataType.UInt64:
    case DataType.DateTime:
      return long === undefined ? mismatch : { ok: true, value: u64(long)! };
    case DataType.Float:
      return metric.float_value === undefined ? mismatch : finite(metric.float_value);
    case DataType.Double:
      return metric.double_value === undefined ? mismatch : finite(metric.double_value);
    case DataType.Boolean:
      return metric.boolean_value === undefined ? mismatch : { ok: true, value: metric.boolean_value ? 1 : 0 };
    default:
      return { ok: false, reason: 'sparkplug_unsupported_datatype' };
  }
}
