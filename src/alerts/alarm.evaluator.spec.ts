import type { Quality } from '../common/bus/event-map.js';
import {
  type AlarmTransitionRequest,
  type EvaluatedRule,
  type EvaluationState,
  evaluate,
  initialEvaluationState,
} from './alarm.evaluator.js';

const T0 = 1_764_000_000_000;
const at = (seconds: number) => T0 + seconds * 1000;

function rule(overrides: Partial<EvaluatedRule> = {}): EvaluatedRule {
  return {
    condition: 'greater_than',
    threshold: 85,
    low: null,
    high: null,
    ratePer: null,
    deadband: 0,
    onDelaySeconds: 0,
    offDelaySeconds: 0,
    enabled: true,
    ...overrides,
  };
}

/** Feeds one (rule, sensor) state through readings and ticks, freezing each state so a mutation would throw. */
class Sensor {
  state: EvaluationState;

  constructor(
    private readonly rule: EvaluatedRule,
    state: EvaluationState = initialEvaluationState(),
  ) {
    this.state = Object.freeze(state);
  }

  read(seconds: number, value: number, quality: Quality = 'GOOD'): AlarmTransitionRequest | null {
    const reading = { unitId: 'UNIT001', sensorType: 's', value, quality, time: at(seconds), source: 'mqtt' as const };
    return this.apply(evaluate(this.rule, this.state, { kind: 'reading', reading }));
  }

  tick(seconds: number): AlarmTransitionRequest | null {
    return this.apply(evaluate(this.rule, this.state, { kind: 'tick', now: at(seconds) }));
  }

  /** Reads values one second apart from `from`, returning what each asked for. */
  series(values: number[], from = 0): Array<'raise' | 'clear' | null> {
    return values.map((v, i) => this.read(from + i, v)?.kind ?? null);
  }

  private apply(result: { state: EvaluationState; transition: AlarmTransitionRequest | null }) {
    this.state = Object.freeze(result.state);
    return result.transition;
  }
}

describe('evaluate: conditions', () => {
  it.each([
    ['greater_than', { threshold: 85 }, [85, 80], [85.1, 1000]],
    ['greater_or_equal', { threshold: 85 }, [84.9, 0], [85, 90]],
    ['less_than', { threshold: 20 }, [20, 100], [19.9, -5]],
    ['less_or_equal', { threshold: 20 }, [20.1, 100], [20, -5]],
    ['equals', { threshold: 1 }, [0, 1.0001], [1]],
    ['not_equals', { threshold: 1 }, [1], [0, 1.0001, -1]],
    ['outside_range', { threshold: null, low: 0.5, high: 8 }, [0.5, 4, 8], [8.01, 0.49]],
    ['inside_range', { threshold: null, low: 10, high: 20 }, [9.99, 20.01, -100], [10, 15, 20]],
  ] as const)(
    '%s: normal values stay quiet, abnormal ones raise, normal again clears',
    (condition, fields, normal, abnormal) => {
      for (const bad of abnormal) {
        for (const good of normal) {
          const sensor = new Sensor(rule({ condition, ...fields }));
          expect(sensor.read(0, good)).toBeNull();
          expect(sensor.read(1, bad)).toMatchObject({ kind: 'raise', at: at(1), value: bad });
          expect(sensor.read(2, bad)).toBeNull();
          expect(sensor.read(3, good)).toMatchObject({ kind: 'clear', at: at(3), value: good });
          expect(sensor.read(4, good)).toBeNull();
        }
      }
    },
  );

  it('reports the threshold with a comparison', () => {
    expect(new Sensor(rule()).read(0, 90)).toEqual({ kind: 'raise', at: at(0), value: 90, threshold: 85 });
  });

  it('reports the violated bound with outside_range', () => {
    const r = rule({ condition: 'outside_range', threshold: null, low: 0.5, high: 8 });
    expect(new Sensor(r).read(0, 9)?.threshold).toBe(8);
    expect(new Sensor(r).read(0, 0.2)?.threshold).toBe(0.5);
  });

  it('reports the nearest bound with inside_range', () => {
    const r = rule({ condition: 'inside_range', threshold: null, low: 10, high: 20 });
    expect(new Sensor(r).read(0, 11)?.threshold).toBe(10);
    expect(new Sensor(r).read(0, 19)?.threshold).toBe(20);
  });

  it('raises exactly once for 100 consecutive readings above the threshold, and clears once', () => {
    const sensor = new Sensor(rule({ deadband: 2 }));
    const above = sensor.series(Array.from({ length: 100 }, (_, i) => 86 + (i % 7)));
    expect(above.filter((t) => t === 'raise')).toHaveLength(1);
    expect(above.filter((t) => t !== null)).toEqual(['raise']);
    expect(above[0]).toBe('raise');
    const below = sensor.series(
      Array.from({ length: 100 }, () => 20),
      100,
    );
    expect(below.filter((t) => t !== null)).toEqual(['clear']);
  });

  it('says nothing with a rule that lacks its limits, rather than treating null as 0', () => {
    for (const condition of ['greater_than', 'not_equals', 'equals'] as const) {
      const sensor = new Sensor(rule({ condition, threshold: null }));
      expect(sensor.series([-1, 0, 1, 100])).toEqual([null, null, null, null]);
    }
    const range = new Sensor(rule({ condition: 'outside_range', threshold: null, low: 1, high: null }));
    expect(range.series([-100, 100])).toEqual([null, null]);
  });
});

