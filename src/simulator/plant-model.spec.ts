import { PlantModel, unitIdOf, type PlantOptions, type PlantTick, type SimulatedReading } from './plant-model.js';
import { SCENARIOS } from './scenarios.js';
import { NO_ANOMALIES, NORMAL_RANGES, SENSOR_TYPES } from './unit-model.js';
import { ALWAYS_ONLINE } from './unit-status.js';

const T0 = Date.UTC(2025, 0, 6);
const SECOND = 1000;
const MINUTE = 60 * SECOND;
const DAY = 24 * 60 * MINUTE;

/** No random faults and no status changes: what "normal operation" means in these specs. */
const QUIET: PlantOptions = { anomalies: NO_ANOMALIES, status: ALWAYS_ONLINE };

function run(plant: PlantModel, from: number, to: number, stepMs: number): PlantTick[] {
  const ticks: PlantTick[] = [];
  for (let t = from; t < to; t += stepMs) ticks.push(plant.tick(t));
  return ticks;
}

function readingsOf(ticks: PlantTick[], unitId: string): SimulatedReading[] {
  return ticks.flatMap((tick) => tick.readings.filter((r) => r.unit_id === unitId));
}

describe('PlantModel', () => {
  it('has five units by default, named UNIT001 to UNIT005', () => {
    expect(new PlantModel().unitIds).toEqual(['UNIT001', 'UNIT002', 'UNIT003', 'UNIT004', 'UNIT005']);
    expect(new PlantModel({ units: 12 }).unitIds.at(-1)).toBe('UNIT012');
    expect(unitIdOf(999)).toBe('UNIT1000');
  });

  it('rejects unit counts it cannot build and tick times that are not times', () => {
    for (const units of [0, -1, 2.5, Number.NaN, 1e9]) expect(() => new PlantModel({ units })).toThrow(RangeError);
    expect(() => new PlantModel({ anomalies: { outlierProbability: 1.5 } })).toThrow(RangeError);
    expect(() => new PlantModel({ status: { meanTimeToRepairMs: -5 } })).toThrow(RangeError);
    expect(() => new PlantModel().tick(Number.NaN)).toThrow(RangeError);
  });

  it('announces every unit online on the first tick, then sends all four sensors of every unit', () => {
    const plant = new PlantModel(QUIET);
    const first = plant.tick(T0);
    expect(first.statusChanges).toEqual(
      plant.unitIds.map((unit_id) => ({
        unit_id,
        status: 'online',
        previous_status: null,
        timestamp: '2025-01-06T00:00:00.000Z',
      })),
    );
    expect(first.readings).toHaveLength(20);
    for (const unitId of plant.unitIds) {
      expect(first.readings.filter((r) => r.unit_id === unitId).map((r) => r.sensor_type)).toEqual([...SENSOR_TYPES]);
    }
    expect(new Set(first.readings.map((r) => r.timestamp))).toEqual(new Set(['2025-01-06T00:00:00.000Z']));
    expect(plant.tick(T0 + SECOND).statusChanges).toEqual([]);
    expect(plant.statusOf('UNIT001')).toBe('online');
  });

  it('produces the same ticks for the same seed across two runs, faults and status changes included', () => {
    const options: PlantOptions = {
      seed: 'determinism',
      anomalies: { badQualityProbability: 0.01, uncertainQualityProbability: 0.01, outlierProbability: 0.01 },
      status: { meanTimeBetweenFailuresMs: 2 * 3_600_000, meanTimeBetweenMaintenanceMs: 4 * 3_600_000 },
    };
    const simulate = (): PlantTick[] => {
      const plant = new PlantModel(options);
      plant.inject({ scenario: 'high_temperature', unitId: 'UNIT002', startMs: T0 + 3_600_000 });
      plant.inject({ scenario: 'communication_loss', unitId: 'UNIT004', startMs: T0 + 7_200_000 });
      return run(plant, T0, T0 + DAY, MINUTE);
    };
    const first = simulate();
    expect(simulate()).toEqual(first);
    expect(first.some((tick) => tick.statusChanges.some((c) => c.previous_status !== null))).toBe(true);

    const other = new PlantModel({ ...options, seed: 'another' });
    expect(run(other, T0, T0 + 10 * MINUTE, MINUTE)).not.toEqual(first.slice(0, 10));
  });

  it('repeats a seeded run started at another hour when the model clock is pinned', () => {
    const modelStart = Date.UTC(2025, 5, 1, 12);
    const simulate = (wallStart: number): PlantTick[] => {
      const plant = new PlantModel({ seed: 'pinned', timeOffsetMs: modelStart - wallStart });
      plant.inject({ scenario: 'flow_blockage', unitId: 'UNIT001', startMs: wallStart + 5 * MINUTE });
      expect(plant.activeScenarios(wallStart)[0]?.startMs).toBe(wallStart + 5 * MINUTE);
      return run(plant, wallStart, wallStart + 20 * MINUTE, SECOND);
    };
    const withoutTime = (ticks: PlantTick[]): unknown[] =>
      ticks.map((tick) => [
        tick.readings.map((r) => [r.unit_id, r.sensor_type, r.value, r.quality]),
        tick.statusChanges.map((c) => [c.unit_id, c.status, c.previous_status]),
      ]);
    const morning = simulate(T0 + 7 * 3_600_000);
    const evening = simulate(T0 + 3 * DAY + 19 * 3_600_000);
    expect(withoutTime(evening)).toEqual(withoutTime(morning));
    expect(evening[0].readings[0].timestamp).toBe(new Date(T0 + 3 * DAY + 19 * 3_600_000).toISOString());
  });

  it('keeps a unit the same unit whatever the size of the plant', () => {
    const small = run(new PlantModel({ seed: 5, units: 5 }), T0, T0 + 2 * 3_600_000, 10 * SECOND);
    const large = run(new PlantModel({ seed: 5, units: 40 }), T0, T0 + 2 * 3_600_000, 10 * SECOND);
    expect(readingsOf(large, 'UNIT003')).toEqual(readingsOf(small, 'UNIT003'));
  });

  it('stays inside the documented ranges over a simulated day, rounded to each sensor’s resolution', () => {
    const ticks = run(new PlantModel({ ...QUIET, seed: 8 }), T0, T0 + DAY, 20 * SECOND);
    const readings = ticks.flatMap((tick) => tick.readings);
    expect(readings).toHaveLength((DAY / (20 * SECOND)) * 5 * 4);
    for (const type of SENSOR_TYPES) {
      const { min, max, decimals } = NORMAL_RANGES[type];
      const values = readings.filter((r) => r.sensor_type === type).map((r) => r.value);
      expect(Math.min(...values)).toBeGreaterThanOrEqual(min);
      expect(Math.max(...values)).toBeLessThanOrEqual(max);
      const scale = 10 ** decimals;
      expect(values.every((v) => Math.abs(v * scale - Math.round(v * scale)) < 1e-6)).toBe(true);
    }
    expect(readings.every((r) => r.quality === 'GOOD')).toBe(true);
  });

  it('sends BAD readings at about the configured rate', () => {
    const plant = new PlantModel({ ...QUIET, anomalies: { ...NO_ANOMALIES, badQualityProbability: 0.02 } });
    const readings = run(plant, T0, T0 + 3 * 3_600_000, SECOND).flatMap((tick) => tick.readings);
    const rate = readings.filter((r) => r.quality === 'BAD').length / readings.length;
    expect(rate).toBeGreaterThan(0.018);
    expect(rate).toBeLessThan(0.022);
  });

  it('announces status changes, sends nothing from offline units and UNCERTAIN readings during maintenance', () => {
    const plant = new PlantModel({
      seed: 9,
      anomalies: NO_ANOMALIES,
      status: {
        meanTimeBetweenFailuresMs: 30 * MINUTE,
        meanTimeToRepairMs: 5 * MINUTE,
        meanTimeBetweenMaintenanceMs: 60 * MINUTE,
        meanMaintenanceDurationMs: 10 * MINUTE,
      },
    });
    const status = new Map<string, string>();
    const seen = new Set<string>();
    let readingsWhileOffline = 0;
    let goodWhileMaintenance = 0;
    let brokenChains = 0;
    let silentOnline = 0;
    for (let t = T0; t < T0 + DAY; t += 10 * SECOND) {
      const tick = plant.tick(t);
      for (const change of tick.statusChanges) {
        if ((status.get(change.unit_id) ?? null) !== change.previous_status) brokenChains++;
        status.set(change.unit_id, change.status);
        seen.add(change.status);
      }
      for (const reading of tick.readings) {
        const current = status.get(reading.unit_id);
        if (current === 'offline') readingsWhileOffline++;
        if (current === 'maintenance' && reading.quality === 'GOOD') goodWhileMaintenance++;
      }
      const sending = new Set(tick.readings.map((r) => r.unit_id));
      for (const unitId of plant.unitIds) if (status.get(unitId) !== 'offline' && !sending.has(unitId)) silentOnline++;
    }
    expect(seen).toEqual(new Set(['online', 'offline', 'maintenance']));
    expect(brokenChains).toBe(0);
    expect(readingsWhileOffline).toBe(0);
    expect(silentOnline).toBe(0);
    expect(goodWhileMaintenance).toBe(0);
  });

  describe('scenarios', () => {
    const start = T0 + 10 * MINUTE;

    it('leave the other units exactly as they would have been', () => {
      const plain = new PlantModel({ seed: 10 });
      const injected = new PlantModel({ seed: 10 });
      for (const scenario of ['high_temperature', 'flow_blockage', 'communication_loss'] as const)
        expect(injected.inject({ scenario, unitId: 'UNIT001', startMs: start }).ok).toBe(true);
      const a = run(plain, T0, start + 20 * MINUTE, 5 * SECOND);
      const b = run(injected, T0, start + 20 * MINUTE, 5 * SECOND);
      for (const unitId of ['UNIT002', 'UNIT003', 'UNIT004', 'UNIT005'])
        expect(readingsOf(b, unitId)).toEqual(readingsOf(a, unitId));
      expect(readingsOf(b, 'UNIT001')).not.toEqual(readingsOf(a, 'UNIT001'));
    });

    it('high_temperature sends UNIT001 above 85 °C, then reverts by itself', () => {
      const plain = new PlantModel({ ...QUIET, seed: 11 });
      const plant = new PlantModel({ ...QUIET, seed: 11 });
      const result = plant.inject({ scenario: 'high_temperature', unitId: 'UNIT001', startMs: start });
      expect(result).toEqual({
        ok: true,
        scenario: {
          unitId: 'UNIT001',
          scenario: 'high_temperature',
          sensor: 'temperature',
          startMs: start,
          endMs: start + 5 * MINUTE,
        },
      });
      const end = start + 5 * MINUTE;
      let peak = -Infinity;
      for (let t = T0; t < end + 5 * MINUTE; t += SECOND) {
        const tick = plant.tick(t);
        const twin = plain.tick(t);
        const temperature = tick.readings.find((r) => r.unit_id === 'UNIT001' && r.sensor_type === 'temperature');
        peak = Math.max(peak, temperature?.value ?? -Infinity);
        if (t >= end) expect(tick).toEqual(twin);
      }
      expect(peak).toBeGreaterThan(85);
      expect(plant.activeScenarios(end)).toEqual([]);
    });

    it('communication_loss sends nothing from the unit, not even status, for exactly its duration', () => {
      const plant = new PlantModel({ ...QUIET, seed: 12 });
      plant.tick(T0);
      plant.inject({ scenario: 'communication_loss', unitId: 'UNIT003', startMs: start, durationMs: 2 * MINUTE });
      let silentTicks = 0;
      for (let t = T0 + SECOND; t < start + 4 * MINUTE; t += SECOND) {
        const tick = plant.tick(t);
        const fromUnit = tick.readings.filter((r) => r.unit_id === 'UNIT003');
        const inWindow = t >= start && t < start + 2 * MINUTE;
        expect(fromUnit).toHaveLength(inWindow ? 0 : 4);
        expect(tick.readings).toHaveLength(inWindow ? 16 : 20);
        expect(tick.statusChanges).toEqual([]);
        if (inWindow) silentTicks++;
      }
      expect(silentTicks).toBe(120);
      expect(plant.statusOf('UNIT003')).toBe('online');
    });

    it('communication_loss holds back a status change and announces it when the link returns', () => {
      const plant = new PlantModel({ ...QUIET, seed: 13 });
      plant.tick(T0);
      plant.inject({ scenario: 'communication_loss', unitId: 'UNIT002', startMs: start, durationMs: 10 * MINUTE });
      plant.inject({ scenario: 'unit_offline', unitId: 'UNIT002', startMs: start + MINUTE, durationMs: 20 * MINUTE });
      const changes = run(plant, T0 + SECOND, start + 30 * MINUTE, SECOND).flatMap((tick) => tick.statusChanges);
      expect(changes.map((c) => [c.status, c.timestamp])).toEqual([
        ['offline', new Date(start + 10 * MINUTE).toISOString()],
        ['online', new Date(start + 21 * MINUTE).toISOString()],
      ]);
    });

    it('unit_offline announces offline, sends no readings, then announces online and resumes', () => {
      const plant = new PlantModel({ ...QUIET, seed: 14 });
      plant.tick(T0);
      plant.inject({ scenario: 'unit_offline', unitId: 'UNIT005', startMs: start });
      const end = start + SCENARIOS.unit_offline.defaultDurationMs;
      const changes: [string, string | null, number][] = [];
      for (let t = T0 + SECOND; t < end + MINUTE; t += SECOND) {
        const tick = plant.tick(t);
        for (const c of tick.statusChanges) changes.push([c.status, c.previous_status, t]);
        const sent = tick.readings.filter((r) => r.unit_id === 'UNIT005').length;
        expect(sent).toBe(t >= start && t < end ? 0 : 4);
        if (t >= start && t < end) expect(plant.statusOf('UNIT005')).toBe('offline');
      }
      expect(changes).toEqual([
        ['offline', 'online', start],
        ['online', 'offline', end],
      ]);
    });

    it('lists running and scheduled injections, and can end them early', () => {
      const plant = new PlantModel(QUIET);
      plant.inject({ scenario: 'drift', unitId: 'UNIT002', startMs: start, sensor: 'pressure', durationMs: MINUTE });
      plant.inject({ scenario: 'stuck_value', unitId: 'UNIT004', startMs: start + MINUTE });
      expect(plant.activeScenarios(start)).toEqual([
        { unitId: 'UNIT002', scenario: 'drift', sensor: 'pressure', startMs: start, endMs: start + MINUTE },
        {
          unitId: 'UNIT004',
          scenario: 'stuck_value',
          sensor: 'flow_rate',
          startMs: start + MINUTE,
          endMs: start + 6 * MINUTE,
        },
      ]);
      expect(plant.activeScenarios(start + MINUTE).map((s) => s.unitId)).toEqual(['UNIT004']);
      expect(plant.cancel('UNIT004')).toBe(1);
      expect(plant.cancel('UNIT404')).toBe(0);
      expect(plant.activeScenarios(start + MINUTE)).toEqual([]);
    });

    it.each([
      [{ scenario: 'meteor_strike', unitId: 'UNIT001' }, /Unknown scenario 'meteor_strike'; known: high_temperature/],
      [{ scenario: 'drift', unitId: 'UNIT009' }, /Unknown unit 'UNIT009'/],
      [{ scenario: 'drift', unitId: 'UNIT001', durationMs: 0 }, /positive number of ms/],
      [{ scenario: 'drift', unitId: 'UNIT001', durationMs: Number.NaN }, /positive number of ms/],
      [{ scenario: 'drift', unitId: 'UNIT001', sensor: 'humidity' }, /Unknown sensor 'humidity'/],
      [{ scenario: 'high_temperature', unitId: 'UNIT001', sensor: 'power' }, /acts on the whole unit/],
    ])('refuses %o with a message that says what to fix', (request, message) => {
      const result = new PlantModel().inject({ startMs: T0, ...request });
      expect(result.ok).toBe(false);
      if (!result.ok) expect(result.error).toMatch(message);
    });
  });

  describe('load mode', () => {
    it('steps 1,000 units with four readings each per tick, each unit named and inside its ranges', () => {
      const plant = new PlantModel({ ...QUIET, units: 1000, seed: 'load' });
      const first = plant.tick(T0);
      expect(first.statusChanges).toHaveLength(1000);
      const second = plant.tick(T0 + 80);
      expect(second.statusChanges).toHaveLength(0);
      expect(second.readings).toHaveLength(4000);
      expect(new Set(second.readings.map((r) => r.unit_id)).size).toBe(1000);
      expect(second.readings.at(-1)?.unit_id).toBe('UNIT1000');
      for (const reading of second.readings) {
        const { min, max } = NORMAL_RANGES[reading.sensor_type];
        if (reading.value < min || reading.value > max) throw new Error(`${JSON.stringify(reading)} out of range`);
      }
    });

    it('does work proportional to the number of units: output grows linearly, nothing is kept per tick', () => {
      for (const units of [1, 10, 100, 1000]) {
        const plant = new PlantModel({ ...QUIET, units });
        for (let k = 0; k < 5; k++) expect(plant.tick(T0 + k * 100).readings).toHaveLength(4 * units);
      }
    });
  });
});
