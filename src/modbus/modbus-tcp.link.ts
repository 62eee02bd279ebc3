import { connect as netConnect, type Socket } from 'node:net';
import type { ModbusRTU } from 'modbus-serial/ModbusRTU.js';
import { lazyRequire } from '../common/lazy/lazy-require.js';
import type { ModbusDevice } from './register-map.js';

/**
 * modbus-serial is CommonJS whose module.exports is the client class (its typings call it the default export);
 * loaded with the first device polled, since it brings the serial-port bindings along.
 */
const modbusClient = lazyRequire<new () => ModbusRTU>('modbus-serial');

/** The requests a poller sends over one open connection (modbus-serial's client, or a fake in unit specs). */
export type ModbusLink = Pick<
  ModbusRTU,
  | 'readCoils'
  | 'readDiscreteInputs'
  | 'readHoldingRegisters'
  | 'readInputRegisters'
  | 'writeCoil'
  | 'writeRegister'
  | 'writeRegisters'
> & {
  /** Closes the connection; `onClose` is not called for it. */
  close(): void;
};

/** Opens a connection to the device; `onClose` is called once if the device or the network closes it. */
export type LinkOpener = (device: ModbusDevice, onClose: () => void) => Promise<ModbusLink>;

/** Opens a TCP connection with Nagle off (a request is one small segment: waiting to coalesce only adds latency). */
function openSocket(host: string, port: number, timeoutMs: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = netConnect({ host, port, noDelay: true });
    const timer = setTimeout(() => {
      socket.destroy();
      reject(Object.assign(new Error(`connect to ${host}:${port} timed out`), { code: 'ETIMEDOUT' }));
    }, timeoutMs);
    socket.once('connect', () => {
      clearTimeout(timer);
      socket.setNoDelay(true);
      resolve(socket);
    });
    socket.once('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
  });
}

/**
 * A Modbus TCP connection through modbus-serial, on a socket opened here so that the connect timeout and Nagle
 * are ours; requests time out after the device's `timeoutMs`.
 */
export const openTcpLink: LinkOpener = async (device, onClose) => {
  const { host, port, timeoutMs, modbusUnitId } = device;
  const socket = await openSocket(host, port, timeoutMs);
  // modbus-serial adds its own listeners when it links the socket; this one keeps a late error from throwing.
  socket.on('error', () => undefined);
  const ModbusClient = modbusClient();
  const client = new ModbusClient();
  await client.linkTCP(socket, { port });
  client.setID(modbusUnitId);
  client.setTimeout(timeoutMs);
  let closing = false;
  socket.once('close', () => {
    if (!closing) onClose();
  });
  return {
    readCoils: (address, length) => client.readCoils(address, length),
    readDiscreteInputs: (address, length) => client.readDiscreteInputs(address, length),
    readHoldingRegisters: (address, length) => client.readHoldingRegisters(address, length),
    readInputRegisters: (address, length) => client.readInputRegisters(address, length),
    writeCoil: (address, state) => client.writeCoil(address, state),
    writeRegister: (address, value) => client.writeRegister(address, value),
    writeRegisters: (address, values) => client.writeRegisters(address, values),
    close: () => {
      closing = true;
      socket.destroy();
    },
  };
};
