import { Logger } from '@nestjs/common';
import { EventBus } from './event-bus.js';

describe('EventBus', () => {
  beforeAll(() => {
    Logger.overrideLogger(false);
  });

  const batch = { readings: [] };

  it('delivers each event to every listener, in subscription order', () => {
    const bus = new EventBus();
    const calls: string[] = [];
    bus.on('readings.received', 'a', () => void calls.push('a'));
    bus.on('readings.received', 'b', () => void calls.push('b'));
    bus.emit('readings.received', batch);
    expect(calls).toEqual(['a', 'b']);
  });

  it('keeps delivering when a listener throws or rejects, and counts each failure', async () => {
    const bus = new EventBus();
    const delivered: number[] = [];
    bus.on('readings.received', 'thrower', () => {
      throw new Error('boom');
    });
    bus.on('readings.received', 'rejecter', () => Promise.reject(new Error('later')));
    bus.on('readings.received', 'good', () => void delivered.push(1));
    bus.emit('readings.received', batch);
    bus.emit('readings.received', batch);
    await new Promise((r) => setImmediate(r));
    expect(delivered).toEqual([1, 1]);
    expect(bus.errorCounts()).toEqual({ 'readings.received:thrower': 2, 'readings.received:rejecter': 2 });
  });

  it('stops delivering to a listener once it unsubscribes', () => {
    const bus = new EventBus();
    let count = 0;
    const off = bus.on('readings.processed', 'x', () => void count++);
    bus.emit('readings.processed', batch);
    off();
    bus.emit('readings.processed', batch);
    expect(count).toBe(1);
    expect(bus.listenerCount('readings.processed')).toBe(0);
  });

  // The features' events reach the bus by declaration merging; `npm run typecheck` fails if these lines compile.
  it('refuses a misspelt event name, a wrong payload and an unknown source at compile time', () => {
    const bus = new EventBus();
    // @ts-expect-error misspelt event name
    bus.emit('readings.recieved', batch);
    // @ts-expect-error payload of another event
    bus.emit('alarm.transitioned', batch);
    const reading = { unitId: 'U1', sensorType: 't', value: 1, receivedAt: 0 };
    // @ts-expect-error no such source
    bus.emit('readings.received', { readings: [{ ...reading, source: 'ftp' }] });
    expect(bus.listenerCount('readings.received')).toBe(0);
  });
});
