import { LatestReadingBuffer } from './latest-reading.buffer.js';
import type { LiveReading } from './live-reading.js';

const reading = (sensor_type: string, value: number, second: number): LiveReading => ({
  sensor_type,
  value,
  quality: 'GOOD',
  timestamp: new Date(Date.UTC(2026, 10, 27, 12, 0, second)).toISOString(),
});

describe('LatestReadingBuffer', () => {
  it('holds one reading per unit and sensor, the newest, and counts what it replaced', () => {
    const buffer = new LatestReadingBuffer();
    expect(buffer.add('U1', [reading('t', 1, 1), reading('p', 10, 1)])).toBe(0);
    expect(buffer.add('U1', [reading('t', 2, 2), reading('t', 3, 3)])).toBe(2);
    expect(buffer.add('U1', [reading('t', 0, 0)])).toBe(1); // late: counted, not kept
    expect(buffer.add('U2', [reading('t', 7, 1)])).toBe(0);
    expect(buffer.size).toBe(3);
    expect(buffer.drain()).toEqual([
      { unit_id: 'U1', readings: [reading('t', 3, 3), reading('p', 10, 1)] },
      { unit_id: 'U2', readings: [reading('t', 7, 1)] },
    ]);
    expect(buffer.size).toBe(0);
  });

  it('stays bounded by the number of sensors however many readings arrive', () => {
    const buffer = new LatestReadingBuffer();
    for (let i = 0; i < 10_000; i++) buffer.add('U1', [reading(`s${i % 20}`, i, i % 60)]);
    expect(buffer.size).toBe(20);
  });

  it('forgets a unit and says how many readings went with it', () => {
    const buffer = new LatestReadingBuffer();
    buffer.add('U1', [reading('t', 1, 1), reading('p', 1, 1)]);
    buffer.add('U2', [reading('t', 1, 1)]);
    expect(buffer.forget('U1')).toBe(2);
    expect(buffer.forget('U1')).toBe(0);
    expect(buffer.size).toBe(1);
  });
});
