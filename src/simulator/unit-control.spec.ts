import { PlantModel, type PlantOptions, type PlantTick } from './plant-model.js';
import { SETPOINT_RANGE, UnitControl } from './unit-control.js';
import { NO_ANOMALIES } from './unit-model.js';
import { ALWAYS_ONLINE } from './unit-status.js';

const T0 = Date.UTC(2025, 0, 6, 12);
const SECOND = 1000;
const QUIET: PlantOptions = { anomalies: NO_ANOMALIES, status: ALWAYS_ONLINE, units: 3 };

function value(tick: PlantTick, unitId: string, sensor: string): number {
  return tick.readings.find((r) => r.unit_id === unitId && r.sensor_type === sensor)!.value;
}

function runFor(plant: PlantModel, from: number, seconds: number): PlantTick[] {
  const ticks: PlantTick[] = [];
  for (let s = 0; s < seconds; s++) ticks.push(plant.tick(from + s * SECOND));
  return ticks;
}

describe('UnitControl', () => {
  it('accepts a setpoint inside its range and the pump states, refuses the rest with a reason, changing nothing', () => {
    const control = new UnitControl();
    expect(control.command('temperature_setpoint', 22.5)).toEqual({ accepted: true, value: 22.5 });
    expect(control.command('temperature_setpoint', SETPOINT_RANGE.max + 1)).toEqual({
      accepted: false,
      reason: "setpoint 36 °C is outside the unit's range 0 to 35 °C",
    });
    expect(control.command('temperature_setpoint', Number.NaN)).toMatchObject({ accepted: false });
    expect(control.setpoint).toBe(22.5);
    expect(control.command('pump', 0)).toEqual({ accepted: true, value: 0 });
    expect(control.command('pump', 2)).toEqual({ accepted: false, reason: 'pump takes 0 (OFF) or 1 (ON), not 2' });
    expect(control.pumpOn).toBe(false);
  });
});

describe('PlantModel commands', () => {
  it('moves the temperature towards a commanded setpoint, and leaves the other units as they were', () => {
    const controlled = new PlantModel(QUIET);
    const free = new PlantModel(QUIET);
    runFor(controlled, T0, 5);
    runFor(free, T0, 5);
    const before = value(controlled.tick(T0 + 5 * SECOND), 'UNIT002', 'temperature');
    free.tick(T0 + 5 * SECOND);
    const setpoint = before + 12;
    expect(controlled.command('UNIT002', 'temperature_setpoint', setpoint)).toEqual({
      accepted: true,
      value: setpoint,
    });
    const after = runFor(controlled, T0 + 6 * SECOND, 120);
    const reference = runFor(free, T0 + 6 * SECOND, 120);
    const last = after.at(-1)!;
    // Settled within the controller's offset (10 % of the gap) plus the process' own noise.
    expect(Math.abs(value(last, 'UNIT002', 'temperature') - setpoint)).toBeLessThan(2);
    expect(value(after[0], 'UNIT002', 'temperature')).toBeLessThan(value(last, 'UNIT002', 'temperature'));
    expect(after.map((t) => t.readings.filter((r) => r.unit_id !== 'UNIT002'))).toEqual(
      reference.map((t) => t.readings.filter((r) => r.unit_id !== 'UNIT002')),
    );
  });

  it('stops the flow when the pump is switched off and brings it back when it is switched on', () => {
    const plant = new PlantModel(QUIET);
    const running = value(runFor(plant, T0, 5).at(-1)!, 'UNIT001', 'flow_rate');
    expect(running).toBeGreaterThan(50);
    expect(plant.command('UNIT001', 'pump', 0)).toEqual({ accepted: true, value: 0 });
    const stopped = runFor(plant, T0 + 5 * SECOND, 30).at(-1)!;
    expect(value(stopped, 'UNIT001', 'flow_rate')).toBeLessThan(1);
    expect(value(stopped, 'UNIT001', 'power')).toBeLessThan(10);
    expect(plant.command('UNIT001', 'pump', 1)).toEqual({ accepted: true, value: 1 });
    expect(value(runFor(plant, T0 + 35 * SECOND, 30).at(-1)!, 'UNIT001', 'flow_rate')).toBeGreaterThan(50);
  });

  it('does not answer before a unit has reported or while its link is down, and refuses while it is offline', () => {
    const plant = new PlantModel(QUIET);
    expect(plant.command('UNIT001', 'pump', 0)).toEqual({ silent: true });
    expect(plant.command('UNIT404', 'pump', 0)).toBeUndefined();
    plant.tick(T0);
    plant.inject({ scenario: 'communication_loss', unitId: 'UNIT001', startMs: T0, durationMs: 10 * SECOND });
    plant.inject({ scenario: 'unit_offline', unitId: 'UNIT002', startMs: T0, durationMs: 10 * SECOND });
    plant.tick(T0 + SECOND);
    expect(plant.command('UNIT001', 'pump', 0)).toEqual({ silent: true });
    expect(plant.command('UNIT002', 'pump', 0)).toEqual({ accepted: false, reason: 'the unit is offline' });
    expect(plant.command('UNIT003', 'pump', 0)).toEqual({ accepted: true, value: 0 });
  });
});
