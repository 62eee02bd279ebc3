import { jest } from '@jest/globals';
import type { RawReading, RawUnitStatus } from '../common/bus/event-map.js';
import { Batcher, type RawBatch } from './batcher.js';

function reading(value: number): RawReading {
  return { unitId: 'U1', sensorType: 'temperature', value, receivedAt: 0, source: 'mqtt' };
}

const status: RawUnitStatus = { unitId: 'U1', status: 'online', receivedAt: 0, source: 'mqtt' };

/** A Batcher whose batches land in `batches`; each ack records its context and tokens when settled. */
function setUp(maxMessages = 3, windowMs = 5) {
  const batches: RawBatch[] = [];
  const settled: { context: string; tokens: number[] }[] = [];
  const batcher = new Batcher<number, string>({
    maxMessages,
    windowMs,
    sink: (b) => batches.push(b),
    ack: (context, tokens) => ({ settle: () => settled.push({ context, tokens }) }),
  });
  return { batcher, batches, settled };
}

describe('Batcher', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('sends a batch as soon as it holds maxMessages messages, counting messages that carry no reading', () => {
    const { batcher, batches } = setUp(3);
    batcher.add('c1', { reading: reading(1), token: 1 });
    batcher.add('c1', { token: 2 }); // a rejected message: no reading, but its PUBACK rides the batch
    expect(batches).toHaveLength(0);
    batcher.add('c1', { reading: reading(3), token: 3 });
    expect(batches).toHaveLength(1);
    expect(batches[0].readings.map((r) => r.value)).toEqual([1, 3]);
    expect(batcher.size).toBe(0);
    expect({ batches: batcher.batchesEmitted, readings: batcher.readingsEmitted }).toEqual({ batches: 1, readings: 2 });
  });

  it('sends a batch that does not fill once its first message waited windowMs', () => {
    const { batcher, batches } = setUp(100, 5);
    batcher.add('c1', { reading: reading(1) });
    jest.advanceTimersByTime(3);
    batcher.add('c1', { reading: reading(2) });
    expect(batches).toHaveLength(0);
    jest.advanceTimersByTime(2);
    expect(batches.map((b) => b.readings.length)).toEqual([1 + 1]);
    jest.advanceTimersByTime(100);
    expect(batches).toHaveLength(1); // nothing more gathered, nothing more sent
  });

  it('with windowMs 0, sends what one event-loop turn gathered at the end of that turn', async () => {
    jest.useRealTimers();
    const { batcher, batches } = setUp(100, 0);
    batcher.add('c1', { reading: reading(1) });
    batcher.add('c1', { reading: reading(2) });
    expect(batches).toHaveLength(0); // still this turn: more may arrive from the same socket read
    await new Promise((r) => setImmediate(r));
    expect(batches.map((b) => b.readings.map((r) => r.value))).toEqual([[1, 2]]);
  });

  it('never mixes acknowledgement contexts: a new context sends what the old one gathered first', () => {
    const { batcher, batches, settled } = setUp(100);
    batcher.add('epoch1', { reading: reading(1), token: 7 });
    batcher.add('epoch1', { reading: reading(2), token: 8 });
    batcher.add('epoch2', { reading: reading(3), token: 7 });
    batcher.flush();
    expect(batches.map((b) => b.readings.map((r) => r.value))).toEqual([[1, 2], [3]]);
    for (const b of batches) b.ack?.settle();
    expect(settled).toEqual([
      { context: 'epoch1', tokens: [7, 8] },
      { context: 'epoch2', tokens: [7] },
    ]);
  });

  it('carries unit statuses with the readings, and an ack only when a message left a token', () => {
    const { batcher, batches } = setUp(100);
    batcher.add('c', { reading: reading(1) });
    batcher.add('c', { status });
    batcher.flush();
    batcher.add('c', { reading: reading(2), token: 5 });
    batcher.flush();
    expect(batches[0]).toEqual({ readings: [reading(1)], statuses: [status] });
    expect(batches[1].statuses).toBeUndefined();
    expect(batches[1].ack).toBeDefined();
  });

  it('does nothing on a flush with nothing gathered, and cancels the window timer of what it flushed', () => {
    const { batcher, batches } = setUp(100, 5);
    batcher.flush();
    batcher.add('c', { reading: reading(1) });
    batcher.flush();
    jest.advanceTimersByTime(10);
    expect(batches).toHaveLength(1);
  });

  it('works without an ack builder (sources that acknowledge nothing, such as OPC UA)', () => {
    const batches: RawBatch[] = [];
    const batcher = new Batcher({ maxMessages: 2, windowMs: 5, sink: (b) => batches.push(b) });
    batcher.add(undefined, { reading: reading(1) });
    batcher.add(undefined, { reading: reading(2) });
    expect(batches).toEqual([{ readings: [reading(1), reading(2)] }]);
  });
});
