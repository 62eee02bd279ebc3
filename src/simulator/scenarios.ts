import { DEFAULT_ALERT_RULES } from '../alerts/alert-rule.js';
import {
  FLOW_RATE,
  NORMAL_RANGES,
  POWER,
  PRESSURE,
  SENSOR_COUNT,
  SENSOR_INDEX,
  SENSOR_SPECS,
  SENSOR_TYPES,
  TEMPERATURE,
  type SensorType,
  type UnitFrame,
} from './unit-model.js';

export const SCENARIO_NAMES = [
  'high_temperature',
  'pressure_spike',
  'pressure_loss',
  'flow_blockage',
  'power_surge',
  'sensor_failure',
  'stuck_value',
  'drift',
  'communication_loss',
  'unit_offline',
] as const;
export type ScenarioName = (typeof SCENARIO_NAMES)[number];

export function isScenarioName(value: string): value is ScenarioName {
  return (SCENARIO_NAMES as readonly string[]).includes(value);
}

/** The threshold of the alarm engine's seeded rule for this sensor and condition. */
function defaultLimit(sensorType: SensorType, condition: 'greater_than' | 'less_than'): number {
  const rule = DEFAULT_ALERT_RULES.find((r) => r.sensorType === sensorType && r.condition === condition);
  if (rule === undefined || rule.threshold === null) throw new Error(`No default ${condition} rule for ${sensorType}`);
  return rule.threshold;
}

/**
 * The alarm limits the scenarios are built to cross: the thresholds of the alarm engine's seeded rules, read
 * from them so the two cannot drift apart. Scenario targets keep a clear margin beyond each limit so deadbands
 * and noise cannot keep an alarm from firing.
 */
export const DEFAULT_ALARM_LIMITS = {
  temperatureHigh: defaultLimit('temperature', 'greater_than'),
  pressureHigh: defaultLimit('pressure', 'greater_than'),
  flowLow: defaultLimit('flow_rate', 'less_than'),
} as const;

/** The alarm a scenario should provoke, in a form tests and the REST listing can use. */
export type ExpectedAlarm =
  | {
      kind: 'threshold';
      sensor: SensorType;
      direction: 'above' | 'below';
      limit: number;
      /** Whether the rule is among the engine's default rules, or only fires if an operator adds it. */
      defaultRule: boolean;
    }
  /** The unit's sensors stop reporting: a no-data (stale) alarm. */
  | { kind: 'stale_data' }
  /** Readings arrive flagged BAD: a quality alarm; threshold rules must ignore them. */
  | { kind: 'bad_quality' }
  /** A status change to offline rather than an alarm on a value. */
  | { kind: 'unit_offline' }
  /** Nothing a default rule can see: the scenario exists to show what threshold rules miss. */
  | { kind: 'none' };

/** One injected scenario on one unit. */
export interface ScenarioInjection {
  readonly scenario: ScenarioName;
  /** Frame index of the sensor a single-sensor scenario acts on; the scenario's default otherwise. */
  readonly sensor: number;
  readonly startMs: number;
  readonly durationMs: number;
  /** The unit's baseline at the first step the injection applied to: what "stuck" freezes and relative targets scale. */
  readonly anchor: Float64Array;
  anchored: boolean;
}

export interface ScenarioDefinition {
  readonly name: ScenarioName;
  /** One line for operators: what the unit does during the scenario. */
  readonly description: string;
  readonly expectedAlarm: ExpectedAlarm;
  /** One line: which alarm should fire, and why. */
  readonly alarmNote: string;
  readonly defaultDurationMs: number;
  /** The sensor acted on when an injection names none; also what whole-unit scenarios report. */
  readonly defaultSensor: SensorType;
  /** Whether the injection can pick the sensor (single-sensor faults). */
  readonly perSensor: boolean;
  /** The unit reports itself offline while the scenario runs. */
  readonly forcesOffline: boolean;
  /**
   * Modifies the unit's frame at time `tMs` for an injection that is active then. Pure in the sense that
   * the result depends only on its arguments (no clock, no random source); it writes into the frame so
   * that scenarios allocate nothing per reading.
   */
  apply(frame: UnitFrame, tMs: number, injection: ScenarioInjection): void;
}