describe('evaluate: deadband', () => {
  it('greater_than clears only at threshold − deadband or below', () => {
    const sensor = new Sensor(rule({ threshold: 85, deadband: 2 }));
    expect(sensor.series([90, 84, 83.01, 83, 84, 85, 85.5])).toEqual([
      'raise',
      null, // 84: under the threshold but inside the deadband
      null,
      'clear', // 83 = 85 − 2
      null, // normal again: raising needs > 85, the deadband only delays clearing
      null,
      'raise',
    ]);
  });

  it('greater_or_equal stays in alarm at exactly threshold − deadband', () => {
    const sensor = new Sensor(rule({ condition: 'greater_or_equal', threshold: 85, deadband: 2 }));
    expect(sensor.series([85, 83, 82.99])).toEqual(['raise', null, 'clear']);
  });

  it('less_than clears only at threshold + deadband or above', () => {
    const sensor = new Sensor(rule({ condition: 'less_than', threshold: 20, deadband: 5 }));
    expect(sensor.series([10, 21, 24.9, 25, 19])).toEqual(['raise', null, null, 'clear', 'raise']);
  });

  it('less_or_equal stays in alarm at exactly threshold + deadband', () => {
    const sensor = new Sensor(rule({ condition: 'less_or_equal', threshold: 20, deadband: 5 }));
    expect(sensor.series([20, 25, 25.01])).toEqual(['raise', null, 'clear']);
  });

  it('equals holds the alarm within the deadband on both sides, but raises only on the exact value', () => {
    const r = rule({ condition: 'equals', threshold: 1, deadband: 0.5 });
    expect(new Sensor(r).series([1.2, 0.8])).toEqual([null, null]);
    expect(new Sensor(r).series([1, 1.5, 0.5, 1.6])).toEqual(['raise', null, null, 'clear']);
    expect(new Sensor(r).series([1, 0.4])).toEqual(['raise', 'clear']);
  });

  it('not_equals ignores the deadband: its normal region is one value', () => {
    const sensor = new Sensor(rule({ condition: 'not_equals', threshold: 1, deadband: 0.5 }));
    expect(sensor.series([0, 1.2, 1, 1.2])).toEqual(['raise', null, 'clear', 'raise']);
  });

  it('outside_range clears only deadband inside either limit', () => {
    const r = rule({ condition: 'outside_range', threshold: null, low: 0.5, high: 8, deadband: 0.3 });
    expect(new Sensor(r).series([7.9, 8.5, 7.8, 7.7])).toEqual([null, 'raise', null, 'clear']);
    expect(new Sensor(r).series([0.6, 0.2, 0.7, 0.8])).toEqual([null, 'raise', null, 'clear']);
    // One alarm across both sides: out of the top, straight to out of the bottom, no clear in between.
    expect(new Sensor(r).series([9, 0.1, 4])).toEqual(['raise', null, 'clear']);
  });

  it('inside_range clears only deadband outside either limit', () => {
    const r = rule({ condition: 'inside_range', threshold: null, low: 10, high: 20, deadband: 1 });
    expect(new Sensor(r).series([9.5, 15, 9.5, 9, 8.99])).toEqual([null, 'raise', null, null, 'clear']);
    expect(new Sensor(r).series([20.5, 15, 21, 21.01])).toEqual([null, 'raise', null, 'clear']);
  });

  it('rate_of_change clears only at threshold − deadband or below', () => {
    const sensor = new Sensor(rule({ condition: 'rate_of_change', threshold: 2, ratePer: 'second', deadband: 0.5 }));
    expect(sensor.read(0, 0)).toBeNull();
    expect(sensor.read(1, 10)?.kind).toBe('raise'); // 10/s
    expect(sensor.read(2, 11.75)).toBeNull(); // 1.75/s > 2 − 0.5
    expect(sensor.read(3, 13.25)?.kind).toBe('clear'); // 1.5/s
  });
});

