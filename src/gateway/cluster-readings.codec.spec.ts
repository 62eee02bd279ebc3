import { ClusterReadingsCodec } from './cluster-readings.codec.js';
import type { OutgoingUnitReadings } from './live-reading.js';

const T = Date.UTC(2025, 0, 2, 3, 4, 5, 678);

const units: OutgoingUnitReadings[] = [
  {
    unitId: 'U1',
    readings: [
      { sensor_type: 'temperature', value: 21.5, quality: 'GOOD', timestamp: new Date(T).toISOString() },
      { sensor_type: 'pressure', value: 1.2, quality: 'UNCERTAIN', timestamp: new Date(T + 5).toISOString() },
      { sensor_type: 'temperature', value: 21.75, quality: 'BAD', timestamp: new Date(T + 10).toISOString() },
    ],
    times: [T, T + 5.25, T + 10],
  },
  {
    unitId: 'U2',
    readings: [
      { sensor_type: 'pump', value: 1, quality: 'GOOD', timestamp: new Date(T - 3).toISOString(), state: 'ON' },
      { sensor_type: 'flow', value: 7, quality: 'GOOD', timestamp: new Date(T).toISOString() },
    ],
    times: [T - 3, T],
  },
];

describe('ClusterReadingsCodec', () => {
  const codec = new ClusterReadingsCodec();

  it('gives back every reading as sensor_data carries it, with its time as a number, through JSON', () => {
    const wire: unknown = JSON.parse(JSON.stringify(codec.encode(units)));
    const decoded = codec.decode(wire)!;
    expect(decoded.map((u) => u.unit_id)).toEqual(['U1', 'U2']);
    expect(decoded[0].readings).toEqual([
      { sensor_type: 'temperature', value: 21.5, quality: 'GOOD', timestamp: '2025-01-02T03:04:05.678Z' },
      { sensor_type: 'pressure', value: 1.2, quality: 'UNCERTAIN', timestamp: '2025-01-02T03:04:05.683Z' },
      { sensor_type: 'temperature', value: 21.75, quality: 'BAD', timestamp: '2025-01-02T03:04:05.688Z' },
    ]);
    expect(decoded[0].times[1]).toBeCloseTo(T + 5.25, 6);
    expect(decoded[1].readings[0]).toEqual(expect.objectContaining({ sensor_type: 'pump', state: 'ON' }));
    expect(decoded[1].readings[1]).not.toHaveProperty('state');
    expect(decoded[1].times[0]).toBe(T - 3);
  });

  it('names each sensor type once per unit, sends times as small offsets and no date text', () => {
    const wire = codec.encode(units);
    const text = JSON.stringify(wire);
    expect(text.match(/temperature/g)).toHaveLength(1);
    expect(text).not.toContain('2025-');
    expect(wire.t0).toBe(T - 3);
    // A unit without any state name carries no state column.
    expect(wire.units[0]).not.toHaveProperty('n');
    expect(text.length).toBeLessThan(JSON.stringify(units.map((u) => u.readings)).length / 2);
  });

  it('encodes an empty batch to one that decodes to nothing', () => {
    expect(codec.decode(JSON.parse(JSON.stringify(codec.encode([]))))).toEqual([]);
  });

  const valid = (): Record<string, unknown> =>
    JSON.parse(JSON.stringify(codec.encode(units))) as Record<string, unknown>;
  const firstUnit = (batch: Record<string, unknown>) => (batch.units as Record<string, unknown>[])[0];

  it.each<[string, (batch: Record<string, unknown>) => unknown]>([
    ['not an object', () => 'readings'],
    ['the old array of sensor_data events', () => [{ unit_id: 'U1', readings: [] }]],
    ['another version', (b) => ({ ...b, v: 2 })],
    ['no t0', (b) => ({ ...b, t0: undefined })],
    ['units not an array', (b) => ({ ...b, units: {} })],
    ['a unit id that is no identifier', (b) => ((firstUnit(b).u = 'unit 1'), b)],
    ['columns of different lengths', (b) => ((firstUnit(b).v as number[]).pop(), b)],
    ['a sensor index out of range', (b) => (((firstUnit(b).s as number[])[0] = 9), b)],
    ['a quality code out of range', (b) => (((firstUnit(b).q as number[])[0] = 3), b)],
    ['a value that is not a number', (b) => (((firstUnit(b).v as unknown[])[0] = '21.5'), b)],
    ['a time past the range of dates', (b) => (((firstUnit(b).t as number[])[0] = 9e15), b)],
    ['a sensor type that is no identifier', (b) => (((firstUnit(b).k as string[])[0] = ''), b)],
    ['a state that is not text', (b) => (((b.units as Record<string, unknown>[])[1].n = [1, null]), b)],
    ['a state column of another length', (b) => (((b.units as Record<string, unknown>[])[1].n = ['ON']), b)],
  ])('refuses a message with %s, without throwing', (_name, spoil) => {
    expect(codec.decode(spoil(valid()))).toBeUndefined();
  });
});
