import type { ModbusPoint } from './register-map.js';

/** A point with the defaults a register map usually has; specs override what they test. */
export function point(overrides: Partial<ModbusPoint> & Pick<ModbusPoint, 'address'>): ModbusPoint {
  return {
    area: 'holding',
    dataType: 'uint16',
    byteOrder: 'big',
    wordOrder: 'big',
    scale: 1,
    offset: 0,
    unitId: 'UNIT001',
    sensorType: `r${overrides.address}`,
    writable: false,
    ...overrides,
  };
}
