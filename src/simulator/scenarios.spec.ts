import {
  DEFAULT_ALARM_LIMITS,
  SCENARIO_NAMES,
  SCENARIOS,
  UnitScenarios,
  createInjection,
  envelope,
  isScenarioName,
  type ScenarioInjection,
  type ScenarioName,
} from './scenarios.js';
import {
  FLOW_RATE,
  NO_ANOMALIES,
  NORMAL_RANGES,
  POWER,
  PRESSURE,
  SENSOR_COUNT,
  SENSOR_INDEX,
  SENSOR_SPECS,
  TEMPERATURE,
  UnitModel,
  type SensorType,
  type UnitFrame,
} from './unit-model.js';

const T0 = Date.UTC(2025, 0, 6, 12);
const START = T0 + 10 * 60_000;
const STEP_MS = 1_000;

interface Visit {
  t: number;
  /** The unit with the scenario. */
  injected: UnitFrame;
  /** Its twin: same seed and index, no scenario. */
  plain: UnitFrame;
  scenarios: UnitScenarios;
  injection: ScenarioInjection;
}

/**
 * Steps a unit carrying the scenario next to its twin, from ten minutes before the injection to two minutes
 * after its end, and shows each instant to `visit` (frames are reused, so it must look at once).
 */
function runTwin(
  scenario: ScenarioName,
  visit: (v: Visit) => void,
  options: { index?: number; durationMs?: number; sensor?: SensorType } = {},
): ScenarioInjection {
  const injection = createInjection(scenario, START, options.durationMs, options.sensor);
  const scenarios = new UnitScenarios();
  scenarios.add(injection);
  const withScenario = new UnitModel(77, options.index ?? 0, NO_ANOMALIES);
  const twin = new UnitModel(77, options.index ?? 0, NO_ANOMALIES);
  const end = START + injection.durationMs;
  for (let t = T0; t < end + 2 * 60_000; t += STEP_MS) {
    const injected = withScenario.step(t);
    scenarios.apply(injected, t);
    visit({ t, injected, plain: twin.step(t), scenarios, injection });
  }
  return injection;
}

const during = (v: Visit): boolean => v.t >= v.injection.startMs && v.t < v.injection.startMs + v.injection.durationMs;
/** The middle half of the scenario: past any ramp in, before any ramp out (ramps are capped at a quarter). */
const plateau = (v: Visit): boolean => {
  const { startMs, durationMs } = v.injection;
  return v.t >= startMs + durationMs / 4 && v.t < startMs + (3 * durationMs) / 4;
};

function same(a: UnitFrame, b: UnitFrame): boolean {
  for (let i = 0; i < SENSOR_COUNT; i++) {
    if (a.values[i] !== b.values[i] || a.qualities[i] !== b.qualities[i]) return false;
  }
  return a.transmitting === b.transmitting;
}

/** The default rules the engine will have (alerts/ owns them; see DEFAULT_ALARM_LIMITS). */
function defaultRulesFired(frame: UnitFrame): string[] {
  if (!frame.transmitting) return [];
  const fired: string[] = [];
  const good = (i: number): boolean => frame.qualities[i] !== 'BAD';
  if (good(TEMPERATURE) && frame.values[TEMPERATURE] > DEFAULT_ALARM_LIMITS.temperatureHigh) fired.push('temperature');
  if (good(PRESSURE) && frame.values[PRESSURE] > DEFAULT_ALARM_LIMITS.pressureHigh) fired.push('pressure');
  if (good(FLOW_RATE) && frame.values[FLOW_RATE] < DEFAULT_ALARM_LIMITS.flowLow) fired.push('flow_rate');
  return fired;
}

