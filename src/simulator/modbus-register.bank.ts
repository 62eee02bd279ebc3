import type { PlantModel, PlantTick } from './plant-model.js';
import { unitIdOf } from './plant-model.js';
import { SETPOINT_RANGE } from './unit-control.js';
import { SENSOR_COUNT, SENSOR_INDEX } from './unit-model.js';

/**
 * The simulator's Modbus register map, the same for every unit (docs/modbus.md): Modbus unit id n is the plant's
 * n-th unit (1 = UNIT001). Values are IEEE 754 float32, most significant register first ("ABCD").
 *
 * | Area                  | Address | Point                                   | Access                    |
 * | --------------------- | ------- | --------------------------------------- | ------------------------- |
 * | input register (FC 4) | 0-1     | temperature °C                          | read                      |
 * | input register        | 2-3     | pressure bar                            | read                      |
 * | input register        | 4-5     | flow_rate L/min                         | read                      |
 * | input register        | 6-7     | power kW                                | read                      |
 * | holding (FC 3)        | 0-1     | temperature_setpoint °C (NaN: none yet) | read, write FC 16 (both)  |
 * | coil (FC 1)           | 0       | pump (1 = ON)                           | read, write FC 5          |
 */
export const SIM_INPUT_REGISTERS = 2 * SENSOR_COUNT;
export const SIM_SETPOINT_ADDRESS = 0;
export const SIM_HOLDING_REGISTERS = 2;
export const SIM_PUMP_COIL = 0;
export const SIM_COILS = 1;
/** Unit ids 1-247 address devices; 0 is broadcast and 248-255 are reserved. */
export const SIM_MAX_MODBUS_UNITS = 247;

/** The exception codes the simulated gateway answers with (names as in src/modbus/modbus-errors.ts). */
export const SIM_EXCEPTION = {
  ILLEGAL_DATA_ADDRESS: 0x02,
  ILLEGAL_DATA_VALUE: 0x03,
  GATEWAY_PATH_UNAVAILABLE: 0x0a,
  GATEWAY_TARGET_DEVICE_FAILED_TO_RESPOND: 0x0b,
} as const;

/** A Modbus exception answer; modbus-serial's server sends `modbusErrorCode` back as the exception code. */
export class ModbusExceptionError extends Error {
  constructor(
    readonly modbusErrorCode: number,
    message: string,
  ) {
    super(message);
  }
}

/** What the server has answered, for /health. */
export interface BankCounts {
  reads: number;
  writes: number;
  /** Requests answered with an exception (a unit not reporting, an address outside the map, a refused value). */
  exceptions: number;
}

interface UnitRegisters {
  readonly unitId: string;
  /** The input registers as the protocol sends them: big-endian bytes, two per register. */
  readonly input: Buffer;
  /** Whether the unit sent readings in the latest tick; a unit that did not (offline, silent) does not answer. */
  reported: boolean;
}

/**
 * The registers behind the simulator's Modbus TCP server: the latest tick's values, and the plant's commanded state
 * (setpoint, pump), which writes change through PlantModel.command as an MQTT `.../set` does. Pure (no I/O); the
 * server calls it for every request. A unit answers like a device behind a gateway: when it sent nothing in the
 * latest tick (the simulator is stopped, the unit is offline or its link is silent) the request gets
 * GATEWAY_TARGET_DEVICE_FAILED_TO_RESPOND, which the backend's poller turns into BAD readings. A reading the plant
 * flags BAD is served as NaN (Modbus has no quality; the poller marks NaN BAD).
 */
export class SimulatorRegisterBank {
  readonly counts: BankCounts = { reads: 0, writes: 0, exceptions: 0 };
  private readonly units: UnitRegisters[] = [];
  private readonly byUnitId = new Map<string, UnitRegisters>();
  private plant: PlantModel | undefined;

  /** Serves the first `units` units of the plant (at most 247). */
  constructor(units: number) {
    for (let i = 0; i < Math.min(units, SIM_MAX_MODBUS_UNITS); i++) {
      const unit: UnitRegisters = {
        unitId: unitIdOf(i),
        input: Buffer.alloc(SIM_INPUT_REGISTERS * 2),
        reported: false,
      };
      this.units.push(unit);
      this.byUnitId.set(unit.unitId, unit);
    }
  }

  /** How many units it serves, as Modbus unit ids 1 to this. */
  get unitCount(): number {
    return this.units.length;
  }

  /** Takes a tick of the running plant: per reading one map look-up and one float write. */
  update(tick: PlantTick, plant: PlantModel): void {
    this.plant = plant;
    for (const unit of this.units) unit.reported = false;
    for (const r of tick.readings) {
      const unit = this.byUnitId.get(r.unit_id);
      if (unit === undefined) continue;
      unit.input.writeFloatBE(r.quality === 'BAD' ? Number.NaN : r.value, SENSOR_INDEX[r.sensor_type] * 4);
      unit.reported = true;
    }
  }

  /** The simulator stopped: no unit answers until the next run's first tick. */
  detach(): void {
    this.plant = undefined;
    for (const unit of this.units) unit.reported = false;
  }

