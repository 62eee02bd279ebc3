import { RateMeter } from './rate-meter.js';

describe('RateMeter', () => {
  it('reads a steady stream as its rate', () => {
    const meter = new RateMeter(10_000);
    for (let t = 0; t <= 20_000; t += 80) meter.record(t, 4000);
    expect(meter.perSecond(20_000)).toBeCloseTo(50_000, 6);
    expect(meter.perSecond(20_050)).toBeCloseTo(50_000, 6);
  });

  it('needs two samples for a rate', () => {
    const meter = new RateMeter();
    expect(meter.perSecond(0)).toBe(0);
    meter.record(0, 20);
    expect(meter.perSecond(500)).toBe(0);
    meter.record(1000, 20);
    expect(meter.perSecond(1000)).toBe(20);
  });

  it('reads a stalled stream as slowing down, and as zero once the window has passed', () => {
    const meter = new RateMeter(10_000);
    for (let t = 0; t <= 5000; t += 1000) meter.record(t, 20);
    expect(meter.perSecond(5500)).toBe(20);
    expect(meter.perSecond(9000)).toBe(100 / 8);
    expect(meter.perSecond(15_001)).toBe(0);
    expect(meter.perSecond(30_000)).toBe(0);
  });

  it('reflects only the window: a burst long ago does not count', () => {
    const meter = new RateMeter(1000);
    meter.record(0, 1_000_000);
    for (let t = 5000; t <= 6000; t += 100) meter.record(t, 10);
    expect(meter.perSecond(6000)).toBeCloseTo(100, 6);
  });

  it('keeps memory bounded over a long run', () => {
    const meter = new RateMeter(1000);
    for (let t = 0; t < 1_000_000; t += 10) meter.record(t, 1);
    expect((meter as unknown as { times: number[] }).times.length).toBeLessThan(2400);
    expect(meter.perSecond(999_990)).toBeCloseTo(100, 6);
  });
});
