import type { HealthIndicator } from '../common/feature/health-indicator.js';
import type { ModbusSimService } from './modbus-sim.service.js';
import type { OpcuaDemoService } from './opcua-demo.service.js';
import type { SimulatorService } from './simulator.service.js';

/** The simulator's `protocol_simulator` section of /health. A stopped simulator is not a degraded backend. */
export function simulatorHealthIndicator(simulator: Pick<SimulatorService, 'health'>): HealthIndicator {
  return { name: 'protocol_simulator', positions: { summary: 60 }, summary: () => simulator.health() };
}

/** The OPC UA demo server's `opcua_demo_server` section of /health (a demo aid: it never degrades /health). */
export function opcuaDemoHealthIndicator(demo: Pick<OpcuaDemoService, 'health'>): HealthIndicator {
  return { name: 'opcua_demo_server', positions: { summary: 70 }, summary: () => ({ ...demo.health() }) };
}

/** The simulator's Modbus server's `simulator_modbus_server` section of /health (a demo aid: it never degrades /health). */
export function modbusSimHealthIndicator(server: Pick<ModbusSimService, 'health'>): HealthIndicator {
  return { name: 'simulator_modbus_server', positions: { summary: 71 }, summary: () => ({ ...server.health() }) };
}
