import type { ModbusDataType, ModbusOrder } from './register-map.js';

/**
 * The registers of one value, rearranged into big-endian bytes: word order first (which register holds the most
 * significant word), then byte order inside each register. `words` is the raw block as the protocol sends it (two
 * bytes per register, high byte first); `at` is the value's first register in it.
 */
function canonicalBytes(words: Buffer, at: number, count: number, byteOrder: ModbusOrder, wordOrder: ModbusOrder) {
  const out = Buffer.allocUnsafe(count * 2);
  for (let i = 0; i < count; i++) {
    const source = (at + (wordOrder === 'big' ? i : count - 1 - i)) * 2;
    const high = words[source];
    const low = words[source + 1];
    out[i * 2] = byteOrder === 'big' ? high : low;
    out[i * 2 + 1] = byteOrder === 'big' ? low : high;
  }
  return out;
}

/** Each numeric type's size, range and how it is read and written big-endian. */
interface Codec {
  bytes: number;
  fits: (v: number) => boolean;
  read: (b: Buffer) => number;
  write: (b: Buffer, v: number) => void;
}

const CODECS: Record<Exclude<ModbusDataType, 'bool'>, Codec> = {
  int16: {
    bytes: 2,
    fits: (v) => whole(v, -0x8000, 0x7fff),
    read: (b) => b.readInt16BE(0),
    write: (b, v) => b.writeInt16BE(v),
  },
  uint16: {
    bytes: 2,
    fits: (v) => whole(v, 0, 0xffff),
    read: (b) => b.readUInt16BE(0),
    write: (b, v) => b.writeUInt16BE(v),
  },
  int32: {
    bytes: 4,
    fits: (v) => whole(v, -0x80000000, 0x7fffffff),
    read: (b) => b.readInt32BE(0),
    write: (b, v) => b.writeInt32BE(v),
  },
  uint32: {
    bytes: 4,
    fits: (v) => whole(v, 0, 0xffffffff),
    read: (b) => b.readUInt32BE(0),
    write: (b, v) => b.writeUInt32BE(v),
  },
  float32: {
    bytes: 4,
    fits: (v) => Number.isFinite(v) && Math.abs(v) <= 3.4028234663852886e38,
    read: (b) => b.readFloatBE(0),
    write: (b, v) => b.writeFloatBE(v),
  },
  float64: {
    bytes: 8,
    fits: (v) => Number.isFinite(v),
    read: (b) => b.readDoubleBE(0),
    write: (b, v) => b.writeDoubleBE(v),
  },
};

/** A register value as a number (bool is a bit area's type and is read with the bits, not here). */
export function decodeRegisters(
  words: Buffer,
  at: number,
  dataType: Exclude<ModbusDataType, 'bool'>,
  byteOrder: ModbusOrder,
  wordOrder: ModbusOrder,
): number {
  const codec = CODECS[dataType];
  return codec.read(canonicalBytes(words, at, codec.bytes / 2, byteOrder, wordOrder));
}

function whole(v: number, min: number, max: number): boolean {
  return Number.isInteger(v) && v >= min && v <= max;
}

/**
 * The registers that hold `value` as this type, in the device's byte and word order, as 16-bit words ready for a
 * write (FC 6 for one, FC 16 for more); undefined when the value does not fit the type (out of range, not whole).
 */
export function encodeRegisters(
  value: number,
  dataType: Exclude<ModbusDataType, 'bool'>,
  byteOrder: ModbusOrder,
  wordOrder: ModbusOrder,
): number[] | undefined {
  const encoding = CODECS[dataType];
  if (!encoding.fits(value)) return undefined;
  const canonical = Buffer.alloc(encoding.bytes);
  encoding.write(canonical, value);
  // The rearrangement is its own inverse: applying it to canonical bytes gives the device's layout.
  const device = canonicalBytes(canonical, 0, encoding.bytes / 2, byteOrder, wordOrder);
  const words: number[] = [];
  for (let i = 0; i < device.length; i += 2) words.push(device.readUInt16BE(i));
  return words;
}
