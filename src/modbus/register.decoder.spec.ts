import { decodeRegisters, encodeRegisters } from './register.decoder.js';
import type { ModbusDataType, ModbusOrder } from './register-map.js';

const words = (...w: number[]) => Buffer.from(w.flatMap((x) => [x >> 8, x & 0xff]));
type Numeric = Exclude<ModbusDataType, 'bool'>;

describe('decodeRegisters', () => {
  it('reads 16-bit values signed and unsigned, at an offset into the block', () => {
    const block = words(0x0000, 0xfffe, 0x1234);
    expect(decodeRegisters(block, 1, 'int16', 'big', 'big')).toBe(-2);
    expect(decodeRegisters(block, 1, 'uint16', 'big', 'big')).toBe(0xfffe);
    expect(decodeRegisters(block, 2, 'uint16', 'little', 'big')).toBe(0x3412);
  });

  it('reads float32 in all four byte/word orders', () => {
    // 123.456 as IEEE 754 single is 0x42F6E979.
    expect(decodeRegisters(words(0x42f6, 0xe979), 0, 'float32', 'big', 'big')).toBeCloseTo(123.456, 4);
    expect(decodeRegisters(words(0xe979, 0x42f6), 0, 'float32', 'big', 'little')).toBeCloseTo(123.456, 4);
    expect(decodeRegisters(words(0xf642, 0x79e9), 0, 'float32', 'little', 'big')).toBeCloseTo(123.456, 4);
    expect(decodeRegisters(words(0x79e9, 0xf642), 0, 'float32', 'little', 'little')).toBeCloseTo(123.456, 4);
  });

  it('reads 32-bit integers and float64 with word order', () => {
    expect(decodeRegisters(words(0xffff, 0xfffd), 0, 'int32', 'big', 'big')).toBe(-3);
    expect(decodeRegisters(words(0x0001, 0x0000), 0, 'uint32', 'big', 'little')).toBe(1);
    expect(decodeRegisters(words(0x8000, 0x0000), 0, 'uint32', 'big', 'big')).toBe(0x80000000);
    // 1.5 as a double is 0x3FF8000000000000; word-swapped its four registers come in reverse.
    expect(decodeRegisters(words(0x3ff8, 0, 0, 0), 0, 'float64', 'big', 'big')).toBe(1.5);
    expect(decodeRegisters(words(0, 0, 0, 0x3ff8), 0, 'float64', 'big', 'little')).toBe(1.5);
    expect(decodeRegisters(words(0, 0, 0, 0xf83f), 0, 'float64', 'little', 'little')).toBe(1.5);
  });

  it('round-trips every numeric type and order through encodeRegisters', () => {
    const cases: [Numeric, number][] = [
      ['int16', -1234],
      ['uint16', 65535],
      ['int32', -2_000_000_000],
      ['uint32', 4_000_000_000],
      ['float32', 0.5],
      ['float64', Math.PI],
    ];
    const orders: ModbusOrder[] = ['big', 'little'];
    for (const [type, value] of cases) {
      for (const byteOrder of orders) {
        for (const wordOrder of orders) {
          const encoded = encodeRegisters(value, type, byteOrder, wordOrder)!;
          expect(decodeRegisters(words(...encoded), 0, type, byteOrder, wordOrder)).toBe(value);
        }
      }
    }
  });

  it('refuses to encode values that do not fit the type', () => {
    expect(encodeRegisters(1.5, 'int16', 'big', 'big')).toBeUndefined();
    expect(encodeRegisters(70000, 'uint16', 'big', 'big')).toBeUndefined();
    expect(encodeRegisters(-1, 'uint32', 'big', 'big')).toBeUndefined();
    expect(encodeRegisters(1e39, 'float32', 'big', 'big')).toBeUndefined();
    expect(encodeRegisters(Number.NaN, 'float64', 'big', 'big')).toBeUndefined();
    expect(encodeRegisters(0x1234, 'uint16', 'big', 'big')).toEqual([0x1234]);
  });
});
