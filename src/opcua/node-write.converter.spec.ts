import { scaleValue } from './data-change.mapper.js';
import { toNodeWrite, writableType } from './node-write.converter.js';

const plain = { nodeId: 'ns=1;s=A', scaleFactor: 1, offset: 0 };
/** A node in tenths of a degree with a 20 degree offset: value = raw × 0.1 + 20. */
const tenths = { nodeId: 'ns=1;s=B', scaleFactor: 0.1, offset: 20 };

describe('toNodeWrite', () => {
  it('inverts the read conversion, so the value read back is the value commanded', () => {
    const write = toNodeWrite(55, tenths, 'Int32');
    expect(write).toEqual({ ok: true, dataType: 'Int32', value: 350 });
    if (write.ok) expect(scaleValue(Number(write.value), tenths.scaleFactor, tenths.offset)).toBeCloseTo(55, 9);
    expect(toNodeWrite(55.5, tenths, 'Double')).toEqual({ ok: true, dataType: 'Double', value: 355 });
    expect(toNodeWrite(-1.25, plain, 'Float')).toEqual({ ok: true, dataType: 'Float', value: -1.25 });
  });

  it('range-checks and rounds integers, and refuses fractions', () => {
    expect(toNodeWrite(32_767, plain, 'Int16')).toEqual({ ok: true, dataType: 'Int16', value: 32_767 });
    expect(toNodeWrite(32_768, plain, 'Int16')).toEqual({
      ok: false,
      reason: "32768 is outside the node's Int16 range (-32768 to 32767)",
    });
    expect(toNodeWrite(-1, plain, 'UInt16')).toMatchObject({ ok: false });
    expect(toNodeWrite(-1, plain, 'UInt32')).toMatchObject({ ok: false });
    expect(toNodeWrite(4_294_967_295, plain, 'UInt32')).toMatchObject({ ok: true, value: 4_294_967_295 });
    expect(toNodeWrite(-2_147_483_649, plain, 'Int32')).toMatchObject({ ok: false });
    expect(toNodeWrite(255, plain, 'Byte')).toMatchObject({ ok: true });
    expect(toNodeWrite(-129, plain, 'SByte')).toMatchObject({ ok: false });
    expect(toNodeWrite(20.05, tenths, 'Int16')).toEqual({
      ok: false,
      reason: '20.05 (raw 0.5000000000000071) is not a whole number, and the node is Int16',
    });
  });

  it('writes 0/1 to a Boolean node, nothing else', () => {
    expect(toNodeWrite(1, plain, 'Boolean')).toEqual({ ok: true, dataType: 'Boolean', value: true });
    expect(toNodeWrite(0, plain, 'Boolean')).toEqual({ ok: true, dataType: 'Boolean', value: false });
    expect(toNodeWrite(2, plain, 'Boolean')).toEqual({
      ok: false,
      reason: '2 is neither 0 nor 1, and the node is Boolean',
    });
  });

  it('refuses what no raw value can give', () => {
    expect(toNodeWrite(5, { ...plain, scaleFactor: 0 }, 'Double')).toMatchObject({ ok: false });
    expect(toNodeWrite(1e300, { ...plain, scaleFactor: 1e-300 }, 'Double')).toMatchObject({ ok: false });
    expect(toNodeWrite(1e39, plain, 'Float')).toEqual({ ok: false, reason: "1e+39 does not fit the node's Float" });
  });
});

describe('writableType', () => {
  it('knows the written built-in types, and writes an enumeration as Int32', () => {
    expect(writableType('Double', false)).toBe('Double');
    expect(writableType('UInt16', false)).toBe('UInt16');
    expect(writableType('ns=2;i=3001', true)).toBe('Int32');
    expect(writableType('String', false)).toBeUndefined();
    expect(writableType(undefined, false)).toBeUndefined();
  });
});
