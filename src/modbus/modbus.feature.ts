import { ModbusDevices1764000014000 } from '../../migrations/1764000014000-ModbusDevices.js';
import type { FeatureDefinition } from '../common/feature/feature.definition.js';

/** Modbus TCP devices and their register maps. */
export const MODBUS_FEATURE: FeatureDefinition = {
  name: 'modbus',
  migrations: [ModbusDevices1764000014000],
};