describe('evaluate: on-delay', () => {
  const r = rule({ threshold: 85, deadband: 2, onDelaySeconds: 10 });

  it('raises once the condition has held for the on-delay', () => {
    const sensor = new Sensor(r);
    expect(sensor.read(0, 90)).toBeNull();
    expect(sensor.read(5, 90)).toBeNull();
    expect(sensor.read(9.999, 90)).toBeNull();
    expect(sensor.read(10, 91)).toEqual({ kind: 'raise', at: at(10), value: 91, threshold: 85 });
    expect(sensor.read(11, 92)).toBeNull();
  });

  it('restarts when the condition flaps during the delay', () => {
    const sensor = new Sensor(r);
    expect(sensor.read(0, 90)).toBeNull();
    expect(sensor.read(5, 90)).toBeNull();
    expect(sensor.read(6, 80)).toBeNull(); // normal: the delay starts over
    expect(sensor.read(8, 90)).toBeNull();
    expect(sensor.read(17, 90)).toBeNull(); // 9 s since 8
    expect(sensor.read(18, 90)?.kind).toBe('raise');
  });

  it('restarts on a value inside the deadband too: the deadband widens only an active alarm', () => {
    const sensor = new Sensor(r);
    sensor.read(0, 90);
    expect(sensor.read(5, 84)).toBeNull();
    expect(sensor.read(10, 90)).toBeNull();
    expect(sensor.read(19, 90)).toBeNull();
    expect(sensor.read(20, 90)?.kind).toBe('raise');
  });

  it('never raises for a value that flaps faster than the delay', () => {
    const sensor = new Sensor(r);
    expect(sensor.series(Array.from({ length: 100 }, (_, i) => (i % 5 === 4 ? 80 : 90)))).toEqual(
      Array.from({ length: 100 }, () => null),
    );
  });

  it('is completed by a tick when the sensor reports by exception', () => {
    const sensor = new Sensor(r);
    expect(sensor.read(0, 90)).toBeNull();
    expect(sensor.tick(5)).toBeNull();
    expect(sensor.tick(10)).toEqual({ kind: 'raise', at: at(10), value: 90, threshold: 85 });
    expect(sensor.tick(20)).toBeNull();
  });

  it('is not touched by a BAD reading, which says nothing about the value', () => {
    const sensor = new Sensor(r);
    sensor.read(0, 90);
    expect(sensor.read(5, 0, 'BAD')).toBeNull();
    expect(sensor.read(10, 90)?.kind).toBe('raise');
  });
});

