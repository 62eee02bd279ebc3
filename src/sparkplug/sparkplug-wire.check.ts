import type protobuf from 'protobufjs';
import type { RejectReason } from '../pipeline/pipeline-stats.js';
import { METRIC_TYPE, PAYLOAD_TYPE } from './sparkplug.codec.js';
import './sparkplug.events.js';

/** Bounds the walk enforces before protobufjs builds any object. */
export interface WireLimits {
  /** Metrics in the whole payload, those inside templates included. */
  maxMetrics: number;
  /** Nested messages: a metric is 1, its template 2, the template's metric 3, … */
  maxDepth: number;
  /** Bytes of one string field (names, string values, property keys, dataset columns, uuid). */
  maxStringBytes: number;
}

/** The wire types a field of the schema may arrive with (a repeated number also packed, as wire type 2). */
interface FieldPlan {
  wires: readonly number[];
  message?: protobuf.Type;
  string: boolean;
}

const WIRE_OF: Record<string, number> = {
  double: 1,
  fixed64: 1,
  sfixed64: 1,
  float: 5,
  fixed32: 5,
  sfixed32: 5,
  int32: 0,
  uint32: 0,
  sint32: 0,
  int64: 0,
  uint64: 0,
  sint64: 0,
  bool: 0,
  string: 2,
  bytes: 2,
};

const plans = new Map<protobuf.Type, Map<number, FieldPlan>>();

function planOf(type: protobuf.Type): Map<number, FieldPlan> {
  let plan = plans.get(type);
  if (plan !== undefined) return plan;
  plan = new Map();
  for (const field of type.fieldsArray) {
    const message = field.resolvedType !== null && 'fieldsArray' in field.resolvedType ? field.resolvedType : undefined;
    // Enums travel as varints; the Sparkplug schema has none in messages, but the rule costs nothing.
    const wire = message !== undefined ? 2 : (WIRE_OF[field.type] ?? 0);
    const wires = field.repeated && wire !== 2 ? [wire, 2] : [wire];
    plan.set(field.id, { wires, message: message, string: field.type === 'string' });
  }
  plans.set(type, plan);
  return plan;
}

/** Where the last varint read ended, or -1 when it ran past its end or over 10 bytes. */
let next = 0;

/** A varint as a JS number (exact to 2^53, enough for tags and lengths); sets `next`. */
function varint(buf: Uint8Array, pos: number, end: number): number {
  let value = 0;
  let scale = 1;
  for (let i = 0; i < 10; i++) {
    if (pos >= end) break;
    const b = buf[pos++];
    // The tenth byte may only carry the 64th bit.
    if (i === 9 && b > 1) break;
    value += (b & 0x7f) * scale;
    if (b < 0x80) {
      next = pos;
      return value;
    }
    scale *= 128;
  }
  next = -1;
  return 0;
}

/**
 * Walks a Sparkplug payload's protobuf wire format against the schema without building anything: every tag, length
 * and varint must be whole, a field the schema knows must come with its wire type, nesting, metric count and string
 * sizes stay within `limits`. Unknown field numbers (extensions) are skipped, as protobuf intends. Returns the
 * reason to refuse the payload, or undefined. protobufjs alone would skip a known field sent with another wire type
 * and hand over the metric without it.
 */
export function checkWire(bytes: Uint8Array, limits: WireLimits): RejectReason | undefined {
  const count = { metrics: 0 };
  return walk(bytes, 0, bytes.length, PAYLOAD_TYPE, 0, limits, count);
}

function walk(
  buf: Uint8Array,
  start: number,
  end: number,
  type: protobuf.Type,
  depth: number,
  limits: WireLimits,
  count: { metrics: number },
): RejectReason | undefined {
  if (depth > limits.maxDepth) return 'sparkplug_nesting_too_deep';
  if (type === METRIC_TYPE && ++count.metrics > limits.maxMetrics) return 'sparkplug_too_many_metrics';
  const plan = planOf(type);
  let pos = start;
  while (pos < end) {
    const tag = varint(buf, pos, end);
    if (next < 0 || tag > 0xffffffff) return 'sparkplug_payload_invalid';
    pos = next;
    const wire = tag % 8;
    const id = Math.floor(tag / 8);
    // Groups (3, 4) are not in the Sparkplug schema; 6 and 7 are no wire type.
    if (id === 0 || wire === 3 || wire === 4 || wire > 5) return 'sparkplug_payload_invalid';
    const field = plan.get(id);
    if (field !== undefined && !field.wires.includes(wire)) return 'sparkplug_wire_type_invalid';
    switch (wire) {
      case 0:
        varint(buf, pos, end);
        if (next < 0) return 'sparkplug_payload_invalid';
        pos = next;
        break;
      case 1:
        pos += 8;
        break;
      case 5:
        pos += 4;
        break;
      case 2: {
        const length = varint(buf, pos, end);
        if (next < 0 || next + length > end) return 'sparkplug_payload_invalid';
        pos = next;
        if (field?.string === true && length > limits.maxStringBytes) return 'sparkplug_string_too_long';
        if (field?.message !== undefined) {
          const refused = walk(buf, pos, pos + length, field.message, depth + 1, limits, count);
          if (refused !== undefined) return refused;
        }
        pos += length;
        break;
      }
      default:
        return 'sparkplug_payload_invalid';
    }
  }
  return pos === end ? undefined : 'sparkplug_payload_invalid';
}
