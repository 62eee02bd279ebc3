import type { NodeMapping } from './data-change.mapper.js';

/**
 * The node data types a command can write, by their OPC UA name. An enumeration node is written as its Int32 value
 * (an OPC UA enumeration travels as Int32 on the wire).
 */
export const WRITABLE_TYPES = [
  'Double',
  'Float',
  'SByte',
  'Byte',
  'Int16',
  'UInt16',
  'Int32',
  'UInt32',
  'Boolean',
] as const;
export type WritableType = (typeof WRITABLE_TYPES)[number];

const INTEGER_RANGE: Partial<Record<WritableType, readonly [number, number]>> = {
  SByte: [-128, 127],
  Byte: [0, 255],
  Int16: [-32_768, 32_767],
  UInt16: [0, 65_535],
  Int32: [-2_147_483_648, 2_147_483_647],
  UInt32: [0, 4_294_967_295],
};

/** Largest finite 32-bit float: a bigger Double would become Infinity on the node. */
const FLOAT_MAX = 3.4028234663852886e38;

/** Division leaves dust (55 / 0.1 = 550.0000000000001): a raw value this close to a whole number is that number. */
const WHOLE_EPSILON = 1e-9;

export type NodeWrite = { ok: true; dataType: WritableType; value: number | boolean } | { ok: false; reason: string };

/** Whether a node's data type (as OpcuaNodeIoService names it) can be written, and as which type. */
export function writableType(dataType: string | undefined, enumeration: boolean): WritableType | undefined {
  if (enumeration) return 'Int32';
  return (WRITABLE_TYPES as readonly string[]).includes(dataType ?? '') ? (dataType as WritableType) : undefined;
}

/**
 * A command's engineering value turned into what the node holds: the inverse of the mapping's read conversion
 * (raw × scale + offset), so raw = (value − offset) / scale, in the node's type. Integers must come out whole and in
 * the type's range; a Boolean node takes 0 or 1. Refused values say why, in words an operator can act on.
 */
export function toNodeWrite(
  value: number,
  mapping: Pick<NodeMapping, 'nodeId' | 'scaleFactor' | 'offset'>,
  dataType: WritableType,
): NodeWrite {
  if (mapping.scaleFactor === 0) {
    return { ok: false, reason: `the mapping of '${mapping.nodeId}' has scale 0: no raw value gives ${value}` };
  }
  const raw = (value - mapping.offset) / mapping.scaleFactor;
  if (!Number.isFinite(raw)) return { ok: false, reason: `${value} gives no finite raw value for '${mapping.nodeId}'` };
  const described = raw === value ? `${value}` : `${value} (raw ${raw})`;
  if (dataType === 'Double') return { ok: true, dataType, value: raw };
  if (dataType === 'Float') {
    return Math.abs(raw) <= FLOAT_MAX
      ? { ok: true, dataType, value: raw }
      : { ok: false, reason: `${described} does not fit the node's Float` };
  }
  const whole = Math.round(raw);
  if (Math.abs(raw - whole) > WHOLE_EPSILON) {
    return { ok: false, reason: `${described} is not a whole number, and the node is ${dataType}` };
  }
  if (dataType === 'Boolean') {
    return whole === 0 || whole === 1
      ? { ok: true, dataType, value: whole === 1 }
      : { ok: false, reason: `${described} is neither 0 nor 1, and the node is Boolean` };
  }
  const [min, max] = INTEGER_RANGE[dataType] ?? [0, -1];
  return whole >= min && whole <= max
    ? { ok: true, dataType, value: whole }
    : { ok: false, reason: `${described} is outside the node's ${dataType} range (${min} to ${max})` };
}
