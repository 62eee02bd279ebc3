/**
 * Alarm evaluation benchmark: what the alarm engine costs per reading with 100 rules loaded, on the engine alone
 * (no I/O: the engine is pure, and the transitions it hands to the writer are rare). Prints a table, then one
 * JSON line.
 *
 *   npm run bench:alarms           (builds into dist/)
 *
 * Environment: BENCH_ALARM_READINGS (2000000).
 *
 * The rules are 25 per sensor type on 4 types, for every unit, with a mix of conditions, so each reading of a
 * watched type is evaluated by 25 rules: a heavy configuration. Two plants are timed: a quiet one (values stay
 * normal: evaluation only) and a troubled one (values swing through the limits, so alarms are raised and cleared
 * all along). A reading of a type no rule watches, and the seeded default rules alone, are timed apart. Figures are wall-clock time on whatever else the
 * machine is doing: on a shared machine, compare runs taken under the same load.
 */
import { randomUUID } from 'node:crypto';
import { AlarmEngine } from '../src/alerts/alarm.engine.js';
import type { AlarmChange } from '../src/alerts/alarm-lifecycle.js';
import { type AlertCondition, type AlertRule, DEFAULT_ALERT_RULES } from '../src/alerts/alert-rule.js';
import type { ProcessedReading } from '../src/common/bus/event-map.js';

const READINGS = Number(process.env.BENCH_ALARM_READINGS ?? 2_000_000);
const SENSOR_TYPES = ['temperature', 'pressure', 'flow_rate', 'vibration'] as const;
const RULES_PER_TYPE = 25;
const UNITS = 100;
const BATCH = 1000;

const CONDITIONS: AlertCondition[] = [
  'greater_than',
  'less_than',
  'outside_range',
  'rate_of_change',
  'bad_quality',
  'greater_or_equal',
  'no_data',
];

function rules(): AlertRule[] {
  return SENSOR_TYPES.flatMap((sensorType) =>
    Array.from({ length: RULES_PER_TYPE }, (_, i): AlertRule => {
      const condition = CONDITIONS[i % CONDITIONS.length];
      return {
        id: randomUUID(),
        sensorType,
        unitId: null,
        condition,
        threshold:
          condition === 'no_data'
            ? 60
            : condition === 'rate_of_change'
              ? 50
              : condition === 'less_than'
                ? 10
                : 70 + (i % 5),
        low: condition === 'outside_range' ? 5 : null,
        high: condition === 'outside_range' ? 75 : null,
        ratePer: condition === 'rate_of_change' ? 'second' : null,
        severity: 'warning',
        message: '{sensor_type} on {unit_id}: {value} (limit {threshold})',
        deadband: condition === 'rate_of_change' ? 1 : 2,
        onDelaySeconds: i % 3,
        offDelaySeconds: 0,
        enabled: true,
      };
    }),
  );
}

/**
 * Batches of readings, 10 ms apart per sensor. Quiet: 40 ± 5, drifting at most 1 unit/s, always GOOD. Troubled:
 * 40 ± 45, through every limit, changing up to 90 units/s, an occasional BAD sample.
 */
/** The unit ids, built once: a real batch brings its strings from the parser, not from a formatter. */
const UNIT_IDS = Array.from({ length: UNITS }, (_, u) => `UNIT${String(u).padStart(3, '0')}`);

/** Batch number `b` of a plant: 1000 readings, 10 ms apart per sensor. */
function batch(sensorTypes: readonly string[], b: number, start: number, troubled: boolean): ProcessedReading[] {
  const out: ProcessedReading[] = new Array<ProcessedReading>(BATCH);
  const sensors = UNITS * sensorTypes.length;
  for (let j = 0; j < BATCH; j++) {
    const i = b * BATCH + j;
    const sensor = i % sensors;
    const step = Math.floor(i / sensors);
    out[j] = {
      unitId: UNIT_IDS[sensor % UNITS],
      sensorType: sensorTypes[Math.floor(sensor / UNITS)],
      value: troubled ? 40 + 45 * Math.sin((step + sensor) / 50) : 40 + 5 * Math.sin((step + sensor) / 500),
      quality: troubled && i % 997 === 0 ? 'BAD' : 'GOOD',
      time: start + step * 10,
      source: 'mqtt',
    };
  }
  return out;
}

