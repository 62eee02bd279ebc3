import { jest } from '@jest/globals';
import { DevicePoller, type PointResult } from './device.poller.js';
import type { LinkOpener, ModbusLink } from './modbus-tcp.link.js';
import type { ModbusDevice } from './register-map.js';
import { point } from './test-points.fixture.js';

/**
 * A fake device (fault injection: the real one is tested end to end against jsmodbus) behind the poller, on a fake
 * clock: each request takes `latencyMs` of that clock, and the spec decides what fails.
 */
class FakeDevice {
  latencyMs = 10;
  inFlight = 0;
  maxInFlight = 0;
  requests = 0;
  opens = 0;
  refuse = false;
  failNext?: Error;
  /** Fails the next write only (polls keep going meanwhile). */
  failWrite?: Error;
  onClose?: () => void;
  readonly words = Buffer.alloc(2 * 300);
  readonly writes: [number, unknown][] = [];

  readonly open: LinkOpener = (_device, onClose) => {
    this.opens++;
    if (this.refuse) return Promise.reject(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }));
    this.onClose = onClose;
    const registers = (start: number, count: number) =>
      this.answer(() => ({ data: [], buffer: this.words.subarray(start * 2, (start + count) * 2) }));
    const link: ModbusLink = {
      readHoldingRegisters: registers,
      readInputRegisters: registers,
      readCoils: (_start, count) =>
        this.answer(() => ({ data: new Array<boolean>(count).fill(true), buffer: Buffer.alloc(0) })),
      readDiscreteInputs: (_start, count) =>
        this.answer(() => ({ data: new Array<boolean>(count).fill(false), buffer: Buffer.alloc(0) })),
      writeCoil: (address, state) => this.write(() => (this.writes.push([address, state]), { address, state })),
      writeRegister: (address, value) => this.write(() => (this.writes.push([address, value]), { address, value })),
      writeRegisters: (address, values) =>
        this.write(() => (this.writes.push([address, values]), { address, length: values.length })),
      close: () => undefined,
    };
    return Promise.resolve(link);
  };

  private write<T>(result: () => T): Promise<T> {
    if (this.failWrite) [this.failNext, this.failWrite] = [this.failWrite, undefined];
    return this.answer(result);
  }

  private answer<T>(result: () => T): Promise<T> {
    this.requests++;
    this.maxInFlight = Math.max(this.maxInFlight, ++this.inFlight);
    return new Promise<T>((resolve, reject) =>
      setTimeout(() => {
        this.inFlight--;
        const failure = this.failNext;
        this.failNext = undefined;
        if (failure) reject(failure);
        else resolve(result());
      }, this.latencyMs),
    );
  }
}

function device(overrides: Partial<ModbusDevice> = {}): ModbusDevice {
  return {
    id: 'd1',
    name: 'plc',
    host: '127.0.0.1',
    port: 502,
    modbusUnitId: 1,
    pollIntervalMs: 100,
    timeoutMs: 50,
    maxGap: 0,
    // 300 registers (3 blocks) and one coil (1 block).
    points: [
      ...Array.from({ length: 300 }, (_, i) => point({ address: i })),
      point({ address: 0, area: 'coil', dataType: 'bool', sensorType: 'pump' }),
    ],
    createdAt: new Date(0),
    updatedAt: new Date(0),
    ...overrides,
  };
}

