import type { SensorDeclaration } from '../telemetry/sensor-declaration.service.js';
import { unitIdOf } from './plant-model.js';
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
  }
  return declarations;
}