describe('scenario catalogue', () => {
  it('has the ten scenarios of issue 7, each described in one line with an alarm and a default duration', () => {
    expect(Object.keys(SCENARIOS).sort()).toEqual([...SCENARIO_NAMES].sort());
    expect(SCENARIO_NAMES).toHaveLength(10);
    for (const name of SCENARIO_NAMES) {
      const definition = SCENARIOS[name];
      expect(definition.name).toBe(name);
      for (const line of [definition.description, definition.alarmNote]) {
        expect(line.length).toBeGreaterThan(20);
        expect(line.length).toBeLessThanOrEqual(120);
        expect(line).not.toContain('\n');
      }
      expect(definition.defaultDurationMs).toBeGreaterThan(0);
    }
    expect(isScenarioName('drift')).toBe(true);
    expect(isScenarioName('meteor_strike')).toBe(false);
  });

  it('names the default rule each value scenario should raise', () => {
    const fires = (name: ScenarioName): string => {
      const alarm = SCENARIOS[name].expectedAlarm;
      return alarm.kind === 'threshold' && alarm.defaultRule ? `${alarm.sensor} ${alarm.direction} ${alarm.limit}` : '';
    };
    expect(fires('high_temperature')).toBe('temperature above 85');
    expect(fires('pressure_spike')).toBe('pressure above 9');
    expect(fires('flow_blockage')).toBe('flow_rate below 20');
    expect(SCENARIOS.communication_loss.expectedAlarm.kind).toBe('stale_data');
    expect(SCENARIOS.sensor_failure.expectedAlarm.kind).toBe('bad_quality');
    expect(SCENARIOS.unit_offline.expectedAlarm.kind).toBe('unit_offline');
  });
});

describe('every scenario', () => {
  it.each(SCENARIO_NAMES)(
    '%s leaves the unit alone before it starts and reverts exactly after its duration',
    (name) => {
      let touchedBefore = 0;
      let differedDuring = 0;
      let differedAfter = 0;
      let activeAfter = 0;
      runTwin(name, (v) => {
        const end = v.injection.startMs + v.injection.durationMs;
        if (v.t < v.injection.startMs && !same(v.injected, v.plain)) touchedBefore++;
        if (during(v) && (!same(v.injected, v.plain) || v.scenarios.offline)) differedDuring++;
        if (v.t >= end) {
          if (!same(v.injected, v.plain) || v.scenarios.offline) differedAfter++;
          activeAfter += v.scenarios.size;
        }
      });
      expect(touchedBefore).toBe(0);
      expect(differedDuring).toBeGreaterThan(0);
      expect(differedAfter).toBe(0);
      expect(activeAfter).toBe(0);
    },
  );

  it.each(SCENARIO_NAMES)('%s fires exactly the default rule it names, and no other', (name) => {
    const alarm = SCENARIOS[name].expectedAlarm;
    const expected = alarm.kind === 'threshold' && alarm.defaultRule ? [alarm.sensor] : [];
    for (let index = 0; index < 5; index++) {
      const fired = new Set<string>();
      const plateauFired = new Set<string>();
      let plateauSteps = 0;
      let plateauMisses = 0;
      runTwin(
        name,
        (v) => {
          const rules = defaultRulesFired(v.injected);
          rules.forEach((rule) => fired.add(rule));
          if (plateau(v)) {
            plateauSteps++;
            rules.forEach((rule) => plateauFired.add(rule));
            if (expected.length > 0 && !rules.includes(expected[0])) plateauMisses++;
          }
        },
        { index },
      );
      expect([...fired]).toEqual(expected);
      expect(plateauSteps).toBeGreaterThan(0);
      // The named rule holds on every reading of the plateau, so on-delays and deadbands cannot hide it.
      expect(plateauMisses).toBe(0);
    }
  });

  it.each(SCENARIO_NAMES.filter((name) => SCENARIOS[name].expectedAlarm.kind === 'threshold'))(
    '%s crosses its own limit on every reading of its plateau',
    (name) => {
      const alarm = SCENARIOS[name].expectedAlarm;
      if (alarm.kind !== 'threshold') throw new Error('filtered above');
      const i = SENSOR_INDEX[alarm.sensor];
      const plateauValues: number[] = [];
      runTwin(name, (v) => {
        if (plateau(v)) plateauValues.push(v.injected.values[i]);
      });
      if (alarm.direction === 'above') expect(Math.min(...plateauValues)).toBeGreaterThan(alarm.limit);
      else expect(Math.max(...plateauValues)).toBeLessThan(alarm.limit);
    },
  );
});