describe('evaluate: off-delay', () => {
  it('clears once normal has held for the off-delay', () => {
    const sensor = new Sensor(rule({ offDelaySeconds: 5 }));
    expect(sensor.read(0, 90)?.kind).toBe('raise');
    expect(sensor.read(10, 80)).toBeNull();
    expect(sensor.read(14, 80)).toBeNull();
    expect(sensor.read(15, 79)).toEqual({ kind: 'clear', at: at(15), value: 79, threshold: 85 });
  });

  it('starts over when the condition returns during the delay, without raising again', () => {
    const sensor = new Sensor(rule({ offDelaySeconds: 5 }));
    sensor.read(0, 90);
    expect(sensor.read(10, 80)).toBeNull();
    expect(sensor.read(12, 90)).toBeNull();
    expect(sensor.read(13, 80)).toBeNull();
    expect(sensor.read(17, 80)).toBeNull();
    expect(sensor.read(18, 80)?.kind).toBe('clear');
  });

  it('counts a value inside the deadband as still in alarm', () => {
    const sensor = new Sensor(rule({ deadband: 2, offDelaySeconds: 5 }));
    sensor.read(0, 90);
    expect(sensor.read(10, 82)).toBeNull();
    expect(sensor.read(12, 84)).toBeNull(); // inside the deadband: the off-delay starts over
    expect(sensor.read(13, 82)).toBeNull();
    expect(sensor.read(17, 82)).toBeNull();
    expect(sensor.read(18, 82)?.kind).toBe('clear');
  });

  it('is completed by a tick', () => {
    const sensor = new Sensor(rule({ offDelaySeconds: 5 }));
    sensor.read(0, 90);
    sensor.read(1, 80);
    expect(sensor.tick(5)).toBeNull();
    expect(sensor.tick(6)).toEqual({ kind: 'clear', at: at(6), value: 80, threshold: 85 });
  });

  it('combines with the on-delay', () => {
    const sensor = new Sensor(rule({ onDelaySeconds: 3, offDelaySeconds: 3 }));
    expect(sensor.series([90, 90, 90, 90, 80, 80, 80, 80])).toEqual([
      null,
      null,
      null,
      'raise',
      null,
      null,
      null,
      'clear',
    ]);
  });
});

describe('evaluate: rate_of_change', () => {
  it('per second compares |Δvalue / Δt| with the threshold, rising or falling', () => {
    const sensor = new Sensor(rule({ condition: 'rate_of_change', threshold: 2, ratePer: 'second' }));
    expect(sensor.read(0, 0)).toBeNull(); // first sample: no rate yet
    expect(sensor.read(1, 1)).toBeNull(); // 1/s
    expect(sensor.read(2, 4)).toEqual({ kind: 'raise', at: at(2), value: 3, threshold: 2 });
    expect(sensor.read(3, 0)).toBeNull(); // −4/s: still too fast
    expect(sensor.read(4, 0)).toMatchObject({ kind: 'clear', value: 0 });
    expect(sensor.read(5, -5)).toMatchObject({ kind: 'raise', value: -5 });
  });

  it('per second uses the real interval between samples', () => {
    const sensor = new Sensor(rule({ condition: 'rate_of_change', threshold: 2, ratePer: 'second' }));
    sensor.read(0, 0);
    expect(sensor.read(10, 15)).toBeNull(); // 1.5/s over 10 s
    expect(sensor.read(10.5, 17)?.value).toBe(4); // 2 in 0.5 s
  });

  it('per minute scales the rate to the minute', () => {
    const sensor = new Sensor(rule({ condition: 'rate_of_change', threshold: 6, ratePer: 'minute' }));
    sensor.read(0, 0);
    expect(sensor.read(1, 0.05)).toBeNull(); // 3/min
    const raise = sensor.read(2, 0.2); // 0.15/s = 9/min
    expect(raise?.kind).toBe('raise');
    expect(raise?.value).toBeCloseTo(9);
    expect(raise?.threshold).toBe(6);
  });

  it('reads the same threshold per second or per minute as the rule says', () => {
    const halfPerSecond = [0, 0.5, 1];
    const perSecond = new Sensor(rule({ condition: 'rate_of_change', threshold: 1, ratePer: 'second' }));
    expect(perSecond.series(halfPerSecond)).toEqual([null, null, null]); // 0.5/s ≤ 1/s
    const perMinute = new Sensor(rule({ condition: 'rate_of_change', threshold: 1, ratePer: 'minute' }));
    expect(perMinute.series(halfPerSecond)).toEqual([null, 'raise', null]); // 30/min > 1/min
  });

  it('skips BAD samples and measures across them', () => {
    const sensor = new Sensor(rule({ condition: 'rate_of_change', threshold: 2, ratePer: 'second' }));
    sensor.read(0, 0);
    expect(sensor.read(1, 1000, 'BAD')).toBeNull();
    expect(sensor.read(2, 1)).toBeNull(); // 0.5/s from the sample at 0
  });

  it('applies the on-delay to the rate', () => {
    const sensor = new Sensor(
      rule({ condition: 'rate_of_change', threshold: 1, ratePer: 'second', onDelaySeconds: 2 }),
    );
    expect(sensor.series([0, 5, 10, 15])).toEqual([null, null, null, 'raise']);
  });
});

