import { fork, type ChildProcess } from 'node:child_process';
import { dirname, join } from 'node:path';
import type { Quality } from '../../src/common/bus/event-map.js';
import type { DemoCommand, DemoReply } from '../../src/simulator/opcua-demo.main.js';
import { clockEnv } from './backend.js';
import type { ControlCommand, ControlReply } from './opcua-control-server.main.js';
import { repoRoot } from './paths.js';

/** The backend's OPC UA settings for a spec: connect to `endpointUrl` at start-up, reconnect and publish quickly. */
export function opcuaClientEnv(endpointUrl: string, pkiDir: string): Record<string, string> {
  return {
    OPCUA_SERVER_URL: endpointUrl,
    OPCUA_PKI_DIR: join(pkiDir, 'client'),
    OPCUA_RECONNECT_MAX_MS: '1000',
    OPCUA_PUBLISHING_INTERVAL_MS: '100',
  };
}

/**
 * The simulator's OPC UA demo server (a real node-opcua server) in a child process of its own: node-opcua cannot be
 * loaded inside Jest's module system, and a separate process is what a plant server is anyway. Runs the build of
 * this checkout (BACKEND_MAIN's dist, or dist/), so build before running.
 */
export class OpcuaServerProcess {
  private nextId = 1;
  private readonly waiting = new Map<number, (reply: Reply) => void>();

  private constructor(
    private readonly child: ChildProcess,
    readonly endpointUrl: string,
  ) {
    child.on('message', (reply: Reply) => {
      if (reply.type !== 'done') return;
      this.waiting.get(reply.id)?.(reply);
      this.waiting.delete(reply.id);
    });
  }

  /**
   * Starts the demo server, or with `main: 'control'` the control server (test/support/opcua-control-server.main.ts:
   * writable Int16 and Boolean nodes and a read-only one, for commands).
   */
  static async start(
    port: number,
    pkiDir: string,
    units: number,
    main: 'demo' | 'control' = 'demo',
  ): Promise<OpcuaServerProcess> {
    const distSrc = process.env.BACKEND_MAIN ? dirname(process.env.BACKEND_MAIN) : join(repoRoot(), 'dist/src');
    const script =
      main === 'demo'
        ? join(distSrc, 'simulator/opcua-demo.main.js')
        : join(distSrc, '../test/support/opcua-control-server.main.js');
    const child = fork(script, [], {
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
      child.on('message', (reply: Reply) => {
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
  async setValue(unitId: string, sensorType: string, value: number, quality: Quality = 'GOOD', time = new Date()) {
    return (await this.command({ type: 'set', id: 0, unitId, sensorType, value, quality, time: time.toISOString() }))
      .ok;
  }

  /** The control server's current value of a node, read on the server side (undefined for an unknown node). */
  async value(unitId: string, sensorType: string): Promise<number | boolean | null | undefined> {
    const reply = await this.command({ type: 'get', id: 0, unitId, sensorType });
    return reply.ok && 'value' in reply ? reply.value : undefined;
  }

  /** Shuts the server down and waits for its process to end. */
  async stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null || !this.child.connected) return;
    const exited = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
    await this.command({ type: 'stop', id: 0 });
    await exited;
  }

  private command(command: DemoCommand | ControlCommand): Promise<Extract<Reply, { type: 'done' }>> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.waiting.set(id, (reply) => resolve(reply as Extract<Reply, { type: 'done' }>));
      this.child.send({ ...command, id }, (err) => {
        if (err) {
          this.waiting.delete(id);
          reject(err);
        }
      });
    });
  }
}

type Reply = DemoReply | ControlReply;
