import { fork, type ChildProcess } from 'node:child_process';
import { dirname, join } from 'node:path';
import type { Quality } from '../../src/common/bus/event-map.js';
import type { DemoCommand, DemoReply } from '../../src/simulator/opcua-demo.main.js';
import { clockEnv } from './backend.js';
import { repoRoot } from './paths.js';

/**
 * The simulator's OPC UA demo server (a real node-opcua server) in a child process of its own: node-opcua cannot be
 * loaded inside Jest's module system, and a separate process is what a plant server is anyway. Runs the build of
 * this checkout (BACKEND_MAIN's dist, or dist/), so build before running.
 */
export class OpcuaServerProcess {
  private nextId = 1;
  private readonly waiting = new Map<number, (ok: boolean) => void>();

  private constructor(
    private readonly child: ChildProcess,
    readonly endpointUrl: string,
  ) {
    child.on('message', (reply: DemoReply) => {
      if (reply.type !== 'done') return;
      this.waiting.get(reply.id)?.(reply.ok);
      this.waiting.delete(reply.id);
    });
  }

  static async start(port: number, pkiDir: string, units: number): Promise<OpcuaServerProcess> {
    const distSrc = process.env.BACKEND_MAIN ? dirname(process.env.BACKEND_MAIN) : join(repoRoot(), 'dist/src');
    const child = fork(join(distSrc, 'simulator/opcua-demo.main.js'), [], {
      env: {
        PATH: process.env.PATH ?? '',
        HOME: process.env.HOME ?? '/tmp',
        ...clockEnv(),
        OPCUA_DEMO_SERVER_PORT: String(port),
        OPCUA_PKI_DIR: pkiDir,
        SIMULATOR_UNITS: String(units),
      },
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    });
    const output: string[] = [];
    child.stdout?.on('data', (chunk: Buffer) => output.push(chunk.toString()));
    child.stderr?.on('data', (chunk: Buffer) => output.push(chunk.toString()));
    const endpointUrl = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`OPC UA server did not start:\n${output.join('')}`)), 60_000);
      child.on('message', (reply: DemoReply) => {
        if (reply.type === 'started') {
          clearTimeout(timer);
          resolve(reply.endpointUrl);
        }
      });
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`OPC UA server exited with ${code}:\n${output.join('')}`));
      });
    });
    return new OpcuaServerProcess(child, endpointUrl);
  }

  /** Sets a unit sensor's variable; resolves once the server holds the value. */
  setValue(unitId: string, sensorType: string, value: number, quality: Quality = 'GOOD', time = new Date()) {
    return this.command({ type: 'set', id: 0, unitId, sensorType, value, quality, time: time.toISOString() });
  }

  /** Shuts the server down and waits for its process to end. */
  async stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null || !this.child.connected) return;
    const exited = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
    await this.command({ type: 'stop', id: 0 });
    await exited;
  }

  private command(command: DemoCommand): Promise<boolean> {
    const id = this.nextId++;
    return new Promise<boolean>((resolve, reject) => {
      this.waiting.set(id, resolve);
      this.child.send({ ...command, id }, (err) => {
        if (err) {
          this.waiting.delete(id);
          reject(err);
        }
      });
    });
  }
}
