import type { Quality } from '../common/bus/event-map.js';
import { isScenarioName, SCENARIOS, UnitScenarios, createInjection, injectionSensor } from './scenarios.js';
import type { ScenarioName } from './scenarios.js';
import { deriveSeed, SeededRandom, type Seed } from './seeded-random.js';
import { type ControlPoint, type ControlVerdict, UnitControl } from './unit-control.js';
import { DEFAULT_UNIT_STATUS, UnitStatusProcess, validateUnitStatusOptions } from './unit-status.js';
import type { UnitStatus, UnitStatusOptions } from './unit-status.js';
import {
  DEFAULT_ANOMALIES,
  SENSOR_COUNT,
  SENSOR_SPECS,
  SENSOR_TYPES,
  UNIT_STREAM,
  UnitModel,
  isSensorType,
  validateAnomalies,
} from './unit-model.js';
import type { AnomalyOptions, SensorType } from './unit-model.js';

/** One reading as a gateway publishes it on `{prefix}/{unit_id}/{sensor_type}`. */
export interface SimulatedReading {
  unit_id: string;
  sensor_type: SensorType;
  value: number;
  quality: Quality;
  /** ISO 8601 UTC, shared by every reading of a tick. */
  timestamp: string;
}

/** A status announcement on `{prefix}/{unit_id}/status`. */
export interface SimulatedStatusChange {
  unit_id: string;
  status: UnitStatus;
  /** Null for a unit's first announcement. */
  previous_status: UnitStatus | null;
  timestamp: string;
}

/** Everything the plant sends at one instant. */
export interface PlantTick {
  readings: SimulatedReading[];
  statusChanges: SimulatedStatusChange[];
}

export interface PlantOptions {
  /** Same seed, same sequence of tick times and injections: same output. */
  seed?: Seed;
  /** Number of units, named UNIT001, UNIT002, ... */
  units?: number;
  anomalies?: Partial<AnomalyOptions>;
  status?: Partial<UnitStatusOptions>;
  /**
   * Model time minus timestamp time (ms, default 0). Signals follow the model clock (its time of day drives the
   * daily cycle); readings carry the timestamps given to `tick`. A seeded run meant to repeat whatever hour it
   * starts at sets this to (a fixed model start − the run's start) and ticks on a fixed grid.
   */
  timeOffsetMs?: number;
}

/** Powers of ten for rounding each sensor to its resolution, looked up once rather than per reading. */
const ROUNDING = SENSOR_SPECS.map((spec) => 10 ** spec.decimals);

export const DEFAULT_SEED = 1;
export const DEFAULT_UNIT_COUNT = 5;
/** Enough for load mode (issue 7 asks for about 1,000 units) with room to spare. */
export const MAX_UNITS = 100_000;

/** `UNIT001` for index 0: three digits at least, more when the plant is larger. */
export function unitIdOf(index: number): string {
  return 'UNIT' + String(index + 1).padStart(3, '0');
}

export interface InjectRequest {
  scenario: string;
  unitId: string;
  /** When the scenario starts (epoch ms); usually now. */
  startMs: number;
  /** Defaults to the scenario's default duration. */
  durationMs?: number;
  /** For single-sensor scenarios (sensor_failure, stuck_value, drift); defaults to the scenario's sensor. */
  sensor?: string;
}

/** A running or scheduled injection, as the status API lists it. */
export interface ActiveScenario {
  unitId: string;
  scenario: ScenarioName;
  sensor: SensorType;
  startMs: number;
  endMs: number;
}

export type InjectResult = { ok: true; scenario: ActiveScenario } | { ok: false; error: string };

interface UnitSlot {
  readonly id: string;
  readonly model: UnitModel;
  readonly status: UnitStatusProcess;
  /** Created on the first injection: most units of a large plant never get one. */
  scenarios: UnitScenarios | undefined;
  /** What the unit last announced; undefined until its first announcement. */
  announced: UnitStatus | undefined;
  /** Created on the first command: most units are never commanded. */
  control: UnitControl | undefined;
}

