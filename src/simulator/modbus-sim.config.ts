import type { EnvVarSpec } from '../config/env-var.js';

/**
 * The simulator's Modbus TCP server (docs/modbus.md, "The simulator over Modbus"): off unless a port is given.
 * Assembled into the one validated schema by src/config/env.schema.ts; AppConfig reads them into `simulatorModbus`.
 */
// prettier-ignore
export const SIMULATOR_MODBUS_ENV = {
  SIMULATOR_MODBUS_PORT: { kind: 'int', default: '0', min: 0, max: 65535, description: 'Serve the simulated units as a Modbus TCP server on this port (unit id n = UNIT00n, float32 input registers, a writable setpoint and pump coil) and poll it as devices simulator-UNITnnn feeding units MB-UNITnnn; 0 = off.' },
  SIMULATOR_MODBUS_HOST: { kind: 'string', default: '127.0.0.1', description: 'IP address the simulator\'s Modbus TCP server listens on. Modbus has no authentication and its setpoint and coil are writable: keep it on loopback unless the network is yours.' },
} as const satisfies Record<string, EnvVarSpec>;