describe('DevicePoller', () => {
  let fake: FakeDevice;
  let polls: { results: readonly PointResult[]; time: number }[];
  let poller: DevicePoller;

  function startPoller(d = device()): void {
    poller = new DevicePoller(d, (_d, results, time) => polls.push({ results, time }), {
      reconnectMaxMs: 1000,
      open: fake.open,
      random: () => 1,
    });
    poller.start();
  }

  beforeEach(() => {
    jest.useFakeTimers({ now: new Date('2026-12-03T08:00:00Z') });
    fake = new FakeDevice();
    polls = [];
  });

  afterEach(async () => {
    let stopped = false;
    void poller.stop().then(() => (stopped = true));
    // The poll in flight finishes on the fake clock.
    while (!stopped) await jest.advanceTimersByTimeAsync(10);
    jest.useRealTimers();
  });

  it('polls on a fixed schedule, one request in flight, in the planned blocks, stamped with the poll time', async () => {
    fake.words.writeUInt16BE(1234, 299 * 2);
    startPoller();
    await jest.advanceTimersByTimeAsync(1000);
    // Polls at 0, 100, ..., 900 have finished (each takes 4 requests × 10 ms); the one at 1000 has just started.
    expect(polls).toHaveLength(10);
    expect(fake.maxInFlight).toBe(1);
    expect(poller.snapshot()).toMatchObject({ connected: true, polls: 10, latePolls: 0, blocks: 4, errors: {} });
    expect(polls.map((p) => p.time - polls[0].time)).toEqual([0, 100, 200, 300, 400, 500, 600, 700, 800, 900]);
    expect(polls[0].results[299]).toEqual({ value: 1234, quality: 'GOOD' });
    expect(polls[0].results[300]).toEqual({ value: 1, quality: 'GOOD' });
    expect(poller.snapshot().pollMsP50).toBe(40);
  });

  it('skips and counts polls that come due while the last one still runs', async () => {
    fake.latencyMs = 60; // 4 requests: a poll takes 240 ms of a 100 ms period
    startPoller();
    await jest.advanceTimersByTimeAsync(1000);
    // Polls start at 0, 300, 600, 900: each skips the two slots it overran.
    expect(polls).toHaveLength(3);
    expect(poller.snapshot()).toMatchObject({ polls: 3, latePolls: 6 });
    expect(fake.maxInFlight).toBe(1);
  });

  it('reports a failed block BAD, keeps the connection on an exception and drops it on a timeout', async () => {
    startPoller();
    await jest.advanceTimersByTimeAsync(50);
    fake.failNext = Object.assign(new Error('Modbus exception 2'), { modbusCode: 2 });
    await jest.advanceTimersByTimeAsync(100);
    const failed = polls[1].results;
    // Coils are read first: that block failed, the register blocks after it were still read.
    expect(failed[300]).toEqual({ value: 1, quality: 'BAD', error: 'ILLEGAL_DATA_ADDRESS' });
    expect(failed[0]).toEqual({ value: 0, quality: 'GOOD' });
    expect(poller.snapshot()).toMatchObject({ connected: true, failedPolls: 1, errors: { ILLEGAL_DATA_ADDRESS: 1 } });

    fake.failNext = Object.assign(new Error('Timed out'), { name: 'TransactionTimedOutError' });
    await jest.advanceTimersByTimeAsync(100);
    // The blocks after the timeout have no connection to go over: BAD too, without a request.
    expect(polls[2].results.every((r) => r.quality === 'BAD')).toBe(true);
    expect(poller.snapshot()).toMatchObject({ connected: false, errors: { ILLEGAL_DATA_ADDRESS: 1, TIMEOUT: 1 } });
  });

  it('reports every point BAD while the device is unreachable and reconnects with backoff', async () => {
    fake.refuse = true;
    startPoller();
    await jest.advanceTimersByTimeAsync(1050);
    expect(polls.length).toBe(11);
    expect(polls.every((p) => p.results.every((r) => r.quality === 'BAD' && r.error === 'CONNECTION'))).toBe(true);
    // Attempts at 0, then 500 ms later, then 1000 ms (the cap) later: not one per poll.
    expect(fake.opens).toBe(2);
    expect(poller.snapshot()).toMatchObject({ connected: false, errors: { CONNECTION: 2 } });

    fake.refuse = false;
    await jest.advanceTimersByTimeAsync(600);
    expect(poller.snapshot()).toMatchObject({ connected: true, reconnects: 0 });
    expect(polls[polls.length - 1].results.every((r) => r.quality === 'GOOD')).toBe(true);

    // A connection the device closes counts and is reopened after the backoff, starting again from 500 ms.
    fake.onClose!();
    expect(poller.snapshot()).toMatchObject({ connected: false, errors: { CONNECTION: 3 } });
    await jest.advanceTimersByTimeAsync(600);
    expect(poller.snapshot()).toMatchObject({ connected: true, reconnects: 1 });
  });

  it('serialises a one-off read with the polls', async () => {
    startPoller();
    await jest.advanceTimersByTimeAsync(20);
    const read = poller.readNow();
    await jest.advanceTimersByTimeAsync(100);
    expect((await read).length).toBe(301);
    expect(fake.maxInFlight).toBe(1);
  });

  it('writes in turn with the polls, and tells a refusal by the device from a failure', async () => {
    startPoller();
    await jest.advanceTimersByTimeAsync(20);
    const written = poller.write({ function: 'registers', address: 0, values: [1, 2] });
    await jest.advanceTimersByTimeAsync(40);
    expect(await written).toEqual({ ok: true });
    expect(fake.writes).toEqual([[0, [1, 2]]]);
    expect(fake.maxInFlight).toBe(1);

    await jest.advanceTimersByTimeAsync(60);
    fake.failWrite = Object.assign(new Error('Modbus exception 3'), { modbusCode: 3 });
    const refused = poller.write({ function: 'coil', address: 0, state: true });
    await jest.advanceTimersByTimeAsync(60);
    expect(await refused).toEqual({ ok: false, exception: true, reason: 'ILLEGAL_DATA_VALUE' });
    expect(poller.snapshot().connected).toBe(true);
  });
});
