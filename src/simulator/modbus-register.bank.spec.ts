import { OutboundHostPolicy } from '../notifications/outbound-host.policy.js';
import { deviceProblems } from '../modbus/device.validator.js';
import { decodeRegisters } from '../modbus/register.decoder.js';
import { ModbusExceptionError, SIM_EXCEPTION, SimulatorRegisterBank } from './modbus-register.bank.js';
import { modbusSimulatedWritablePoints, simulatorDeviceConfig } from './modbus-sim.devices.js';
import { PlantModel, type PlantTick } from './plant-model.js';
import { NO_ANOMALIES } from './unit-model.js';
import { ALWAYS_ONLINE } from './unit-status.js';

const T0 = Date.UTC(2025, 0, 6);

function float(words: number[], at = 0): number {
  const buffer = Buffer.alloc(words.length * 2);
  words.forEach((w, i) => buffer.writeUInt16BE(w, i * 2));
  return decodeRegisters(buffer, at, 'float32', 'big', 'big');
}

function exceptionOf(call: () => unknown): number | undefined {
  try {
    call();
  } catch (err) {
    if (err instanceof ModbusExceptionError) return err.modbusErrorCode;
    throw err;
  }
  return undefined;
}

/** The register bank behind the simulator's Modbus server, fed by a real PlantModel on a fixed clock. */
describe('SimulatorRegisterBank', () => {
  let plant: PlantModel;
  let bank: SimulatorRegisterBank;
  let tick: PlantTick;

  beforeEach(() => {
    plant = new PlantModel({ seed: 5, units: 3, anomalies: NO_ANOMALIES, status: ALWAYS_ONLINE });
    bank = new SimulatorRegisterBank(3);
    tick = plant.tick(T0);
    bank.update(tick, plant);
  });

  it("serves each unit's four readings as float32 input registers, unit id n = the n-th unit", () => {
    const words = bank.readInputRegisters(2, 0, 8);
    const unit2 = tick.readings.filter((r) => r.unit_id === 'UNIT002');
    expect(unit2.map((r) => r.sensor_type)).toEqual(['temperature', 'pressure', 'flow_rate', 'power']);
    unit2.forEach((r, i) => expect(float(words, 2 * i)).toBeCloseTo(r.value, 4));
    // A read of part of the map gives those registers only.
    expect(bank.readInputRegisters(2, 2, 2)).toEqual(words.slice(2, 4));
  });

  it('serves the pump as coil 0 and the setpoint as holding 0-1 (NaN until one is commanded)', () => {
    expect(bank.readCoil(1, 0)).toBe(true);
    expect(float(bank.readHoldingRegisters(1, 0, 2))).toBeNaN();
  });

  it('obeys a written setpoint and pump coil, which the plant then follows', () => {
    const words = Buffer.alloc(4);
    words.writeFloatBE(21.5);
    bank.writeRegisters(1, 0, [words.readUInt16BE(0), words.readUInt16BE(2)]);
    bank.writeCoil(1, 0, false);
    expect(float(bank.readHoldingRegisters(1, 0, 2))).toBe(21.5);
    expect(bank.readCoil(1, 0)).toBe(false);
    expect(plant.controlOf('UNIT001')).toEqual({ setpoint: 21.5, pumpOn: false });
    // The others are not touched.
    expect(plant.controlOf('UNIT002')).toEqual({ setpoint: undefined, pumpOn: true });
    // The pump stops over the next ticks: flow falls.
    for (let t = T0 + 1000; t <= T0 + 20_000; t += 1000) bank.update(plant.tick(t), plant);
    const flow = float(bank.readInputRegisters(1, 4, 2));
    expect(flow).toBeLessThan(5);
    expect(bank.counts.writes).toBe(2);
  });

  it('answers with exceptions the poller names: bad address, refused value, no such unit, unit not reporting', () => {
    expect(exceptionOf(() => bank.readInputRegisters(1, 7, 2))).toBe(SIM_EXCEPTION.ILLEGAL_DATA_ADDRESS);
    expect(exceptionOf(() => bank.readDiscreteInput(1, 0))).toBe(SIM_EXCEPTION.ILLEGAL_DATA_ADDRESS);
    expect(exceptionOf(() => bank.writeRegister(1, 0))).toBe(SIM_EXCEPTION.ILLEGAL_DATA_ADDRESS);
    const tooHot = Buffer.alloc(4);
    tooHot.writeFloatBE(80);
    expect(exceptionOf(() => bank.writeRegisters(1, 0, [tooHot.readUInt16BE(0), tooHot.readUInt16BE(2)]))).toBe(
      SIM_EXCEPTION.ILLEGAL_DATA_VALUE,
    );
    expect(plant.controlOf('UNIT001')?.setpoint).toBeUndefined();
    expect(exceptionOf(() => bank.readInputRegisters(4, 0, 8))).toBe(SIM_EXCEPTION.GATEWAY_PATH_UNAVAILABLE);
    expect(exceptionOf(() => bank.readInputRegisters(0, 0, 8))).toBe(SIM_EXCEPTION.GATEWAY_PATH_UNAVAILABLE);

    bank.detach();
    expect(exceptionOf(() => bank.readInputRegisters(1, 0, 8))).toBe(
      SIM_EXCEPTION.GATEWAY_TARGET_DEVICE_FAILED_TO_RESPOND,
    );
    expect(exceptionOf(() => bank.writeCoil(1, 0, false))).toBe(SIM_EXCEPTION.GATEWAY_TARGET_DEVICE_FAILED_TO_RESPOND);
    expect(bank.counts.exceptions).toBe(8);
  });

  it('serves a reading the plant flags BAD as NaN, and a unit missing from the tick not at all', () => {
    const first = tick.readings[0];
    bank.update(
      {
        readings: [{ ...first, quality: 'BAD' }, ...tick.readings.slice(1).filter((r) => r.unit_id !== 'UNIT003')],
        statusChanges: [],
      },
      plant,
    );
    expect(float(bank.readInputRegisters(1, 0, 2))).toBeNaN();
    expect(exceptionOf(() => bank.readInputRegisters(3, 0, 8))).toBe(
      SIM_EXCEPTION.GATEWAY_TARGET_DEVICE_FAILED_TO_RESPOND,
    );
  });

  it('serves at most 247 units (the addressable unit ids)', () => {
    expect(new SimulatorRegisterBank(1000).unitCount).toBe(247);
  });
});

