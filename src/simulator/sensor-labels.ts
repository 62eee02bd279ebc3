import { type CommandSettings, OPEN_COMMAND_SETTINGS } from '../commands/command-settings.js';
import type { SensorDeclaration } from '../telemetry/sensor-declaration.service.js';
import { unitIdOf } from './plant-model.js';
import { type ControlPoint, PUMP_STATES, SETPOINT_RANGE } from './unit-control.js';
import { NORMAL_RANGES, SENSOR_TYPES, type SensorType } from './unit-model.js';

/** What an operator reads next to each simulated value: the process each sensor measures in a pump-and-heat unit. */
export const SENSOR_DISPLAY_NAMES: Readonly<Record<SensorType, string>> = {
  temperature: 'Process temperature',
  pressure: 'Supply pressure',
  flow_rate: 'Flow rate',
  power: 'Pump power',
};

/**
 * The sensors of a simulated plant of `units` units, with their engineering units (those of the documented normal
 * ranges) and display names, as a real gateway describes its points before it sends values.
 */
export function simulatedSensors(units: number): SensorDeclaration[] {
  const declarations: SensorDeclaration[] = [];
  for (let i = 0; i < units; i++) {
    const unitId = unitIdOf(i);
    for (const type of SENSOR_TYPES) {
      declarations.push({
        unitId,
        sensorType: type,
        engineeringUnit: NORMAL_RANGES[type].unit,
        displayName: SENSOR_DISPLAY_NAMES[type],
      });
    }
    declarations.push(
      {
        unitId,
        sensorType: 'temperature_setpoint',
        engineeringUnit: '°C',
        displayName: 'Temperature setpoint',
        kind: 'analog',
      },
      { unitId, sensorType: 'pump', displayName: 'Pump', kind: 'digital', states: PUMP_STATES },
    );
  }
  return declarations;
}

/**
 * How the simulator's writable points are commanded when it declares them (docs/simulator.md): the unit's own
 * setpoint range as the limits, ack and readback both required (the unit answers and reports the new value at
 * once), 10 s to do so.
 */
export const SIMULATED_COMMAND_SETTINGS: Readonly<Record<ControlPoint, CommandSettings>> = {
  temperature_setpoint: {
    ...OPEN_COMMAND_SETTINGS,
    min: SETPOINT_RANGE.min,
    max: SETPOINT_RANGE.max,
    confirmation: 'both',
    readback_tolerance: 0.05,
  },
  pump: { ...OPEN_COMMAND_SETTINGS, confirmation: 'both' },
};

/** The writable points of a simulated plant of `units` units, with the settings they are declared with. */
export function simulatedWritablePoints(
  units: number,
): { unitId: string; sensorType: ControlPoint; settings: CommandSettings }[] {
  const points: { unitId: string; sensorType: ControlPoint; settings: CommandSettings }[] = [];
  for (let i = 0; i < units; i++) {
    for (const [sensorType, settings] of Object.entries(SIMULATED_COMMAND_SETTINGS) as [
      ControlPoint,
      CommandSettings,
    ][]) {
      points.push({ unitId: unitIdOf(i), sensorType, settings });
    }
  }
  return points;
}