describe('value scenarios', () => {
  it('high_temperature ramps up, holds near 95 °C, and falls back before its end', () => {
    const temperatures: number[] = [];
    let lastDuring = 0;
    let plainAtLast = 0;
    runTwin('high_temperature', (v) => {
      if (plateau(v)) temperatures.push(v.injected.values[TEMPERATURE]);
      if (during(v)) {
        lastDuring = v.injected.values[TEMPERATURE];
        plainAtLast = v.plain.values[TEMPERATURE];
      }
    });
    expect(Math.min(...temperatures)).toBeGreaterThan(93);
    expect(Math.max(...temperatures)).toBeLessThan(97);
    // One second before the end the ramp down is nearly over: the alarm has already cleared.
    expect(lastDuring).toBeLessThan(DEFAULT_ALARM_LIMITS.temperatureHigh);
    expect(lastDuring - plainAtLast).toBeLessThan(2);
  });

  it('flow_blockage starves flow, raises pressure below the high limit, and unloads the pump', () => {
    runTwin('flow_blockage', (v) => {
      if (!plateau(v)) return;
      expect(v.injected.values[FLOW_RATE]).toBeLessThan(10);
      expect(v.injected.values[PRESSURE]).toBeGreaterThan(v.plain.values[PRESSURE]);
      expect(v.injected.values[PRESSURE]).toBeLessThan(DEFAULT_ALARM_LIMITS.pressureHigh);
      expect(v.injected.values[POWER]).toBeLessThan(v.plain.values[POWER]);
    });
  });

  it('pressure_loss drops pressure under the normal range while flow stays above the flow-low limit', () => {
    runTwin('pressure_loss', (v) => {
      if (!during(v)) return;
      expect(v.injected.values[FLOW_RATE]).toBeGreaterThan(DEFAULT_ALARM_LIMITS.flowLow);
      if (plateau(v)) expect(v.injected.values[PRESSURE]).toBeLessThan(NORMAL_RANGES.pressure.min);
    });
  });

  it('power_surge lifts power above 120 kW and warms the unit a little', () => {
    runTwin('power_surge', (v) => {
      if (!plateau(v)) return;
      expect(v.injected.values[POWER]).toBeGreaterThan(NORMAL_RANGES.power.max);
      expect(v.injected.values[TEMPERATURE] - v.plain.values[TEMPERATURE]).toBeCloseTo(6, 6);
    });
  });

  it('pressure_spike rises within seconds', () => {
    runTwin('pressure_spike', (v) => {
      if (v.t >= START + 2_000 && during(v) && v.t < START + 20_000)
        expect(v.injected.values[PRESSURE]).toBeGreaterThan(DEFAULT_ALARM_LIMITS.pressureHigh);
    });
  });
});

describe('sensor scenarios', () => {
  it.each<[SensorType | undefined, SensorType]>([
    [undefined, 'temperature'],
    ['pressure', 'pressure'],
  ])('sensor_failure (sensor %s) flags %s BAD, pinned under its scale, and leaves the rest', (requested, actual) => {
    const i = SENSOR_INDEX[actual];
    const spec = SENSOR_SPECS[i];
    runTwin(
      'sensor_failure',
      (v) => {
        if (!during(v)) return;
        expect(v.injected.qualities[i]).toBe('BAD');
        expect(v.injected.values[i]).toBeCloseTo(spec.min - 0.05 * (spec.max - spec.min), 9);
        for (let other = 0; other < SENSOR_COUNT; other++) {
          if (other === i) continue;
          expect(v.injected.values[other]).toBe(v.plain.values[other]);
          expect(v.injected.qualities[other]).toBe('GOOD');
        }
      },
      { sensor: requested },
    );
  });

  it('stuck_value freezes flow rate at its value at injection, still GOOD', () => {
    const frozen = new Set<number>();
    let plainMoves = 0;
    let firstPlain = Number.NaN;
    runTwin('stuck_value', (v) => {
      if (!during(v)) return;
      if (Number.isNaN(firstPlain)) firstPlain = v.plain.values[FLOW_RATE];
      frozen.add(v.injected.values[FLOW_RATE]);
      if (v.plain.values[FLOW_RATE] !== firstPlain) plainMoves++;
      expect(v.injected.qualities[FLOW_RATE]).toBe('GOOD');
    });
    expect([...frozen]).toEqual([firstPlain]);
    expect(plainMoves).toBeGreaterThan(0);
  });

  it('drift adds an offset growing linearly to a quarter of the span at the end', () => {
    const injection = runTwin(
      'drift',
      (v) => {
        if (!during(v)) return;
        const progress = (v.t - v.injection.startMs) / v.injection.durationMs;
        const offset = v.injected.values[TEMPERATURE] - v.plain.values[TEMPERATURE];
        expect(offset).toBeCloseTo(0.25 * 50 * progress, 9);
        expect(v.injected.qualities[TEMPERATURE]).toBe('GOOD');
        expect(v.injected.values[PRESSURE]).toBe(v.plain.values[PRESSURE]);
      },
      { durationMs: 60_000 },
    );
    expect(injection.durationMs).toBe(60_000);
  });
});

