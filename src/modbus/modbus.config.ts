import type { EnvVarSpec } from '../config/env-var.js';

/**
 * The Modbus TCP source's environment variables: which hosts devices may be, how many, and reconnects.
 * Assembled into the one validated schema by src/config/env.schema.ts (where they stand in .env.example and
 * docs/configuration.md); AppConfig reads them into its typed fields.
 */
// prettier-ignore
export const MODBUS_ENV = {
  MODBUS_ALLOWED_HOSTS: { kind: 'string', default: '', description: 'Hosts Modbus TCP devices may be (comma-separated host names or IP addresses, each optionally :port, no ranges: list each PLC or gateway, e.g. plc1.plant.local,10.20.0.15:502). Empty refuses every device, so the devices API cannot make the backend connect to arbitrary internal services (SSRF).' },
  MODBUS_MAX_DEVICES: { kind: 'int', default: '200', min: 1, max: 10000, description: 'Most Modbus TCP devices that can be configured; a further POST /api/v1/scada/modbus/devices is refused with 409.' },
  MODBUS_RECONNECT_MAX_MS: { kind: 'int', default: '30000', min: 100, max: 3600000, description: 'Longest delay between two attempts to reach a Modbus device that is down (the backoff starts at 500 ms and doubles); meanwhile every scheduled poll reports its points BAD.' },
} as const satisfies Record<string, EnvVarSpec>;
