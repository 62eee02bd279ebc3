import type { Quality } from '../common/bus/event-map.js';
import type { RejectReason } from '../pipeline/pipeline-stats.js';

/** What a mapping does to a node's values: raw × scale + offset lands on unit/sensor. */
export interface NodeMapping {
  id: string;
  nodeId: string;
  unitId: string;
  sensorType: string;
  scaleFactor: number;
  offset: number;
  samplingIntervalMs: number;
  createdAt: Date;
}

/**
 * Quality family of an OPC UA status code: its top two bits are the severity (00 Good, 01 Uncertain, 10 and 11
 * Bad), so sub-codes such as GoodClamped or UncertainLastUsableValue fall into their family.
 */
export function qualityOfStatusCode(code: number): Quality {
  const severity = code >>> 30;
  return severity === 0 ? 'GOOD' : severity === 1 ? 'UNCERTAIN' : 'BAD';
}

/** The mapping's linear conversion, raw × scale + offset. */
export function scaleValue(raw: number, scaleFactor: number, offset: number): number {
  return raw * scaleFactor + offset;
}

/**
 * A node's value as a number, or why it cannot be one. Booleans count as 0/1 (a pump running is a reading too);
 * 64-bit integers arrive from node-opcua as [high, low] 32-bit words.
 */
export function numericValue(value: unknown): { ok: true; value: number } | { ok: false; reason: RejectReason } {
  if (typeof value === 'number') {
    return Number.isFinite(value) ? { ok: true, value } : { ok: false, reason: 'value_not_finite' };
  }
  if (typeof value === 'boolean') return { ok: true, value: value ? 1 : 0 };
  if (value === null || value === undefined) return { ok: false, reason: 'value_missing' };
  if (
    Array.isArray(value) &&
    value.length === 2 &&
    value.every((w) => typeof w === 'number' && Number.isInteger(w) && w >= 0 && w <= 0xffffffff)
  ) {
    const [high, low] = value as [number, number];
    // Int64 is two's complement across both words.
    const signed = high >= 0x80000000 ? (high - 0x100000000) * 0x100000000 + low : high * 0x100000000 + low;
    return Number.isSafeInteger(signed) ? { ok: true, value: signed } : { ok: false, reason: 'value_overflow' };
  }
  return { ok: false, reason: 'value_not_number' };
}

/** A data change turned into the parts of a reading, or the reason it is rejected. */
export type MappedChange =
  { ok: true; value: number; quality: Quality; timestamp?: number } | { ok: false; reason: RejectReason };

/**
 * One data change of a mapped node. The source timestamp is kept (when the server sends one: it is when the value
 * was sampled at the device), falling back to the server timestamp; absent both, the processor uses arrival time.
 */
export function mapDataChange(
  mapping: Pick<NodeMapping, 'scaleFactor' | 'offset'>,
  value: unknown,
  statusCode: number,
  sourceTimestamp?: Date | null,
  serverTimestamp?: Date | null,
): MappedChange {
  const numeric = numericValue(value);
  if (!numeric.ok) return numeric;
  const scaled = scaleValue(numeric.value, mapping.scaleFactor, mapping.offset);
  if (!Number.isFinite(scaled)) return { ok: false, reason: 'value_overflow' };
  const stamp = sourceTimestamp ?? serverTimestamp;
  const time = stamp?.getTime();
  return {
    ok: true,
    value: scaled,
    quality: qualityOfStatusCode(statusCode),
    timestamp: time !== undefined && Number.isFinite(time) ? time : undefined,
  };
}
