import type { HealthIndicator } from '../common/feature/health-indicator.js';
import type { ModbusSnapshot } from './modbus-devices.service.js';
import { toDeviceResponse } from './modbus.dto.js';

/** The Modbus source's sections of /health and /api/v1/scada/status, read from its snapshot at each request. */
export function modbusHealthIndicator(snapshot: () => ModbusSnapshot): HealthIndicator {
  const polled = (s: ModbusSnapshot) => s.devices.filter((d) => d.poller !== undefined);
  return {
    name: 'modbus',
    positions: { summary: 45, status: 25 },
    // Modbus is optional: with no devices it never degrades /health; with some, a device that is down does.
    healthy() {
      return polled(snapshot()).every((d) => d.poller!.connected);
    },
    summary() {
      const s = snapshot();
      const devices = polled(s);
      return {
        available: s.devices.length > 0,
        devices: s.devices.length,
        connected: devices.filter((d) => d.poller!.connected).length,
        refused: s.devices.length - devices.length,
        late_polls: devices.reduce((n, d) => n + d.poller!.latePolls, 0),
        failed_polls: devices.reduce((n, d) => n + d.poller!.failedPolls, 0),
      };
    },
    status: () => {
      const s = snapshot();
      return { devices: s.devices.map(toDeviceResponse).map((d) => ({ id: d.id, name: d.name, ...d.status })) };
    },
  };
}