/**
 * Feeds `count` readings batch by batch, timing only the engine: batches are built between the timed calls, as the
 * parser would, so the heap holds one batch at a time like the server's.
 */
function run(
  engine: AlarmEngine,
  sensorTypes: readonly string[],
  count: number,
  start: number,
  troubled: boolean,
): { ns: number; transitions: number } {
  let transitions = 0;
  let ns = 0n;
  for (let b = 0; b < count / BATCH; b++) {
    const readings = batch(sensorTypes, b, start, troubled);
    const out: AlarmChange[] = [];
    const began = process.hrtime.bigint();
    engine.onReadings(readings, out);
    ns += process.hrtime.bigint() - began;
    transitions += out.length;
  }
  return { ns: Number(ns), transitions };
}

const engine = new AlarmEngine(() => randomUUID());
const loaded = rules();
const t0 = Date.now();
for (const rule of loaded) engine.putRule(rule, t0);

// Warm-up: every point created and both plants' paths compiled, so the timed runs measure steady state.
run(engine, SENSOR_TYPES, READINGS / 4, t0, true);
run(engine, SENSOR_TYPES, READINGS / 4, t0 + 500_000, false);
const quiet = run(engine, SENSOR_TYPES, READINGS, t0 + 1_000_000, false);
const troubled = run(engine, SENSOR_TYPES, READINGS, t0 + 2_000_000, true);
const unwatched = run(engine, ['humidity'], READINGS, t0 + 2_000_000, false);

// The seeded rules alone: one rule for three of the four sensor types, as a fresh install runs.
const seeded = new AlarmEngine(() => randomUUID());
for (const rule of DEFAULT_ALERT_RULES) seeded.putRule({ ...rule, id: randomUUID() }, t0);
run(seeded, SENSOR_TYPES, READINGS / 4, t0, false);
const defaults = run(seeded, SENSOR_TYPES, READINGS, t0 + 1_000_000, false);

// The timer's steady cost: one pass over every point when nothing is due, once the pass is compiled like a server
// running for a while (the first pass after the run completes the delays still pending: a one-off burst).
const end = t0 + 2_000_000 + (READINGS / (UNITS * SENSOR_TYPES.length)) * 10;
const tickTimes: number[] = [];
for (let i = 0; i < 50; i++) {
  const began = process.hrtime.bigint();
  engine.tick(end + i * 1000, []);
  tickTimes.push(Number(process.hrtime.bigint() - began) / 1e6);
}
const tickMs = tickTimes.slice(10).sort((a, b) => a - b)[20];
const points = UNITS * loaded.length;

const result = {
  rules: loaded.length,
  rules_per_reading: RULES_PER_TYPE,
  sensors: UNITS * SENSOR_TYPES.length,
  readings: READINGS,
  ns_per_reading_quiet: Math.round(quiet.ns / READINGS),
  ns_per_rule_evaluation_quiet: Math.round(quiet.ns / READINGS / RULES_PER_TYPE),
  ns_per_reading_troubled: Math.round(troubled.ns / READINGS),
  transitions_troubled: troubled.transitions,
  transitions_quiet: quiet.transitions,
  ns_per_unwatched_reading: Math.round(unwatched.ns / READINGS),
  ns_per_reading_default_rules: Math.round(defaults.ns / READINGS),
  points,
  tick_ms: Math.round(tickMs * 100) / 100,
};
console.log(
  `Alarm evaluation, ${result.rules} rules (${result.rules_per_reading} per reading), ${result.sensors} sensors`,
);
console.log(`  per reading, quiet plant         ${result.ns_per_reading_quiet} ns`);
console.log(`  per rule evaluation, quiet      ${result.ns_per_rule_evaluation_quiet} ns`);
console.log(
  `  per reading, troubled plant     ${result.ns_per_reading_troubled} ns (${result.transitions_troubled} transitions)`,
);
console.log(`  per reading no rule watches     ${result.ns_per_unwatched_reading} ns`);
console.log(`  per reading, the 3 seeded rules ${result.ns_per_reading_default_rules} ns`);
console.log(`  one tick over ${points} points   ${result.tick_ms} ms`);
console.log(JSON.stringify(result));