/**
 * A unit's answer to a command: its verdict, or `silent` when it cannot answer (its link is down, or it has not
 * reported yet) and the command times out at the backend.
 */
export type CommandAnswer = ControlVerdict | { silent: true };

/**
 * A plant of simulated units. `tick(t)` returns what every unit sends at `t`; call it with non-decreasing
 * times. Each unit's data depends only on (seed, its index, tick times, its injections), so UNIT003 is the
 * same unit in a plant of 5 and in one of 1,000, and injecting on one unit leaves the others untouched.
 * Work per tick is proportional to the number of units, with no allocation besides the output objects.
 */
export class PlantModel {
  readonly unitIds: readonly string[];
  private readonly slots: UnitSlot[];
  private readonly byId = new Map<string, UnitSlot>();
  private readonly offsetMs: number;

  constructor(options: PlantOptions = {}) {
    const seed = options.seed ?? DEFAULT_SEED;
    const count = options.units ?? DEFAULT_UNIT_COUNT;
    if (!Number.isInteger(count) || count < 1 || count > MAX_UNITS)
      throw new RangeError(`Unit count must be an integer from 1 to ${MAX_UNITS}, got ${count}`);
    const anomalies: AnomalyOptions = { ...DEFAULT_ANOMALIES, ...options.anomalies };
    const status: UnitStatusOptions = { ...DEFAULT_UNIT_STATUS, ...options.status };
    validateAnomalies(anomalies);
    validateUnitStatusOptions(status);
    this.offsetMs = options.timeOffsetMs ?? 0;
    if (!Number.isFinite(this.offsetMs)) throw new RangeError(`Time offset must be a finite number of ms`);

    this.slots = [];
    for (let i = 0; i < count; i++) {
      const slot: UnitSlot = {
        id: unitIdOf(i),
        model: new UnitModel(seed, i, anomalies),
        status: new UnitStatusProcess(new SeededRandom(deriveSeed(seed, i, UNIT_STREAM.status)), status),
        scenarios: undefined,
        announced: undefined,
        control: undefined,
      };
      this.slots.push(slot);
      this.byId.set(slot.id, slot);
    }
    this.unitIds = this.slots.map((slot) => slot.id);
  }

  tick(tMs: number): PlantTick {
    if (!Number.isFinite(tMs)) throw new RangeError(`Tick time must be a finite epoch in ms, got ${tMs}`);
    const timestamp = new Date(tMs).toISOString();
    const modelT = tMs + this.offsetMs;
    const readings: SimulatedReading[] = [];
    const statusChanges: SimulatedStatusChange[] = [];

    for (const slot of this.slots) {
      // Every unit steps whatever its status: its process runs on behind an outage or a silent link, and its
      // streams stay aligned with the tick sequence alone.
      const own = slot.status.statusAt(modelT);
      const frame = slot.model.step(modelT);
      // Before the scenarios: a failing sensor or a blockage shows whatever the controls asked for.
      slot.control?.apply(frame, modelT);
      if (slot.scenarios !== undefined) {
        slot.scenarios.apply(frame, modelT);
        if (slot.scenarios.size === 0) slot.scenarios = undefined;
      }
      const status: UnitStatus = slot.scenarios?.offline ? 'offline' : own;

      // A silent unit sends nothing, status included; a change during the silence is announced after it.
      if (!frame.transmitting) continue;
      if (status !== slot.announced) {
        statusChanges.push({ unit_id: slot.id, status, previous_status: slot.announced ?? null, timestamp });
        slot.announced = status;
      }
      if (status === 'offline') continue;

      for (let i = 0; i < SENSOR_COUNT; i++) {
        const scale = ROUNDING[i];
        let quality = frame.qualities[i];
        // Instruments under maintenance still report, but nobody vouches for them.
        if (status === 'maintenance' && quality === 'GOOD') quality = 'UNCERTAIN';
        readings.push({
          unit_id: slot.id,
          sensor_type: SENSOR_TYPES[i],
          value: Math.round(frame.values[i] * scale) / scale,
          quality,
          timestamp,
        });
      }
    }
    return { readings, statusChanges };
  }

