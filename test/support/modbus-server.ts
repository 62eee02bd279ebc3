import { createServer, type Server, type Socket } from 'node:net';
import Modbus from 'jsmodbus';

/**
 * A Modbus TCP server from a library the project did not write (jsmodbus), in the test process on a port the test
 * chose: its register and coil memories are plain buffers the test sets, and it counts the read requests it answers.
 * `stop()` closes it and every connection (as a PLC that goes off the network); `start()` brings it back on the
 * same port with the same memory.
 */
export class ModbusTestServer {
  readonly holding = Buffer.alloc(2 * 1000);
  readonly coils = Buffer.alloc(128);
  /** Read requests answered, by area. */
  readonly requests = { holding: 0, coils: 0 };
  /** Write requests answered: FC 5 (one coil). */
  readonly writes = { coils: 0 };
  private net?: Server;
  private readonly sockets = new Set<Socket>();

  constructor(readonly port: number) {}

  async start(): Promise<void> {
    const net = createServer();
    net.on('connection', (socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
      // A client that goes away abruptly (a backend stopping) resets the connection: not the test's failure.
      socket.on('error', () => undefined);
    });
    const server = new Modbus.server.TCP(net, { holding: this.holding, coils: this.coils });
    server.on('preReadHoldingRegisters', () => this.requests.holding++);
    server.on('preReadCoils', () => this.requests.coils++);
    server.on('preWriteSingleCoil', () => this.writes.coils++);
    await new Promise<void>((resolve, reject) => {
      net.once('error', reject);
      net.listen(this.port, '127.0.0.1', () => resolve());
    });
    this.net = net;
  }

  async stop(): Promise<void> {
    const net = this.net;
    this.net = undefined;
    for (const socket of this.sockets) socket.destroy();
    if (net) await new Promise<void>((resolve) => net.close(() => resolve()));
  }

  /** Holding register `address` as a float32, its high word first (`big`) or second (`little`). */
  setFloat32(address: number, value: number, wordOrder: 'big' | 'little'): void {
    const bytes = Buffer.alloc(4);
    bytes.writeFloatBE(value);
    const [high, low] = [bytes.subarray(0, 2), bytes.subarray(2, 4)];
    (wordOrder === 'big' ? high : low).copy(this.holding, address * 2);
    (wordOrder === 'big' ? low : high).copy(this.holding, address * 2 + 2);
  }

  setInt16(address: number, value: number): void {
    this.holding.writeInt16BE(value, address * 2);
  }

  /** Coil `address` as the server holds it now. */
  coil(address: number): boolean {
    return (this.coils[address >> 3] & (1 << (address & 7))) !== 0;
  }

  /** Coils are packed eight to a byte, lowest address in the lowest bit. */
  setCoil(address: number, on: boolean): void {
    const byte = address >> 3;
    const bit = 1 << (address & 7);
    this.coils[byte] = on ? this.coils[byte] | bit : this.coils[byte] & ~bit;
  }
}
