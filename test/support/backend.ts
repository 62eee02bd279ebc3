import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eventually } from './eventually.js';
import { repoRoot } from './paths.js';
import { freePort } from './ports.js';

export interface HttpReply<T> {
  status: number;
  body: T;
  text: string;
  headers: Headers;
}

export interface BackendOptions {
  /** Environment for the backend, on top of a clean one (no inherited configuration). */
  env: Record<string, string>;
  /** Print the backend's output as it comes (for the benchmark). */
  echo?: boolean;
}

/**
 * The real backend, built (`npm run build`) and started as its own process, exactly as `npm start` runs it.
 * Tests talk to it over MQTT, HTTP, Socket.IO and SQL only.
 */
export class BackendProcess {
  private child?: ChildProcess;
  private output: string[] = [];
  readonly port: number;

  private constructor(
    private readonly options: BackendOptions,
    port: number,
  ) {
    this.port = port;
  }

  static async start(options: BackendOptions): Promise<BackendProcess> {
    const port = Number(options.env.PORT ?? (await freePort()));
    const backend = new BackendProcess({ ...options, env: { ...options.env, PORT: String(port) } }, port);
    await backend.restart();
    return backend;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  /** Everything the backend printed so far. */
  get logs(): string {
    return this.output.join('');
  }

  /** Starts the process (again) and waits until /health/ready answers 200. */
  async restart(): Promise<void> {
    const env: Record<string, string> = {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '/tmp',
      NODE_ENV: 'test',
      HOST: '127.0.0.1',
      ...this.options.env,
    };
    // BACKEND_MAIN lets parallel work trees test their own build instead of the shared dist/.
    const main = process.env.BACKEND_MAIN ?? join(repoRoot(), 'dist/src/main.js');
    const child = spawn(process.execPath, [main], {
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child = child;
    const collect = (chunk: Buffer): void => {
      this.output.push(chunk.toString());
      if (this.options.echo) process.stdout.write(chunk);
    };
    child.stdout?.on('data', collect);
    child.stderr?.on('data', collect);
    await eventually(
      async () => {
        if (child.exitCode !== null) throw new Error(`backend exited with ${child.exitCode}:\n${this.logs}`);
        const res = await fetch(`${this.url}/health/ready`);
        if (res.status !== 200) throw new Error(`not ready: ${res.status} ${await res.text()}`);
      },
      60_000,
      200,
    ).catch((err: Error) => {
      throw new Error(`${err.message}\n--- backend output ---\n${this.logs}`);
    });
  }

  /** Graceful stop (SIGTERM), waiting for the exit. */
  async stop(): Promise<number | null> {
    return this.signal('SIGTERM');
  }

  /** Abrupt stop, as a crash or an OOM kill would do it. */
  async kill(): Promise<number | null> {
    return this.signal('SIGKILL');
  }

  /**
   * Headers every harness request carries. One place on purpose: credentials (issue 9) are added here, so specs
   * that go through `request`/`getJson` need no change when authentication is on.
   */
  readonly defaultHeaders: Record<string, string> = {};

  async getJson<T = any>(path: string): Promise<T> {
    const res = await fetch(this.url + path, { headers: this.defaultHeaders });
    return (await res.json()) as T;
  }

  /** One HTTP call: a JSON body (or a raw string) in, status, parsed JSON (when there is any) and text out. */
  async request<T = any>(
    method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE',
    path: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ): Promise<HttpReply<T>> {
    const res = await fetch(this.url + path, {
      method,
      headers: {
        ...this.defaultHeaders,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...headers,
      },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });
    const text = await res.text();
    let parsed: unknown;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      parsed = undefined;
    }
    return { status: res.status, body: parsed as T, text, headers: res.headers };
  }

  private async signal(signal: NodeJS.Signals): Promise<number | null> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return child?.exitCode ?? null;
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    child.kill(signal);
    return exited;
  }
}

/** A fresh data directory for the embedded database. */
export function tempDataDir(): string {
  return mkdtempSync(join(tmpdir(), 'tc-data-'));
}