  /** Starts a scenario on a unit. Errors name what to fix, so the API can pass them on as they are. */
  inject(request: InjectRequest): InjectResult {
    if (!isScenarioName(request.scenario))
      return {
        ok: false,
        error: `Unknown scenario '${request.scenario}'; known: ${Object.keys(SCENARIOS).join(', ')}`,
      };
    const slot = this.byId.get(request.unitId);
    if (slot === undefined) return { ok: false, error: `Unknown unit '${request.unitId}'` };
    if (!Number.isFinite(request.startMs)) return { ok: false, error: 'Scenario start must be a finite epoch in ms' };
    const definition = SCENARIOS[request.scenario];
    const durationMs = request.durationMs ?? definition.defaultDurationMs;
    if (!Number.isFinite(durationMs) || durationMs <= 0)
      return { ok: false, error: `Scenario duration must be a positive number of ms, got ${durationMs}` };
    let sensor = definition.defaultSensor;
    if (request.sensor !== undefined) {
      if (!definition.perSensor)
        return { ok: false, error: `Scenario '${definition.name}' acts on the whole unit and takes no sensor` };
      if (!isSensorType(request.sensor))
        return { ok: false, error: `Unknown sensor '${request.sensor}'; known: ${SENSOR_TYPES.join(', ')}` };
      sensor = request.sensor;
    }

    // Injections live on the model clock, like everything they act on.
    const injection = createInjection(definition.name, request.startMs + this.offsetMs, durationMs, sensor);
    slot.scenarios ??= new UnitScenarios();
    slot.scenarios.add(injection);
    return {
      ok: true,
      scenario: {
        unitId: slot.id,
        scenario: definition.name,
        sensor,
        startMs: request.startMs,
        endMs: request.startMs + durationMs,
      },
    };
  }

  /**
   * A command to one of a unit's writable points (unit-control.ts), applied from the next tick on. An offline unit
   * refuses it; a unit whose link is down, or that has not reported yet, does not answer at all.
   */
  command(unitId: string, point: ControlPoint, value: number): CommandAnswer | undefined {
    const slot = this.byId.get(unitId);
    if (slot === undefined) return undefined;
    if (slot.announced === undefined || !slot.model.frame.transmitting) return { silent: true };
    if (slot.announced === 'offline') {
      return { accepted: false, reason: 'the unit is offline' };
    }
    slot.control ??= new UnitControl();
    return slot.control.command(point, value);
  }

  /**
   * A unit's commanded state as its controller holds it: the setpoint (undefined: never commanded, the temperature
   * runs free) and whether the pump is on. Undefined for an unknown unit.
   */
  controlOf(unitId: string): { setpoint: number | undefined; pumpOn: boolean } | undefined {
    const slot = this.byId.get(unitId);
    if (slot === undefined) return undefined;
    return { setpoint: slot.control?.setpoint, pumpOn: slot.control?.pumpOn ?? true };
  }

  /** Ends a unit's scenario (or all its scenarios) early; returns how many ended. */
  cancel(unitId: string, scenario?: ScenarioName): number {
    const scenarios = this.byId.get(unitId)?.scenarios;
    return scenarios === undefined ? 0 : scenarios.cancel(scenario);
  }

  /** Injections not yet finished at `tMs`, including scheduled ones. */
  activeScenarios(tMs: number): ActiveScenario[] {
    const active: ActiveScenario[] = [];
    for (const slot of this.slots) {
      if (slot.scenarios === undefined) continue;
      for (const injection of slot.scenarios.injections) {
        const startMs = injection.startMs - this.offsetMs;
        const endMs = startMs + injection.durationMs;
        if (endMs <= tMs) continue;
        active.push({
          unitId: slot.id,
          scenario: injection.scenario,
          sensor: injectionSensor(injection),
          startMs,
          endMs,
        });
      }
    }
    return active;
  }

  /** What a unit last announced; undefined for an unknown unit or before its first tick. */
  statusOf(unitId: string): UnitStatus | undefined {
    return this.byId.get(unitId)?.announced;
  }
}
