import type { IServiceVector, ServerTCP } from 'modbus-serial';
import { lazyRequire } from '../common/lazy/lazy-require.js';
import type { SimulatorRegisterBank } from './modbus-register.bank.js';

/**
 * modbus-serial is CommonJS: its module.exports is the client class, with ServerTCP as a property of it. Loaded when
 * the Modbus simulator starts (see lazyRequire).
 */
const modbusSerial = lazyRequire<{ ServerTCP: typeof ServerTCP }>('modbus-serial');

/**
 * The simulator's Modbus TCP server: modbus-serial's ServerTCP answering from a SimulatorRegisterBank. Every
 * function code the bank does not serve gets an exception from modbus-serial itself (ILLEGAL_FUNCTION); every
 * request the bank refuses gets the bank's exception code.
 */
export class ModbusSimServer {
  private server?: ServerTCP;

  constructor(
    private readonly bank: SimulatorRegisterBank,
    private readonly host: string,
    private readonly port: number,
  ) {}

  get listening(): boolean {
    return this.server !== undefined;
  }

  async start(): Promise<void> {
    const bank = this.bank;
    const vector: IServiceVector = {
      getInputRegister: (addr: number, unit: number) => bank.readInputRegisters(unit, addr, 1)[0],
      getMultipleInputRegisters: (addr: number, length: number, unit: number) =>
        bank.readInputRegisters(unit, addr, length),
      getHoldingRegister: (addr: number, unit: number) => bank.readHoldingRegisters(unit, addr, 1)[0],
      getMultipleHoldingRegisters: (addr: number, length: number, unit: number) =>
        bank.readHoldingRegisters(unit, addr, length),
      getCoil: (addr: number, unit: number) => bank.readCoil(unit, addr),
      getDiscreteInput: (addr: number, unit: number) => bank.readDiscreteInput(unit, addr),
      setCoil: (addr: number, value: boolean, unit: number) => bank.writeCoil(unit, addr, value),
      setRegister: (addr: number, _value: number, unit: number) => bank.writeRegister(unit, addr),
      setRegisterArray: (addr: number, values: number[], unit: number) => bank.writeRegisters(unit, addr, values),
    };
    const ModbusServer = modbusSerial().ServerTCP;
    const server = new ModbusServer(vector, { host: this.host, port: this.port });
    // A client that resets its connection is its own business; the server goes on.
    server.on('socketError', () => undefined);
    server.on('error', () => undefined);
    try {
      await new Promise<void>((resolve, reject) => {
        server.once('initialized', () => resolve());
        server.once('serverError', (err: Error | null) => reject(err ?? new Error('Modbus server error')));
      });
    } catch (err) {
      server.close(() => undefined);
      throw err;
    }
    server.on('serverError', () => undefined);
    this.server = server;
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