/**
 * How far into its effect a scenario is at `tMs`: 0 before and after, rising linearly to 1 over `rampInMs`
 * and falling back to 0 over the last `rampOutMs`. Ramps are capped to a fraction of short durations.
 */
export function envelope(tMs: number, injection: ScenarioInjection, rampInMs: number, rampOutMs: number): number {
  const elapsed = tMs - injection.startMs;
  const remaining = injection.startMs + injection.durationMs - tMs;
  if (elapsed < 0 || remaining <= 0) return 0;
  const rampIn = Math.min(rampInMs, injection.durationMs / 4);
  const rampOut = Math.min(rampOutMs, injection.durationMs / 4);
  let e = 1;
  if (rampIn > 0 && elapsed < rampIn) e = elapsed / rampIn;
  if (rampOut > 0 && remaining < rampOut) e = Math.min(e, remaining / rampOut);
  return e;
}

/**
 * Deterministic ripple in [-1, 1] for plateaus: a real process held at a fault value still moves, and a
 * ripple from t keeps scenarios free of a random source.
 */
export function ripple(tMs: number): number {
  return 0.6 * Math.sin(tMs / 7_000) + 0.4 * Math.sin(tMs / 2_300);
}

function lerp(from: number, to: number, e: number): number {
  return from + (to - from) * e;
}

const SECOND_MS = 1_000;
const MINUTE_MS = 60 * SECOND_MS;

