import { readFileSync } from 'node:fs';
import protobuf from 'protobufjs';

/** Sparkplug 3.0 metric datatypes (the specification's numbers, as in sparkplug_b.proto). */
export const DataType = {
  Unknown: 0,
  Int8: 1,
  Int16: 2,
  Int32: 3,
  Int64: 4,
  UInt8: 5,
  UInt16: 6,
  UInt32: 7,
  UInt64: 8,
  Float: 9,
  Double: 10,
  Boolean: 11,
  String: 12,
  DateTime: 13,
  Text: 14,
  UUID: 15,
  DataSet: 16,
  Bytes: 17,
  File: 18,
  Template: 19,
  PropertySet: 20,
  PropertySetList: 21,
  Int8Array: 22,
  StringArray: 33,
  DateTimeArray: 34,
} as const;

/** A uint64 as decodeWire hands it over: decimal text (exact), or a number when a payload is built here. */
export type Uint64 = string | number;

/** The oneof `value` of a Metric or PropertyValue as decoded: at most one of these is set. */
export interface WireValue {
  int_value?: number;
  long_value?: Uint64;
  float_value?: number;
  double_value?: number;
  boolean_value?: boolean;
  string_value?: string;
  bytes_value?: Uint8Array;
  dataset_value?: object;
  template_value?: object;
  propertyset_value?: object;
  propertysets_value?: object;
  extension_value?: object;
}

export interface WirePropertyValue extends WireValue {
  type?: number;
  is_null?: boolean;
}

export interface WireMetric extends WireValue {
  name?: string;
  alias?: Uint64;
  timestamp?: Uint64;
  datatype?: number;
  is_historical?: boolean;
  is_transient?: boolean;
  is_null?: boolean;
  properties?: { keys?: string[]; values?: WirePropertyValue[] };
}

export interface WirePayload {
  timestamp?: Uint64;
  metrics?: WireMetric[];
  seq?: Uint64;
  uuid?: string;
  body?: Uint8Array;
}

/** The .proto next to this module (nest build copies it into dist: nest-cli.json `assets`). */
const PROTO = readFileSync(new URL('./sparkplug_b.proto', import.meta.url), 'utf8');
const PAYLOAD = protobuf.parse(PROTO, { keepCase: true }).root.lookupType('org.eclipse.tahu.protobuf.Payload');
PAYLOAD.root.resolveAll();

/** The reflected `Payload` message (sparkplug-wire.check.ts walks its fields' wire types). */
export const PAYLOAD_TYPE: protobuf.Type = PAYLOAD;
/** The reflected `Payload.Metric` message. */
export const METRIC_TYPE: protobuf.Type = PAYLOAD.lookupType('Metric');
/** The `uuid` of a compressed payload: its `body` holds the real payload, DEFLATE (zlib) or GZIP. */
export const COMPRESSED_UUID = 'SPBV1.0_COMPRESSED';

/**
 * Decodes a Sparkplug B payload. Throws on anything protobuf cannot read (truncated, bad wire type or tag, nesting
 * deeper than protobufjs's recursion limit of 100): the caller counts it. Fields of a known number sent with the
 * wrong wire type are skipped by protobufjs, so they arrive as absent.
 */
export function decodeWire(bytes: Uint8Array): WirePayload {
  // toObject without defaults: only fields that were sent (a decoded message answers proto2 defaults for the rest,
  // so an absent metric timestamp would read as 0). 64-bit integers as exact decimal text.
  return PAYLOAD.toObject(PAYLOAD.decode(bytes), { longs: String });
}

/** Encodes a payload (the host's NCMD; the specs' hostile corpus). Uint64 fields take numbers. */
export function encodeWire(payload: WirePayload): Uint8Array {
  return PAYLOAD.encode(PAYLOAD.fromObject(payload)).finish();
}

/** A uint64 as a JS number: exact up to 2^53 - 1, rounded above (docs/sparkplug.md, "Limits"). */
export function u64(value: Uint64 | undefined | null): number | undefined {
  if (value === undefined || value === null) return undefined;
  return Number(value);
}

/** A uint64 field carrying a two's-complement signed 64-bit value (Int64). */
export function s64(value: Uint64): number {
  return Number(BigInt.asIntN(64, BigInt(value)));
}
