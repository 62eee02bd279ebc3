import { type CommandSettings, OPEN_COMMAND_SETTINGS } from '../commands/command-settings.js';
import type { ModbusDeviceConfig, ModbusPoint } from '../modbus/register-map.js';
import type { SensorDeclaration } from '../telemetry/sensor-declaration.service.js';
import { SIM_PUMP_COIL, SIM_SETPOINT_ADDRESS } from './modbus-register.bank.js';
import { unitIdOf } from './plant-model.js';
import { simulatedSensors } from './sensor-labels.js';
import { type ControlPoint, SETPOINT_RANGE } from './unit-control.js';
import { SENSOR_TYPES } from './unit-model.js';

/**
 * The backend's side of the simulator's Modbus server: one device per served unit, `simulator-UNIT001` at Modbus
 * unit id 1, feeding unit `MB-UNIT001`. A unit of its own, not UNIT001: when the MQTT simulator runs too, its
 * readings of the same plant unit would otherwise interleave with the polled ones in one series (and the commands
 * of one sensor could only take one channel). Same sensor types, labels and writable points as the MQTT units.
 */
export const MODBUS_UNIT_PREFIX = 'MB-';
export const SIMULATOR_DEVICE_PREFIX = 'simulator-';

/** The unit the polled values of the plant's `index`-th unit feed: MB-UNIT001 for index 0. */
export function modbusFeedUnitOf(index: number): string {
  return MODBUS_UNIT_PREFIX + unitIdOf(index);
}

const point = (fields: Pick<ModbusPoint, 'area' | 'address' | 'dataType' | 'unitId' | 'sensorType'>): ModbusPoint => ({
  byteOrder: 'big',
  wordOrder: 'big',
  scale: 1,
  offset: 0,
  writable: false,
  ...fields,
});

/**
 * The device of the plant's `index`-th unit on the simulator's server at host:port: its four float32 input
 * registers, the setpoint (writable) and the pump coil (writable), in one request per area.
 */
export function simulatorDeviceConfig(
  index: number,
  host: string,
  port: number,
  pollIntervalMs: number,
): ModbusDeviceConfig {
  const unitId = modbusFeedUnitOf(index);
  const interval = Math.min(3_600_000, Math.max(100, Math.round(pollIntervalMs)));
  return {
    name: SIMULATOR_DEVICE_PREFIX + unitIdOf(index),
    host,
    port,
    modbusUnitId: index + 1,
    pollIntervalMs: interval,
    timeoutMs: Math.min(500, interval),
    maxGap: 0,
    points: [
      ...SENSOR_TYPES.map((sensorType, i) =>
        point({ area: 'input', address: 2 * i, dataType: 'float32', unitId, sensorType }),
      ),
      {
        ...point({
          area: 'holding',
          address: SIM_SETPOINT_ADDRESS,
          dataType: 'float32',
          unitId,
          sensorType: 'temperature_setpoint',
        }),
        writable: true,
      },
      {
        ...point({ area: 'coil', address: SIM_PUMP_COIL, dataType: 'bool', unitId, sensorType: 'pump' }),
        writable: true,
      },
    ],
  };
}

/** The MB- units' sensors with the MQTT units' labels (engineering units, names, the pump's OFF/ON). */
export function modbusSimulatedSensors(units: number): SensorDeclaration[] {
  return simulatedSensors(units).map((d) => ({ ...d, unitId: MODBUS_UNIT_PREFIX + d.unitId }));
}

/** The MB- units' writable points: the unit's setpoint range, confirmed by the next poll's readback. */
export const MODBUS_SIMULATED_COMMAND_SETTINGS: Readonly<Record<ControlPoint, CommandSettings>> = {
  temperature_setpoint: {
    ...OPEN_COMMAND_SETTINGS,
    channel: 'modbus',
    min: SETPOINT_RANGE.min,
    max: SETPOINT_RANGE.max,
    confirmation: 'readback',
    // float32 keeps about 7 digits: 21.3 reads back as 21.2999992.
    readback_tolerance: 0.001,
  },
  pump: { ...OPEN_COMMAND_SETTINGS, channel: 'modbus', confirmation: 'readback' },
};

export function modbusSimulatedWritablePoints(
  units: number,
): { unitId: string; sensorType: ControlPoint; settings: CommandSettings }[] {
  return Array.from({ length: units }, (_, i) =>
    (Object.entries(MODBUS_SIMULATED_COMMAND_SETTINGS) as [ControlPoint, CommandSettings][]).map(
      ([sensorType, settings]) => ({ unitId: modbusFeedUnitOf(i), sensorType, settings }),
    ),
  ).flat();
}