const definitions: ScenarioDefinition[] = [
  {
    name: 'high_temperature',
    description:
      'Temperature climbs over a minute to about 95 °C, holds, and falls back before the end (cooling failure).',
    expectedAlarm: {
      kind: 'threshold',
      sensor: 'temperature',
      direction: 'above',
      limit: DEFAULT_ALARM_LIMITS.temperatureHigh,
      defaultRule: true,
    },
    alarmNote: 'Default rule temperature > 85 °C (critical) raises, then clears during the ramp down.',
    defaultDurationMs: 5 * MINUTE_MS,
    defaultSensor: 'temperature',
    perSensor: false,
    forcesOffline: false,
    apply(frame, tMs, injection) {
      const e = envelope(tMs, injection, MINUTE_MS, MINUTE_MS);
      const target = DEFAULT_ALARM_LIMITS.temperatureHigh + 10 + ripple(tMs);
      frame.values[TEMPERATURE] = lerp(frame.values[TEMPERATURE], target, e);
    },
  },
  {
    name: 'pressure_spike',
    description: 'Pressure jumps within seconds to about 11 bar (water hammer, closed valve) and decays at the end.',
    expectedAlarm: {
      kind: 'threshold',
      sensor: 'pressure',
      direction: 'above',
      limit: DEFAULT_ALARM_LIMITS.pressureHigh,
      defaultRule: true,
    },
    alarmNote: 'The default pressure-high rule (> 9 bar) raises.',
    defaultDurationMs: 30 * SECOND_MS,
    defaultSensor: 'pressure',
    perSensor: false,
    forcesOffline: false,
    apply(frame, tMs, injection) {
      const e = envelope(tMs, injection, 2 * SECOND_MS, 5 * SECOND_MS);
      const target = DEFAULT_ALARM_LIMITS.pressureHigh + 2 + 0.3 * ripple(tMs);
      frame.values[PRESSURE] = lerp(frame.values[PRESSURE], target, e);
    },
  },
  {
    name: 'pressure_loss',
    description: 'Supply pressure falls to about 0.2 bar; flow sags to 40 % (never under 35 L/min) and power to 60 %.',
    expectedAlarm: {
      kind: 'threshold',
      sensor: 'pressure',
      direction: 'below',
      limit: NORMAL_RANGES.pressure.min,
      defaultRule: false,
    },
    alarmNote: 'Only a pressure-low rule (< 0.5 bar) fires; flow stays above the 20 L/min rule on purpose.',
    defaultDurationMs: 2 * MINUTE_MS,
    defaultSensor: 'pressure',
    perSensor: false,
    forcesOffline: false,
    apply(frame, tMs, injection) {
      const e = envelope(tMs, injection, 20 * SECOND_MS, 30 * SECOND_MS);
      const a = injection.anchor;
      const v = frame.values;
      v[PRESSURE] = lerp(v[PRESSURE], 0.2 + 0.05 * ripple(tMs), e);
      v[FLOW_RATE] = lerp(v[FLOW_RATE], Math.max(0.4 * a[FLOW_RATE], DEFAULT_ALARM_LIMITS.flowLow + 15), e);
      v[POWER] = lerp(v[POWER], 0.6 * a[POWER], e);
    },
  },
  {
    name: 'flow_blockage',
    description: 'Flow collapses to about 8 L/min; pressure rises 30 % (held under 8.4 bar) and power drops to 70 %.',
    expectedAlarm: {
      kind: 'threshold',
      sensor: 'flow_rate',
      direction: 'below',
      limit: DEFAULT_ALARM_LIMITS.flowLow,
      defaultRule: true,
    },
    alarmNote: 'The default flow-low rule (< 20 L/min) raises; pressure stays under the 9 bar rule on purpose.',
    defaultDurationMs: 3 * MINUTE_MS,
    defaultSensor: 'flow_rate',
    perSensor: false,
    forcesOffline: false,
    apply(frame, tMs, injection) {
      const e = envelope(tMs, injection, 20 * SECOND_MS, 30 * SECOND_MS);
      const a = injection.anchor;
      const v = frame.values;
      v[FLOW_RATE] = lerp(v[FLOW_RATE], DEFAULT_ALARM_LIMITS.flowLow - 12 + ripple(tMs), e);
      v[PRESSURE] = lerp(v[PRESSURE], Math.min(1.3 * a[PRESSURE], DEFAULT_ALARM_LIMITS.pressureHigh - 0.6), e);
      v[POWER] = lerp(v[POWER], 0.7 * a[POWER], e);
    },
  },
  {
    name: 'power_surge',
    description: 'Power jumps to about 150 kW (above the 120 kW normal maximum) and temperature rises 6 °C.',
    expectedAlarm: {
      kind: 'threshold',
      sensor: 'power',
      direction: 'above',
      limit: NORMAL_RANGES.power.max,
      defaultRule: false,
    },
    alarmNote: 'Only a power-high rule (> 120 kW) fires; the temperature rise stays far below 85 °C.',
    defaultDurationMs: MINUTE_MS,
    defaultSensor: 'power',
    perSensor: false,
    forcesOffline: false,
    apply(frame, tMs, injection) {
      const e = envelope(tMs, injection, 2 * SECOND_MS, 10 * SECOND_MS);
      frame.values[POWER] = lerp(frame.values[POWER], 150 + 3 * ripple(tMs), e);
      frame.values[TEMPERATURE] += 6 * e;
    },
  },
  {
    name: 'sensor_failure',
    description:
      'One sensor (temperature unless named) reads BAD, pinned 5 % under its scale like a broken 4–20 mA loop.',
    expectedAlarm: { kind: 'bad_quality' },
    alarmNote: 'A bad-quality alarm if the engine raises one; no threshold rule may fire on these BAD readings.',
    defaultDurationMs: 2 * MINUTE_MS,
    defaultSensor: 'temperature',
    perSensor: true,
    forcesOffline: false,
    apply(frame, _tMs, injection) {
      const spec = SENSOR_SPECS[injection.sensor];
      frame.values[injection.sensor] = spec.min - 0.05 * (spec.max - spec.min);
      frame.qualities[injection.sensor] = 'BAD';
    },
  },
  {
    name: 'stuck_value',
    description: 'One sensor (flow rate unless named) freezes at its value at injection, still flagged GOOD.',
    expectedAlarm: { kind: 'none' },
    alarmNote: 'No threshold rule fires: a frozen in-range value is what only flat-line detection catches.',
    defaultDurationMs: 5 * MINUTE_MS,
    defaultSensor: 'flow_rate',
    perSensor: true,
    forcesOffline: false,
    apply(frame, _tMs, injection) {
      frame.values[injection.sensor] = injection.anchor[injection.sensor];
      frame.qualities[injection.sensor] = 'GOOD';
    },
  },
  {
    name: 'drift',
    description:
      'One sensor (temperature unless named) reads ever higher, reaching +25 % of its span at the end, GOOD.',
    expectedAlarm: { kind: 'none' },
    alarmNote: 'No default rule fires on temperature (+12.5 °C at most); a drifting pressure can cross 9 bar late.',
    defaultDurationMs: 10 * MINUTE_MS,
    defaultSensor: 'temperature',
    perSensor: true,
    forcesOffline: false,
    apply(frame, tMs, injection) {
      const spec = SENSOR_SPECS[injection.sensor];
      const progress = (tMs - injection.startMs) / injection.durationMs;
      frame.values[injection.sensor] += 0.25 * (spec.max - spec.min) * progress;
    },
  },
  {
    name: 'communication_loss',
    description: 'The unit goes silent: no readings and no status messages, while its process keeps running.',
    expectedAlarm: { kind: 'stale_data' },
    alarmNote: 'A no-data (stale) alarm on each of the unit’s sensors; its status stays as it was.',
    defaultDurationMs: 2 * MINUTE_MS,
    defaultSensor: 'temperature',
    perSensor: false,
    forcesOffline: false,
    apply(frame) {
      frame.transmitting = false;
    },
  },
  {
    name: 'unit_offline',
    description: 'The unit announces itself offline and sends no readings, then announces online again.',
    expectedAlarm: { kind: 'unit_offline' },
    alarmNote: 'A unit status change to offline, not a value alarm; a no-data rule should not fire for it.',
    defaultDurationMs: 5 * MINUTE_MS,
    defaultSensor: 'temperature',
    perSensor: false,
    forcesOffline: true,
    // The readings are not touched: an offline unit sends none, whatever made it offline (see PlantModel).
    apply() {},
  },
];

