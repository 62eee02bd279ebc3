import { planBlocks } from './block.planner.js';
import { point } from './test-points.fixture.js';

describe('planBlocks', () => {
  it('reads 300 contiguous registers in the fewest requests the 125-register limit allows', () => {
    const points = Array.from({ length: 300 }, (_, i) => point({ address: i }));
    const blocks = planBlocks(points, 0);
    expect(blocks.map((b) => [b.start, b.count])).toEqual([
      [0, 125],
      [125, 125],
      [250, 50],
    ]);
    expect(blocks.flatMap((b) => b.points).length).toBe(300);
  });

  it('never splits a 32- or 64-bit value across two blocks', () => {
    // 62 float32 fill 124 registers; the next float32 would end at 126, so it opens a new block.
    const points = Array.from({ length: 63 }, (_, i) => point({ address: i * 2, dataType: 'float32' }));
    points.push(point({ address: 126, dataType: 'float64' }));
    const blocks = planBlocks(points, 0);
    expect(blocks.map((b) => [b.start, b.count])).toEqual([
      [0, 124],
      [124, 6],
    ]);
    expect(blocks[1].points.map((p) => p.at)).toEqual([0, 2]);
  });

  it('merges across gaps up to maxGap, and not past it', () => {
    const points = [point({ address: 0 }), point({ address: 5 }), point({ address: 20 })];
    expect(planBlocks(points, 4).map((b) => [b.start, b.count])).toEqual([
      [0, 6],
      [20, 1],
    ]);
    expect(planBlocks(points, 14).map((b) => [b.start, b.count])).toEqual([[0, 21]]);
    expect(planBlocks(points, 0)).toHaveLength(3);
  });

  it('keeps areas apart, in a fixed order, and uses the 2000-bit limit for coils', () => {
    const points = [
      point({ address: 0, area: 'input' }),
      ...Array.from({ length: 2500 }, (_, i) => point({ address: i, area: 'coil', dataType: 'bool' })),
      point({ address: 0, area: 'discrete', dataType: 'bool' }),
      point({ address: 0, area: 'holding' }),
    ];
    expect(planBlocks(points, 0).map((b) => [b.area, b.start, b.count])).toEqual([
      ['coil', 0, 2000],
      ['coil', 2000, 500],
      ['discrete', 0, 1],
      ['holding', 0, 1],
      ['input', 0, 1],
    ]);
  });

  it('sorts points by address and maps each back to its index in the device', () => {
    const points = [point({ address: 3 }), point({ address: 1 }), point({ address: 2, dataType: 'int16' })];
    const [block] = planBlocks(points, 0);
    expect(block).toMatchObject({ start: 1, count: 3 });
    expect(block.points).toEqual([
      { index: 1, at: 0 },
      { index: 2, at: 1 },
      { index: 0, at: 2 },
    ]);
  });

  it('reads overlapping points once', () => {
    const points = [point({ address: 10, dataType: 'float32' }), point({ address: 11 })];
    expect(planBlocks(points, 0).map((b) => [b.start, b.count])).toEqual([[10, 2]]);
  });

  it('plans nothing for no points', () => {
    expect(planBlocks([], 10)).toEqual([]);
  });
});
