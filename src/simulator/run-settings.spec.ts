import { normalizeSeed, planRun, type RunDefaults } from './run-settings.js';

const DEFAULTS: RunDefaults = { units: 5, intervalMs: 1000, rate: 0 };

describe('planRun', () => {
  it('runs the configured defaults when asked for nothing: 5 units × 4 sensors each second, unseeded', () => {
    expect(planRun({}, DEFAULTS)).toEqual({
      ok: true,
      plan: { protocol: 'json', units: 5, intervalMs: 1000, targetRate: 20, seed: undefined },
    });
  });

  it('turns a rate into the interval that carries it: 1,000 units at 50,000 readings/s tick every 80 ms', () => {
    expect(planRun({ units: 1000, rate: 50_000 }, DEFAULTS)).toEqual({
      ok: true,
      plan: { protocol: 'json', units: 1000, intervalMs: 80, targetRate: 50_000, seed: undefined },
    });
  });

  it('lets a configured rate win over the configured interval, and a requested interval over both', () => {
    const loaded: RunDefaults = { units: 1000, intervalMs: 1000, rate: 40_000 };
    expect(planRun({}, loaded)).toMatchObject({ ok: true, plan: { intervalMs: 100, targetRate: 40_000 } });
    expect(planRun({ intervalMs: 500 }, loaded)).toMatchObject({
      ok: true,
      plan: { intervalMs: 500, targetRate: 8000 },
    });
  });

  it('refuses a rate and an interval together', () => {
    expect(planRun({ intervalMs: 100, rate: 200 }, DEFAULTS)).toEqual({
      ok: false,
      error: expect.stringContaining('Give interval_ms or rate, not both'),
    });
  });

  it('refuses a rate the units cannot reach, saying how many units would', () => {
    const result = planRun({ rate: 50_000 }, DEFAULTS);
    expect(result).toEqual({ ok: false, error: expect.stringContaining('ask for at least 125 units') });
    expect(planRun({ units: 125, rate: 50_000 }, DEFAULTS).ok).toBe(true);
  });

  it('refuses a rate so low the ticks would be more than an hour apart', () => {
    expect(planRun({ units: 10_000, rate: 1 }, DEFAULTS)).toEqual({
      ok: false,
      error: expect.stringContaining('ask for a higher rate'),
    });
  });

  it('speaks the configured protocol unless the request names one', () => {
    expect(planRun({}, { ...DEFAULTS, protocol: 'sparkplug' })).toMatchObject({ plan: { protocol: 'sparkplug' } });
    expect(planRun({ protocol: 'json' }, { ...DEFAULTS, protocol: 'sparkplug' })).toMatchObject({
      plan: { protocol: 'json' },
    });
  });

  it('carries the seed, requested or configured', () => {
    expect(planRun({ seed: 'demo' }, DEFAULTS)).toMatchObject({ plan: { seed: 'demo' } });
    expect(planRun({}, { ...DEFAULTS, seed: '42' })).toMatchObject({ plan: { seed: 42 } });
  });
});

describe('normalizeSeed', () => {
  it('reads decimal text that fits 32 bits as that number, so env and JSON name the same run', () => {
    expect(normalizeSeed('42')).toBe(42);
    expect(normalizeSeed(42)).toBe(42);
    expect(normalizeSeed('4294967295')).toBe(4294967295);
    expect(normalizeSeed('4294967296')).toBe('4294967296');
    expect(normalizeSeed('-1')).toBe('-1');
    expect(normalizeSeed('plant-a')).toBe('plant-a');
  });
});