/** Every scenario by name. */
export const SCENARIOS: Readonly<Record<ScenarioName, ScenarioDefinition>> = Object.fromEntries(
  definitions.map((definition) => [definition.name, definition]),
) as Record<ScenarioName, ScenarioDefinition>;

export function createInjection(
  scenario: ScenarioName,
  startMs: number,
  durationMs: number = SCENARIOS[scenario].defaultDurationMs,
  sensor: SensorType = SCENARIOS[scenario].defaultSensor,
): ScenarioInjection {
  return {
    scenario,
    sensor: SENSOR_INDEX[sensor],
    startMs,
    durationMs,
    anchor: new Float64Array(SENSOR_COUNT),
    anchored: false,
  };
}

export function injectionSensor(injection: ScenarioInjection): SensorType {
  return SENSOR_TYPES[injection.sensor];
}

/**
 * The scenarios running on one unit, applied in injection order. Each reverts by itself: an injection
 * acts only for start ≤ t < start + duration and is dropped at the first step after that.
 */
export class UnitScenarios {
  private readonly active: ScenarioInjection[] = [];
  private forcedOffline = false;

  /** Adds an injection; one already running of the same scenario is replaced (re-injecting restarts it). */
  add(injection: ScenarioInjection): void {
    const same = this.active.findIndex((running) => running.scenario === injection.scenario);
    if (same >= 0) this.active.splice(same, 1);
    this.active.push(injection);
  }

  /** Ends one scenario, or all when none is named; returns how many ended. */
  cancel(scenario?: ScenarioName): number {
    let removed = 0;
    for (let i = this.active.length - 1; i >= 0; i--) {
      if (scenario !== undefined && this.active[i].scenario !== scenario) continue;
      this.active.splice(i, 1);
      removed++;
    }
    return removed;
  }

  get injections(): readonly ScenarioInjection[] {
    return this.active;
  }

  get size(): number {
    return this.active.length;
  }

  /** Whether a scenario forced the unit offline at the last `apply`. */
  get offline(): boolean {
    return this.forcedOffline;
  }

  /** Applies the injections active at `tMs` to a freshly stepped frame and drops the finished ones. */
  apply(frame: UnitFrame, tMs: number): void {
    this.forcedOffline = false;
    for (let i = 0; i < this.active.length;) {
      const injection = this.active[i];
      if (tMs >= injection.startMs + injection.durationMs) {
        this.active.splice(i, 1);
        continue;
      }
      i++;
      if (tMs < injection.startMs) continue;
      if (!injection.anchored) {
        injection.anchor.set(frame.baseline);
        injection.anchored = true;
      }
      const definition = SCENARIOS[injection.scenario];
      definition.apply(frame, tMs, injection);
      if (definition.forcesOffline) this.forcedOffline = true;
    }
  }
}
