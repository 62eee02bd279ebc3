import type { ProcessedReading } from '../common/bus/event-map.js';
import { LatestValueTable } from './latest-values.js';

const reading = (unitId: string, sensorType: string, value: number, time: number): ProcessedReading => ({
  unitId,
  sensorType,
  value,
  quality: 'GOOD',
  time,
  source: 'mqtt',
});

describe('LatestValueTable', () => {
  it('holds the newest value of each sensor, sorted by sensor type', () => {
    const table = new LatestValueTable();
    table.update([reading('U1', 'temperature', 20, 1000), reading('U1', 'pressure', 3, 1000)]);
    table.update([reading('U1', 'temperature', 21, 2000)]);
    expect(table.unit('U1')).toEqual([
      { sensorType: 'pressure', value: 3, quality: 'GOOD', time: 1000 },
      { sensorType: 'temperature', value: 21, quality: 'GOOD', time: 2000 },
    ]);
    expect(table.size).toBe(2);
  });

  it('ignores a reading older than the one held (late or redelivered), takes one of the same time', () => {
    const table = new LatestValueTable();
    table.update([reading('U1', 'temperature', 21, 2000)]);
    table.update([reading('U1', 'temperature', 5, 1500)]);
    expect(table.unit('U1')?.[0]?.value).toBe(21);
    table.offer('U1', 'temperature', 22, 'BAD', 2000);
    expect(table.unit('U1')?.[0]).toEqual({ sensorType: 'temperature', value: 22, quality: 'BAD', time: 2000 });
  });

  it('keeps units apart and says which it has seen', () => {
    const table = new LatestValueTable();
    table.update([reading('U2', 'flow', 1, 1), reading('U1', 'flow', 2, 1)]);
    expect(table.unitIds()).toEqual(['U1', 'U2']);
    expect(table.has('U3')).toBe(false);
    expect(table.unit('U3')).toBeUndefined();
    expect(table.unit('U2')).toEqual([{ sensorType: 'flow', value: 1, quality: 'GOOD', time: 1 }]);
  });

  it('hands out copies, so a caller cannot change what it holds', () => {
    const table = new LatestValueTable();
    table.update([reading('U1', 'flow', 1, 1)]);
    table.unit('U1')![0].value = 99;
    expect(table.unit('U1')?.[0]?.value).toBe(1);
  });
});