  readInputRegisters(modbusUnit: number, address: number, length: number): number[] {
    const unit = this.reporting(modbusUnit);
    this.inRange(address, length, SIM_INPUT_REGISTERS, 'input registers');
    this.counts.reads++;
    const words: number[] = [];
    for (let a = address; a < address + length; a++) words.push(unit.input.readUInt16BE(a * 2));
    return words;
  }

  readHoldingRegisters(modbusUnit: number, address: number, length: number): number[] {
    const { plant, unitId } = this.commandable(modbusUnit);
    this.inRange(address, length, SIM_HOLDING_REGISTERS, 'holding registers');
    this.counts.reads++;
    const words = Buffer.alloc(SIM_HOLDING_REGISTERS * 2);
    words.writeFloatBE(plant.controlOf(unitId)?.setpoint ?? Number.NaN, SIM_SETPOINT_ADDRESS * 2);
    const out: number[] = [];
    for (let a = address; a < address + length; a++) out.push(words.readUInt16BE(a * 2));
    return out;
  }

  readCoil(modbusUnit: number, address: number): boolean {
    const { plant, unitId } = this.commandable(modbusUnit);
    this.inRange(address, 1, SIM_COILS, 'coils');
    this.counts.reads++;
    return plant.controlOf(unitId)?.pumpOn ?? true;
  }

  readDiscreteInput(modbusUnit: number, address: number): boolean {
    this.reporting(modbusUnit);
    return this.refuse(SIM_EXCEPTION.ILLEGAL_DATA_ADDRESS, `the simulator has no discrete inputs (address ${address})`);
  }

  /** FC 5 on the pump coil: the unit's pump command, judged by the unit. */
  writeCoil(modbusUnit: number, address: number, on: boolean): void {
    const target = this.commandable(modbusUnit);
    this.inRange(address, 1, SIM_COILS, 'coils');
    this.command(target, 'pump', on ? 1 : 0);
  }

  /** FC 16: the setpoint is one float32 over holding registers 0-1, written whole. */
  writeRegisters(modbusUnit: number, address: number, values: readonly number[]): void {
    const target = this.commandable(modbusUnit);
    this.inRange(address, values.length, SIM_HOLDING_REGISTERS, 'holding registers');
    if (address !== SIM_SETPOINT_ADDRESS || values.length !== 2) {
      this.refuse(SIM_EXCEPTION.ILLEGAL_DATA_ADDRESS, 'the setpoint is a float32 in holding registers 0-1: write both');
    }
    const bytes = Buffer.alloc(4);
    bytes.writeUInt16BE(values[0], 0);
    bytes.writeUInt16BE(values[1], 2);
    this.command(target, 'temperature_setpoint', bytes.readFloatBE(0));
  }

  /** FC 6 would write half a float: refused. */
  writeRegister(modbusUnit: number, address: number): void {
    this.commandable(modbusUnit);
    this.inRange(address, 1, SIM_HOLDING_REGISTERS, 'holding registers');
    this.refuse(SIM_EXCEPTION.ILLEGAL_DATA_ADDRESS, 'the setpoint is a float32 in holding registers 0-1: write both');
  }

  private command(
    target: { plant: PlantModel; unitId: string },
    point: 'pump' | 'temperature_setpoint',
    value: number,
  ): void {
    const answer = target.plant.command(target.unitId, point, value);
    if (answer === undefined || 'silent' in answer) {
      this.refuse(SIM_EXCEPTION.GATEWAY_TARGET_DEVICE_FAILED_TO_RESPOND, `${target.unitId} does not answer`);
    }
    if (!answer.accepted) {
      const range = point === 'temperature_setpoint' ? ` (${SETPOINT_RANGE.min}-${SETPOINT_RANGE.max})` : '';
      this.refuse(SIM_EXCEPTION.ILLEGAL_DATA_VALUE, `${answer.reason}${range}`);
    }
    this.counts.writes++;
  }

  /** The unit behind a Modbus unit id, which must have reported in the latest tick. */
  private reporting(modbusUnit: number): UnitRegisters {
    const unit = this.units[modbusUnit - 1];
    if (unit === undefined) {
      this.refuse(SIM_EXCEPTION.GATEWAY_PATH_UNAVAILABLE, `no simulated unit behind Modbus unit id ${modbusUnit}`);
    }
    if (!unit.reported || this.plant === undefined) {
      this.refuse(SIM_EXCEPTION.GATEWAY_TARGET_DEVICE_FAILED_TO_RESPOND, `${unit.unitId} is not reporting`);
    }
    return unit;
  }

  private commandable(modbusUnit: number): { plant: PlantModel; unitId: string } {
    const unit = this.reporting(modbusUnit);
    return { plant: this.plant!, unitId: unit.unitId };
  }

  private inRange(address: number, length: number, size: number, what: string): void {
    if (length < 1 || address < 0 || address + length > size) {
      this.refuse(
        SIM_EXCEPTION.ILLEGAL_DATA_ADDRESS,
        `${what} ${address}-${address + length - 1}: the map has 0-${size - 1}`,
      );
    }
  }

  private refuse(code: number, message: string): never {
    this.counts.exceptions++;
    throw new ModbusExceptionError(code, message);
  }
}