describe('the devices the backend polls the simulator with', () => {
  it('are valid register maps on the allowed endpoint, feeding MB- units with writable setpoint and pump', () => {
    const config = simulatorDeviceConfig(0, '127.0.0.1', 5020, 1000);
    expect(deviceProblems(config, new OutboundHostPolicy(['127.0.0.1:5020']))).toEqual([]);
    expect(config).toMatchObject({ name: 'simulator-UNIT001', modbusUnitId: 1, pollIntervalMs: 1000, timeoutMs: 500 });
    expect(
      config.points.map((p) => `${p.area}:${p.address} ${p.unitId}/${p.sensorType}${p.writable ? ' w' : ''}`),
    ).toEqual([
      'input:0 MB-UNIT001/temperature',
      'input:2 MB-UNIT001/pressure',
      'input:4 MB-UNIT001/flow_rate',
      'input:6 MB-UNIT001/power',
      'holding:0 MB-UNIT001/temperature_setpoint w',
      'coil:0 MB-UNIT001/pump w',
    ]);
    expect(simulatorDeviceConfig(2, '127.0.0.1', 5020, 10)).toMatchObject({ modbusUnitId: 3, pollIntervalMs: 100 });
    expect(modbusSimulatedWritablePoints(2).map((p) => `${p.unitId}/${p.sensorType} ${p.settings.channel}`)).toEqual([
      'MB-UNIT001/temperature_setpoint modbus',
      'MB-UNIT001/pump modbus',
      'MB-UNIT002/temperature_setpoint modbus',
      'MB-UNIT002/pump modbus',
    ]);
  });
});
