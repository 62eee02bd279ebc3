import { DataType, type WireMetric } from './sparkplug.codec.js';

/** A birth metric as a command addresses it: by name, with its alias if the birth gave one, in its datatype. */
export interface CommandMetricDef {
  name: string;
  alias?: number;
  datatype: number;
  /** UInt32 only: the birth carried the value in `long_value` (Tahu's JS client does), so the command does too. */
  uint32InLong?: boolean;
}

export type EncodedCommand = { ok: true; metric: WireMetric } | { ok: false; reason: string };

const FLOAT_MAX = 3.4028234663852886e38;

/** Whole-number datatypes and the values they hold (64-bit ones as far as a JS number is exact). */
const INTEGER_RANGES: Partial<Record<number, { name: string; min: number; max: number }>> = {
  [DataType.Int8]: { name: 'Int8', min: -128, max: 127 },
  [DataType.Int16]: { name: 'Int16', min: -32_768, max: 32_767 },
  [DataType.Int32]: { name: 'Int32', min: -2_147_483_648, max: 2_147_483_647 },
  [DataType.Int64]: { name: 'Int64', min: -Number.MAX_SAFE_INTEGER, max: Number.MAX_SAFE_INTEGER },
  [DataType.UInt8]: { name: 'UInt8', min: 0, max: 255 },
  [DataType.UInt16]: { name: 'UInt16', min: 0, max: 65_535 },
  [DataType.UInt32]: { name: 'UInt32', min: 0, max: 4_294_967_295 },
  [DataType.UInt64]: { name: 'UInt64', min: 0, max: Number.MAX_SAFE_INTEGER },
  [DataType.DateTime]: { name: 'DateTime', min: 0, max: Number.MAX_SAFE_INTEGER },
};

/** The value field of a metric of this datatype, or why the value does not fit it (nothing is sent then). */
function valueField(
  def: CommandMetricDef,
  value: number,
): { ok: true; field: WireMetric } | { ok: false; reason: string } {
  if (!Number.isFinite(value)) return { ok: false, reason: `${value} is not a finite number` };
  switch (def.datatype) {
    case DataType.Boolean:
      return value === 0 || value === 1
        ? { ok: true, field: { boolean_value: value === 1 } }
        : { ok: false, reason: `${value} does not fit Boolean (0 or 1)` };
    case DataType.Float:
      return Math.abs(value) <= FLOAT_MAX
        ? { ok: true, field: { float_value: value } }
        : { ok: false, reason: `${value} does not fit Float (±${FLOAT_MAX})` };
    case DataType.Double:
      return { ok: true, field: { double_value: value } };
  }
  const range = INTEGER_RANGES[def.datatype];
  if (range === undefined) return { ok: false, reason: `datatype ${def.datatype} cannot be commanded` };
  if (!Number.isInteger(value) || value < range.min || value > range.max) {
    return { ok: false, reason: `${value} does not fit ${range.name} (whole numbers ${range.min} to ${range.max})` };
  }
  switch (def.datatype) {
    case DataType.Int8:
    case DataType.Int16:
    case DataType.Int32:
      // Two's complement, sign-extended to 32 bits (what Tahu's decoders read back as the signed value).
      return { ok: true, field: { int_value: value >>> 0 } };
    case DataType.UInt8:
    case DataType.UInt16:
      return { ok: true, field: { int_value: value } };
    case DataType.UInt32:
      return { ok: true, field: def.uint32InLong === true ? { long_value: value } : { int_value: value } };
    case DataType.Int64:
      return { ok: true, field: { long_value: BigInt.asUintN(64, BigInt(value)).toString() } };
    default:
      return { ok: true, field: { long_value: value } };
  }
}

/**
 * The metric of an NCMD/DCMD that sets `def` to `value` (pure): its name, its alias when the birth gave one (both:
 * an edge node may look up either), its birth datatype and the value in that datatype's field. A value that does
 * not fit (300 for a UInt8, 2.5 for an Int32, 2 for a Boolean) is refused with the reason, never truncated.
 */
export function commandMetric(def: CommandMetricDef, value: number, timestamp: number): EncodedCommand {
  const field = valueField(def, value);
  if (!field.ok) return { ok: false, reason: `metric '${def.name}': ${field.reason}` };
  const metric: WireMetric = { name: def.name, timestamp, datatype: def.datatype, ...field.field };
  if (def.alias !== undefined) metric.alias = def.alias;
  return { ok: true, metric };
}

/**
 * The metric value that gives a commanded engineering value once the sensor's scale and offset are applied to it
 * again (value = raw × scale + offset, so raw = (value − offset) ÷ scale). Digital and enum points are not scaled.
 * The float error of the division is undone (to 1e-9) so that an integer metric gets a whole number.
 */
export function rawCommandValue(
  value: number,
  scaling: { scaleFactor: number; offset: number; scaled: boolean },
): number {
  if (!scaling.scaled || (scaling.scaleFactor === 1 && scaling.offset === 0)) return value;
  return Math.round(((value - scaling.offset) / scaling.scaleFactor) * 1e9) / 1e9;
}