describe('evaluate: bad_quality', () => {
  const r = rule({ condition: 'bad_quality', threshold: null });

  it('raises on BAD, holds through UNCERTAIN, clears on GOOD', () => {
    const sensor = new Sensor(r);
    expect(sensor.read(0, 20, 'GOOD')).toBeNull();
    expect(sensor.read(1, 20, 'UNCERTAIN')).toBeNull();
    expect(sensor.read(2, -999, 'BAD')).toEqual({ kind: 'raise', at: at(2), value: -999, threshold: null });
    expect(sensor.read(3, -999, 'BAD')).toBeNull();
    expect(sensor.read(4, 20, 'UNCERTAIN')).toBeNull();
    expect(sensor.read(5, 20, 'GOOD')).toMatchObject({ kind: 'clear', value: 20 });
  });

  it('needs BAD to hold for the on-delay; UNCERTAIN does not count towards it', () => {
    const sensor = new Sensor(rule({ condition: 'bad_quality', threshold: null, onDelaySeconds: 5 }));
    expect(sensor.read(0, 0, 'BAD')).toBeNull();
    expect(sensor.read(2, 0, 'UNCERTAIN')).toBeNull();
    expect(sensor.read(4, 0, 'BAD')).toBeNull();
    expect(sensor.read(8, 0, 'BAD')).toBeNull();
    expect(sensor.read(9, 0, 'BAD')?.kind).toBe('raise');
  });
});

describe('evaluate: no_data', () => {
  const r = rule({ condition: 'no_data', threshold: 30 });

  it('raises once on a tick after N seconds of silence from the baseline, and clears on the next reading', () => {
    const sensor = new Sensor(r, initialEvaluationState({ since: at(0) }));
    expect(sensor.tick(10)).toBeNull();
    expect(sensor.tick(29.999)).toBeNull();
    expect(sensor.tick(30)).toEqual({ kind: 'raise', at: at(30), value: 30, threshold: 30 });
    expect(sensor.tick(60)).toBeNull();
    expect(sensor.tick(600)).toBeNull();
    expect(sensor.read(601, 21.5)).toEqual({ kind: 'clear', at: at(601), value: 21.5, threshold: 30 });
    expect(sensor.tick(602)).toBeNull();
  });

  it('measures silence from the latest reading', () => {
    const sensor = new Sensor(r, initialEvaluationState({ since: at(0) }));
    expect(sensor.read(20, 1)).toBeNull();
    expect(sensor.tick(30)).toBeNull();
    expect(sensor.tick(49)).toBeNull();
    expect(sensor.tick(50)?.kind).toBe('raise');
  });

  it('reports the seconds of silence at the tick that noticed it', () => {
    const sensor = new Sensor(r);
    sensor.read(0, 1);
    expect(sensor.tick(45)?.value).toBe(45);
  });

  it('counts a BAD reading as data: the link is alive', () => {
    const sensor = new Sensor(r, initialEvaluationState({ since: at(0) }));
    sensor.read(25, 0, 'BAD');
    expect(sensor.tick(40)).toBeNull();
    expect(sensor.tick(55)?.kind).toBe('raise');
  });

  it('never raises without a baseline or a first reading', () => {
    const sensor = new Sensor(r);
    expect([sensor.tick(100), sensor.tick(10_000)]).toEqual([null, null]);
  });

  it('runs the on-delay from when the silence reached N, not from the tick that saw it', () => {
    const delayed = rule({ condition: 'no_data', threshold: 30, onDelaySeconds: 10 });
    const fine = new Sensor(delayed, initialEvaluationState({ since: at(0) }));
    expect(fine.tick(30)).toBeNull();
    expect(fine.tick(39)).toBeNull();
    expect(fine.tick(40)?.kind).toBe('raise');
    const coarse = new Sensor(delayed, initialEvaluationState({ since: at(0) }));
    expect(coarse.tick(100)?.at).toBe(at(100));
  });

  it('lets a reading during the on-delay cancel the raise', () => {
    const sensor = new Sensor(rule({ condition: 'no_data', threshold: 30, onDelaySeconds: 10 }));
    sensor.read(0, 1);
    expect(sensor.tick(35)).toBeNull();
    expect(sensor.read(36, 1)).toBeNull();
    expect(sensor.tick(45)).toBeNull();
    expect(sensor.tick(66)).toBeNull(); // silent for 30 s again: the on-delay starts
    expect(sensor.tick(76)?.kind).toBe('raise');
  });

  it('ignores readings for raising, whatever their value', () => {
    const sensor = new Sensor(r);
    expect(sensor.series([1e9, -1e9, 0])).toEqual([null, null, null]);
  });
});

