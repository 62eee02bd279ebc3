import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { connect } from 'node:net';
import { eventually } from './eventually.js';
import { freePort } from './ports.js';

/** Whether a real redis-server binary is installed (tests that need Redis skip, saying so, if not). */
export const redisInstalled = spawnSync('redis-server', ['--version']).error === undefined;

/** A Prerequisite (test/support/prerequisites.ts) of specs that start their own Redis. */
export const REDIS = {
  name: 'redis-server binary',
  met: redisInstalled,
  hint: 'apt-get install redis-server',
};

function portAnswers(port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve();
    });
    socket.once('error', reject);
  });
}

/**
 * A real Redis of our own on a free loopback port, with nothing written to disk (no RDB snapshots, no AOF), so a
 * test never touches the machine's own Redis on 6379.
 */
export class RedisProcess {
  private child?: ChildProcess;

  private constructor(readonly port: number) {}

  static async start(): Promise<RedisProcess> {
    const redis = new RedisProcess(await freePort());
    redis.child = spawn(
      'redis-server',
      ['--port', String(redis.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
      { stdio: 'ignore' },
    );
    await eventually(() => portAnswers(redis.port), 10_000);
    return redis;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  async stop(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGTERM');
    await exited;
  }
}
