import { OutboundHostPolicy } from '../notifications/outbound-host.policy.js';
import { deviceProblems } from './device.validator.js';
import type { ModbusDeviceConfig } from './register-map.js';
import { point } from './test-points.fixture.js';

const hosts = new OutboundHostPolicy(['plc1.plant.local', '10.0.0.5:502'], 'MODBUS_ALLOWED_HOSTS', 'devices');

function device(overrides: Partial<ModbusDeviceConfig> = {}): ModbusDeviceConfig {
  return {
    name: 'plc1',
    host: 'plc1.plant.local',
    port: 502,
    modbusUnitId: 1,
    pollIntervalMs: 1000,
    timeoutMs: 500,
    maxGap: 0,
    points: [point({ address: 0 })],
    ...overrides,
  };
}

describe('deviceProblems', () => {
  it('accepts a valid device', () => {
    expect(deviceProblems(device(), hosts)).toEqual([]);
    expect(deviceProblems(device({ host: '10.0.0.5' }), hosts)).toEqual([]);
  });

  it('refuses hosts outside MODBUS_ALLOWED_HOSTS, and everything when the list is empty', () => {
    expect(deviceProblems(device({ host: '10.0.0.5', port: 503 }), hosts)).toEqual([
      "host '10.0.0.5' port 503 is not in MODBUS_ALLOWED_HOSTS",
    ]);
    const none = new OutboundHostPolicy([], 'MODBUS_ALLOWED_HOSTS', 'devices');
    expect(deviceProblems(device(), none)).toEqual([
      'no outbound host is allowed: list the hosts devices may reach in MODBUS_ALLOWED_HOSTS',
    ]);
  });

  it('refuses a timeout longer than the poll interval, and no points', () => {
    expect(deviceProblems(device({ timeoutMs: 2000, points: [] }), hosts)).toEqual([
      'timeout_ms (2000) must not exceed poll_interval_ms (1000)',
      'points must map at least one point',
    ]);
  });

  it('checks data types against areas, scale on bits, writability and the address range', () => {
    const problems = deviceProblems(
      device({
        points: [
          point({ address: 0, area: 'coil', dataType: 'uint16' }),
          point({ address: 1, area: 'holding', dataType: 'bool' }),
          point({ address: 2, area: 'discrete', dataType: 'bool', scale: 2 }),
          point({ address: 3, area: 'input', writable: true }),
          point({ address: 65534, dataType: 'float32' }),
          point({ address: 65535, dataType: 'float32', sensorType: 'f' }),
          point({ address: 65535, area: 'coil', dataType: 'bool', writable: true, sensorType: 'c' }),
        ],
      }),
      hosts,
    );
    expect(problems).toEqual([
      'points[0] (UNIT001/r0): coil holds bits, so data_type must be bool',
      'points[1] (UNIT001/r1): holding registers hold numbers; read bits from coil or discrete',
      'points[2] (UNIT001/r2): a bit is a digital point (0/1, stored exactly): scale must be 1 and offset 0',
      'points[3] (UNIT001/r3): only coil and holding points can be writable (input is read-only)',
      'points[5] (UNIT001/f): a float32 at 65535 ends past address 65535',
    ]);
  });

  it('refuses two points feeding one unit sensor', () => {
    const points = [point({ address: 0, sensorType: 'temp' }), point({ address: 1, sensorType: 'temp' })];
    expect(deviceProblems(device({ points }), hosts)).toEqual([
      'points[1] (UNIT001/temp): UNIT001/temp is already fed by points[0]',
    ]);
  });
});
