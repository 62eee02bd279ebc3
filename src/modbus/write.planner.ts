import { encodeRegisters } from './register.decoder.js';
import type { ModbusPoint } from './register-map.js';

/** The one request that writes a commanded value: FC 5 (one coil), FC 6 (one register) or FC 16 (several). */
export type WriteRequest =
  | { function: 'coil'; address: number; state: boolean }
  | { function: 'register'; address: number; value: number }
  | { function: 'registers'; address: number; values: number[] };

/**
 * The request that sets a writable point to an engineering value, or why there is none. A coil takes 0 or 1; a
 * register the raw value (value − offset) ÷ scale, which must fit the point's type (whole for integers: a
 * setpoint of 20.55 on a ×0.1 int16 is refused, not rounded, so what is written is what was commanded).
 */
export function planWrite(point: ModbusPoint, value: number): WriteRequest | { problem: string } {
  if (!point.writable) return { problem: `${point.unitId}/${point.sensorType} is not writable in its register map` };
  if (point.area === 'coil') {
    if (value !== 0 && value !== 1) return { problem: `a coil takes 0 or 1, not ${value}` };
    return { function: 'coil', address: point.address, state: value === 1 };
  }
  if (point.area !== 'holding' || point.dataType === 'bool') {
    return { problem: `${point.area} points are read-only` };
  }
  const raw = (value - point.offset) / point.scale;
  // Undo the float error of the division before checking that an integer type gets a whole number.
  const rounded = Math.round(raw * 1e9) / 1e9;
  const words = encodeRegisters(rounded, point.dataType, point.byteOrder, point.wordOrder);
  if (words === undefined) return { problem: `${value} does not fit ${point.dataType} (raw ${rounded})` };
  return words.length === 1
    ? { function: 'register', address: point.address, value: words[0] }
    : { function: 'registers', address: point.address, values: words };
}
