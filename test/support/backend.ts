import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import supertest, { type Response } from 'supertest';
import { eventually } from './eventually.js';
import { repoRoot } from './paths.js';
import { freePort } from './ports.js';

export interface HttpReply<T> {
  status: number;
  body: T;
  text: string;
  headers: Headers;
}

/** The roles of src/common/auth/access.ts. */
export type TestRole = 'viewer' | 'operator' | 'engineer' | 'admin';

/**
 * The simulator seed every test backend runs with unless its spec sets SIMULATOR_SEED itself. A seeded run pins the
 * model clock (its daily cycle starts at the same instant whatever the hour), so what the simulator publishes in a
 * test does not depend on the time of day or the date the test runs at.
 */
export const TEST_SIMULATOR_SEED = '20260101';

/** No random faults, outages or maintenance in the simulator: every reading GOOD, every unit online. */
export const QUIET_SIMULATOR: Readonly<Record<string, string>> = {
  SIMULATOR_BAD_QUALITY_PROBABILITY: '0',
  SIMULATOR_UNCERTAIN_QUALITY_PROBABILITY: '0',
  SIMULATOR_OUTLIER_PROBABILITY: '0',
  SIMULATOR_OUTAGE_INTERVAL_S: '0',
  SIMULATOR_MAINTENANCE_INTERVAL_S: '0',
};

/**
 * The clock of the test run, passed on to the processes it starts (whose environment is otherwise clean): the time
 * zone, and libfaketime's settings when a run is made under `faketime` to prove it holds at any hour and date.
 */
export function clockEnv(): Record<string, string> {
  const names = ['TZ', 'LD_PRELOAD', 'FAKETIME', 'FAKETIME_DONT_FAKE_MONOTONIC', 'FAKETIME_NO_CACHE', 'FAKETIME_FMT'];
  const env: Record<string, string> = {};
  for (const name of names) {
    const value = process.env[name];
    if (value !== undefined) env[name] = value;
  }
  return env;
}

/** A new API key in the backend's format, for AUTH_BOOTSTRAP_ADMIN_KEY. */
export function newApiKey(): string {
  return `tc_${randomBytes(8).toString('hex')}_${randomBytes(32).toString('base64url')}`;
}

export interface BackendOptions {
  /**
   * Environment for the backend, on top of a clean one (no inherited configuration). Authentication is on, as by
   * default, with an admin key provisioned through AUTH_BOOTSTRAP_ADMIN_KEY (generated unless given here); set
   * AUTH_ENABLED=false to run without, or AUTH_BOOTSTRAP_ADMIN_KEY='' for no key (the first-start login URL).
   */
  env: Record<string, string>;
  /** Print the backend's output as it comes (for the benchmark). */
  echo?: boolean;
  /** What a start waits for: /health/ready (default), or /health/live for a spec that expects it never to be ready. */
  waitFor?: 'ready' | 'live';
}

/**
 * The real backend, built (`npm run build`) and started as its own process, exactly as `npm start` runs it.
 * Tests talk to it over MQTT, HTTP, Socket.IO and SQL only.
 */
export class BackendProcess {
  private child?: ChildProcess;
  private output: string[] = [];
  readonly port: number;

  /** The admin API key the backend was started with (undefined with AUTH_ENABLED=false). */
  readonly token: string | undefined;

  /**
   * Headers every harness request carries: the admin key, so specs that go through `request`/`getJson` act as an
   * admin. Specs that test access control pass their own `authorization` header (or an empty one) per request.
   */
  readonly defaultHeaders: Record<string, string> = {};

  private constructor(
    private readonly options: BackendOptions,
    port: number,
  ) {
    this.port = port;
    this.token = options.env.AUTH_ENABLED === 'false' ? undefined : options.env.AUTH_BOOTSTRAP_ADMIN_KEY || undefined;
    if (this.token !== undefined) this.defaultHeaders.authorization = `Bearer ${this.token}`;
  }

  static async start(options: BackendOptions): Promise<BackendProcess> {
    const port = Number(options.env.PORT ?? (await freePort()));
    const env: Record<string, string> = { ...options.env, PORT: String(port) };
    if (env.AUTH_ENABLED !== 'false' && env.AUTH_BOOTSTRAP_ADMIN_KEY === undefined) {
      env.AUTH_BOOTSTRAP_ADMIN_KEY = newApiKey();
    }
    const backend = new BackendProcess({ ...options, env }, port);
    await backend.restart();
    return backend;
  }