describe('silencing scenarios', () => {
  it('communication_loss silences the unit for exactly its duration, without marking it offline', () => {
    let silentDuring = 0;
    let steps = 0;
    runTwin('communication_loss', (v) => {
      if (during(v)) {
        steps++;
        if (!v.injected.transmitting) silentDuring++;
        expect(v.scenarios.offline).toBe(false);
      } else expect(v.injected.transmitting).toBe(true);
    });
    expect(silentDuring).toBe(steps);
    expect(steps).toBe(SCENARIOS.communication_loss.defaultDurationMs / STEP_MS);
  });

  it('unit_offline holds the unit offline for exactly its duration', () => {
    let offline = 0;
    runTwin('unit_offline', (v) => {
      if (during(v)) offline += v.scenarios.offline ? 1 : 0;
      else expect(v.scenarios.offline).toBe(false);
    });
    expect(offline).toBe(SCENARIOS.unit_offline.defaultDurationMs / STEP_MS);
  });
});

describe('UnitScenarios', () => {
  it('restarts a scenario injected again, and cancels one or all', () => {
    const scenarios = new UnitScenarios();
    scenarios.add(createInjection('drift', 0, 1000));
    scenarios.add(createInjection('drift', 500, 3000));
    scenarios.add(createInjection('power_surge', 0));
    expect(scenarios.injections.map((i) => [i.scenario, i.startMs])).toEqual([
      ['drift', 500],
      ['power_surge', 0],
    ]);
    expect(scenarios.cancel('drift')).toBe(1);
    expect(scenarios.cancel('drift')).toBe(0);
    scenarios.add(createInjection('stuck_value', 0));
    expect(scenarios.cancel()).toBe(2);
    expect(scenarios.size).toBe(0);
  });

  it('runs several scenarios on one unit together', () => {
    const scenarios = new UnitScenarios();
    scenarios.add(createInjection('high_temperature', START));
    scenarios.add(createInjection('flow_blockage', START));
    const model = new UnitModel(77, 0, NO_ANOMALIES);
    const t = START + 2 * 60_000;
    model.step(START);
    scenarios.apply(model.frame, START);
    const frame = model.step(t);
    scenarios.apply(frame, t);
    expect(frame.values[TEMPERATURE]).toBeGreaterThan(DEFAULT_ALARM_LIMITS.temperatureHigh);
    expect(frame.values[FLOW_RATE]).toBeLessThan(DEFAULT_ALARM_LIMITS.flowLow);
  });
});

describe('envelope', () => {
  const injection = createInjection('high_temperature', 1000, 400_000);

  it('is 0 outside the scenario, ramps linearly and holds 1 in between', () => {
    expect(envelope(999, injection, 60_000, 60_000)).toBe(0);
    expect(envelope(1000, injection, 60_000, 60_000)).toBe(0);
    expect(envelope(31_000, injection, 60_000, 60_000)).toBeCloseTo(0.5, 12);
    expect(envelope(200_000, injection, 60_000, 60_000)).toBe(1);
    expect(envelope(371_000, injection, 60_000, 60_000)).toBeCloseTo(0.5, 12);
    expect(envelope(401_000, injection, 60_000, 60_000)).toBe(0);
  });

  it('caps ramps at a quarter of a short scenario, and a zero ramp is a step', () => {
    const short = createInjection('high_temperature', 0, 8000);
    expect(envelope(2000, short, 60_000, 60_000)).toBe(1);
    expect(envelope(1000, short, 60_000, 60_000)).toBeCloseTo(0.5, 12);
    expect(envelope(0, short, 0, 0)).toBe(1);
  });
});
