import { EMBEDDED_HEAP_GROWING_PERCENT, v8HeapGrowingPercent } from './v8-heap.js';

describe('v8HeapGrowingPercent', () => {
  it('caps the heap growth with the embedded database when nothing is set', () => {
    expect(v8HeapGrowingPercent(undefined, true)).toBe(EMBEDDED_HEAP_GROWING_PERCENT);
  });

  it("leaves V8's own factor with an external database when nothing is set", () => {
    expect(v8HeapGrowingPercent(undefined, false)).toBeUndefined();
  });

  it('takes a set value whatever the database', () => {
    expect(v8HeapGrowingPercent(50, true)).toBe(50);
    expect(v8HeapGrowingPercent(50, false)).toBe(50);
  });

  it("reads 0 as V8's own factor, even with the embedded database", () => {
    expect(v8HeapGrowingPercent(0, true)).toBeUndefined();
    expect(v8HeapGrowingPercent(0, false)).toBeUndefined();
  });
});
