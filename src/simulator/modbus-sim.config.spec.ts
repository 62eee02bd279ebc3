import { AppConfig } from '../config/app-config.js';

describe('the simulator Modbus server settings', () => {
  it('are off by default and with port 0', () => {
    expect(new AppConfig({}).simulatorModbus).toBeUndefined();
    expect(new AppConfig({ SIMULATOR_MODBUS_PORT: '0' }).simulatorModbus).toBeUndefined();
  });

  it('listen on loopback by default; the backend reaches a wildcard address on loopback', () => {
    expect(new AppConfig({ SIMULATOR_MODBUS_PORT: '5020' }).simulatorModbus).toEqual({
      port: 5020,
      bindHost: '127.0.0.1',
      connectHost: '127.0.0.1',
    });
    expect(
      new AppConfig({ SIMULATOR_MODBUS_PORT: '5020', SIMULATOR_MODBUS_HOST: '0.0.0.0' }).simulatorModbus,
    ).toMatchObject({ bindHost: '0.0.0.0', connectHost: '127.0.0.1' });
    expect(
      new AppConfig({ SIMULATOR_MODBUS_PORT: '5020', SIMULATOR_MODBUS_HOST: '::1' }).simulatorModbus,
    ).toMatchObject({ connectHost: '::1' });
  });

  it('refuse a host that is not an IP address and a port out of range, naming the variable', () => {
    expect(() => new AppConfig({ SIMULATOR_MODBUS_HOST: 'plc.local' })).toThrow(/SIMULATOR_MODBUS_HOST must be an IP/);
    expect(() => new AppConfig({ SIMULATOR_MODBUS_PORT: '70000' })).toThrow(/SIMULATOR_MODBUS_PORT/);
  });
});