describe('evaluate: readings that say nothing', () => {
  it('ignores BAD and non-finite values for value conditions, both ways', () => {
    const sensor = new Sensor(rule());
    expect(sensor.read(0, 90, 'BAD')).toBeNull();
    expect(sensor.read(1, NaN)).toBeNull();
    expect(sensor.read(2, 90, 'UNCERTAIN')?.kind).toBe('raise');
    expect(sensor.read(3, 0, 'BAD')).toBeNull();
    expect(sensor.read(4, Infinity)).toBeNull();
    expect(sensor.state.alarmed).toBe(true);
  });

  it('ignores a reading not newer than the last one (redelivery, out of order)', () => {
    const sensor = new Sensor(rule());
    expect(sensor.read(10, 90)?.kind).toBe('raise');
    expect(sensor.read(10, 90)).toBeNull();
    expect(sensor.read(5, 80)).toBeNull();
    expect(sensor.read(10, 80)).toBeNull();
    expect(sensor.read(11, 80)?.kind).toBe('clear');
  });
});

describe('evaluate: rule and state lifecycle', () => {
  it('does nothing for a disabled rule and forgets an active alarm (the lifecycle closes it)', () => {
    const enabled = rule();
    const sensor = new Sensor(enabled);
    sensor.read(0, 90);
    expect(sensor.state.alarmed).toBe(true);
    const disabled = new Sensor({ ...enabled, enabled: false }, sensor.state);
    expect(disabled.series([90, 91, 20, 95], 1)).toEqual([null, null, null, null]);
    expect(disabled.tick(100)).toBeNull();
    expect(disabled.state.alarmed).toBe(false);
    // Re-enabled while still abnormal: raises again, which opens a new alarm.
    expect(new Sensor(enabled, disabled.state).read(200, 90)?.kind).toBe('raise');
  });

  it('does not raise again for an alarm restored as active after a restart', () => {
    const sensor = new Sensor(rule({ deadband: 2 }), initialEvaluationState({ alarmed: true }));
    expect(sensor.series([90, 95, 84])).toEqual([null, null, null]);
    expect(sensor.read(3, 80)?.kind).toBe('clear');
  });

  it('takes a changed threshold into account at the next reading', () => {
    const sensor = new Sensor(rule({ threshold: 85 }));
    sensor.read(0, 90);
    const raised = new Sensor(rule({ threshold: 95 }), sensor.state);
    expect(raised.read(1, 90)?.kind).toBe('clear');
  });

  it('returns the same state object when a tick changes nothing', () => {
    const state = Object.freeze(initialEvaluationState());
    expect(evaluate(rule(), state, { kind: 'tick', now: at(0) }).state).toBe(state);
  });
});
