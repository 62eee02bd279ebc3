import {
  isBitArea,
  MAX_READ_BITS,
  MAX_READ_REGISTERS,
  MODBUS_AREAS,
  type ModbusArea,
  type ModbusPoint,
  pointWidth,
} from './register-map.js';

/** One read request of a poll: `count` addresses of `area` from `start`, and the points it carries. */
export interface ReadBlock {
  area: ModbusArea;
  start: number;
  count: number;
  /** Indexes into the device's point list, with each point's first address relative to `start`. */
  points: { index: number; at: number }[];
}

/**
 * Plans a device's poll as few block reads as the protocol allows: per area, points sorted by address are merged
 * greedily into one block while the block stays within the protocol's limit (125 registers, 2000 bits) and the
 * unmapped gap to the next point is at most `maxGap` addresses. Starting each block at the first point not yet
 * covered and extending it as far as it may go gives the fewest blocks for those rules; a value never straddles
 * two blocks. Areas come out in a fixed order (coil, discrete, holding, input), blocks by address.
 */
export function planBlocks(points: readonly ModbusPoint[], maxGap: number): ReadBlock[] {
  const blocks: ReadBlock[] = [];
  for (const area of MODBUS_AREAS) {
    const limit = isBitArea(area) ? MAX_READ_BITS : MAX_READ_REGISTERS;
    const inArea = points
      .map((point, index) => ({ index, start: point.address, end: point.address + pointWidth(point.dataType) }))
      .filter(({ index }) => points[index].area === area)
      .sort((a, b) => a.start - b.start || a.end - b.end);
    let open: ReadBlock | undefined;
    for (const p of inArea) {
      const end = open ? open.start + open.count : 0;
      const fits = open !== undefined && p.start - end <= maxGap && Math.max(end, p.end) - open.start <= limit;
      if (!fits) {
        open = { area, start: p.start, count: 0, points: [] };
        blocks.push(open);
      }
      const block = open!;
      block.count = Math.max(block.count, p.end - block.start);
      block.points.push({ index: p.index, at: p.start - block.start });
    }
  }
  return blocks;
}