  /** Creates an API key with this role (as the admin) and returns the key itself. */
  async createKey(role: TestRole, options: { name?: string; units?: string[] } = {}): Promise<string> {
    const reply = await this.request<{ key: string }>('POST', '/api/v1/scada/auth/keys', {
      name: options.name ?? `test-${role}`,
      role,
      ...(options.units === undefined ? {} : { units: options.units }),
    });
    if (reply.status !== 201) throw new Error(`creating a ${role} key: ${reply.status} ${reply.text}`);
    return reply.body.key;
  }

  /** One key of each role, created once per backend. */
  async keysByRole(): Promise<Record<TestRole, string>> {
    this.roleKeys ??= (async () => ({
      viewer: await this.createKey('viewer'),
      operator: await this.createKey('operator'),
      engineer: await this.createKey('engineer'),
      admin: await this.createKey('admin'),
    }))();
    return this.roleKeys;
  }

  private roleKeys?: Promise<Record<TestRole, string>>;

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

  /** Starts the process (again) and waits until /health/ready (or /health/live, see `waitFor`) answers 200. */
  async restart(): Promise<void> {
    const env: Record<string, string> = {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '/tmp',
      NODE_ENV: 'test',
      HOST: '127.0.0.1',
      ...clockEnv(),
      SIMULATOR_SEED: TEST_SIMULATOR_SEED,
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
      if (this.options.echo || process.env.E2E_ECHO === '1') process.stdout.write(chunk);
    };
    child.stdout?.on('data', collect);
    child.stderr?.on('data', collect);
    await eventually(
      async () => {
        if (child.exitCode !== null) throw new Error(`backend exited with ${child.exitCode}:\n${this.logs}`);
        const res = await supertest(this.url).get(this.options.waitFor === 'live' ? '/health/live' : '/health/ready');
        if (res.status !== 200) throw new Error(`not ready: ${res.status} ${res.text}`);
      },
      // Generous: on a shared 2-core machine, PGlite's WebAssembly start alone has taken over a minute.
      120_000,
      200,
    ).catch((err: Error) => {
      child.kill('SIGKILL'); // a backend that never became ready must not outlive the test
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

  /** A GET with the default headers, answering the parsed JSON body (throws when it is not JSON). */
  async getJson<T = any>(path: string): Promise<T> {
    const res = await supertest(this.url).get(path).set(this.defaultHeaders);
    return JSON.parse(res.text) as T;
  }

  /**
   * One HTTP call through supertest against the running backend: a JSON body (or a raw string) in, status, parsed
   * JSON (when there is any), text and headers out. Carries the default headers; `headers` override them.
   */
  async request<T = any>(
    method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE',
    path: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ): Promise<HttpReply<T>> {
    const call = supertest(this.url)
      [method.toLowerCase() as 'get' | 'post' | 'put' | 'patch' | 'delete'](path)
      .set({
        ...this.defaultHeaders,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...headers,
      });
    const res = await (body === undefined ? call : call.send(typeof body === 'string' ? body : JSON.stringify(body)));
    const text = res.text ?? '';
    let parsed: unknown;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      parsed = undefined;
    }
    return { status: res.status, body: parsed as T, text, headers: headersOf(res) };
  }

  private async signal(signal: NodeJS.Signals): Promise<number | null> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return child?.exitCode ?? null;
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    child.kill(signal);
    return exited;
  }
}

/** A supertest response's headers as the fetch `Headers` the specs read (`reply.headers.get(name)`). */
function headersOf(res: Response): Headers {
  const headers = new Headers();
  for (const [name, value] of Object.entries(res.headers as Record<string, string | string[] | undefined>)) {
    for (const one of Array.isArray(value) ? value : value === undefined ? [] : [value]) headers.append(name, one);
  }
  return headers;
}

/** A fresh data directory for the embedded database. */
export function tempDataDir(): string {
  return mkdtempSync(join(tmpdir(), 'tc-data-'));
}
