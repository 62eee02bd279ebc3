import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setFlagsFromString } from 'node:v8';
import { Worker } from 'node:worker_threads';
import type { EmbeddedDatabaseWorkerData, WorkerMessage } from './embedded-database.worker.js';
import { PasswordGate } from './password-gate.js';

/** `pg` and psql look for `<host dir>/.s.PGSQL.<port>`; the default port keeps the URL short. */
const SOCKET_NAME = '.s.PGSQL.5432';
/** sockaddr_un holds 108 bytes on Linux, the terminating NUL included. */
const MAX_SOCKET_PATH = 107;
export const PASSWORD_FILE = 'embedded-database.password';

/**
 * Makes DATA_DIR private to this OS user (0700), creating it if needed; an existing one is tightened. A shared
 * sticky directory such as /tmp is refused rather than locked.
 */
function privateDirectory(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const mode = statSync(dir).mode;
  if (mode & 0o1000) {
    throw new Error(`DATA_DIR ${dir} is a shared directory (sticky bit set): give the backend a directory of its own`);
  }
  if ((mode & 0o777) === 0o700) return;
  try {
    chmodSync(dir, 0o700);
  } catch (err) {
    throw new Error(
      `Cannot make DATA_DIR ${dir} private (mode 0700): ${(err as Error).message}. Give the backend's user a directory it owns.`,
      { cause: err },
    );
  }
}

/** Resolves when nothing listens on the socket file (a stale one is removed); rejects when something does. */
async function claimSocket(path: string): Promise<void> {
  if (!existsSync(path)) return;
  const live = await new Promise<boolean>((done) => {
    const probe = connect(path, () => {
      probe.destroy();
      done(true);
    });
    probe.on('error', () => done(false));
  });
  if (live) {
    throw new Error(`The embedded database in ${dirOf(path)} is in use by another process (a running backend?)`);
  }
  unlinkSync(path);
}

const dirOf = (path: string): string => path.slice(0, path.length - SOCKET_NAME.length - 1);

/** The password of the TCP port: read from DATA_DIR, or generated (0600) on first use; `created` says which. */
function portPassword(dir: string): { password: string; file: string; created: boolean } {
  const file = join(dir, PASSWORD_FILE);
  if (existsSync(file)) {
    chmodSync(file, 0o600);
    const password = readFileSync(file, 'utf8').trim();
    if (password.length >= 16) return { password, file, created: false };
    throw new Error(`${file} holds no usable password (16 characters at least): delete it to have one generated`);
  }
  const password = randomBytes(24).toString('base64url');
  writeFileSync(file, password + '\n', { mode: 0o600, flag: 'wx' });
  return { password, file, created: true };
}

/**
 * A new cluster is created by a short-lived child process (embedded-initdb.main.ts), so the memory initdb takes
 * leaves with it instead of staying in the backend. Resolves once the directory holds a cluster.
 */
async function initialiseCluster(dir: string): Promise<void> {
  if (existsSync(join(dir, 'PG_VERSION'))) return;
  const script = fileURLToPath(new URL('./embedded-initdb.main.js', import.meta.url));
  const stderr: Buffer[] = [];
  const code = await new Promise<number | null>((done, fail) => {
    const child = spawn(process.execPath, [script, dir], { stdio: ['ignore', 'ignore', 'pipe'] });
    child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk));
    child.on('error', fail);
    child.on('exit', done);
  });
  if (code !== 0 || !existsSync(join(dir, 'PG_VERSION'))) {
    const output = Buffer.concat(stderr).toString('utf8').trim().slice(-2000);
    throw new Error(`creating the database cluster failed (exit ${code})${output ? `: ${output}` : ''}`);
  }
}

/** The database thread, and a promise that resolves when it has ended (for whatever reason). */
interface DatabaseThread {
  worker: Worker;
  exited: Promise<void>;
}

/**
 * The database thread's young generation, MB. Its JavaScript only relays protocol messages between the socket and
 * PGlite, so V8's default (16 MB of semi-spaces, all of it resident once a flood has filled it) bought nothing: 4 MB
 * made the backend 13 MB smaller in the embedded bench at the same rate.
 */
const WORKER_YOUNG_GENERATION_MB = 4;

/** Starts the database thread and resolves once its socket listens; rejects with its error if it cannot start. */
function startWorker(data: EmbeddedDatabaseWorkerData): Promise<DatabaseThread> {
  const worker = new Worker(new URL('./embedded-database.worker.js', import.meta.url), {
    workerData: data,
    resourceLimits: { maxYoungGenerationSizeMb: WORKER_YOUNG_GENERATION_MB },
  });
  const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
  return new Promise<DatabaseThread>((resolve, reject) => {
    let started = false;
    worker.on('message', (message: WorkerMessage) => {
      if (message.type === 'ready') {
        started = true;
        resolve({ worker, exited });
      } else if (message.type === 'failed') reject(new Error(message.message));
    });
    worker.on('error', (err) => {
      if (started) process.stderr.write(`The embedded database stopped: ${err.stack ?? err.message}\n`);
      else reject(err);
    });
    worker.on('exit', (code) => {
      if (!started) reject(new Error(`the database thread exited (${code}) before it was ready`));
    });
  });
}

/** Closes the database (its socket first) and waits for the thread to end. */
async function stopWorker(thread: DatabaseThread): Promise<void> {
  thread.worker.postMessage({ type: 'stop' });
  await thread.exited;
}

export interface EmbeddedDatabaseOptions {
  /**
   * Also accept password-checked connections on this loopback TCP port (0 picks a free one); undefined: the Unix
   * socket only, so no other local user can connect.
   */
  port?: number;
  /**
   * PostgreSQL's shared_buffers in MB. PGlite's WebAssembly memory holds them and never shrinks, so they are most of
   * its resident size; undefined: PostgreSQL's default (128 MB).
   */
  sharedBuffersMb?: number;
  /**
   * Let V8 tier PGlite's hot WebAssembly functions up to TurboFan (its default). false (the default here): Liftoff
   * only. The flag is process-wide, so it holds for all WebAssembly compiled in the process after this start.
   */
  wasmTierUp?: boolean;
}

/**
 * V8 compiles PGlite's WebAssembly with Liftoff and recompiles the functions that run often with TurboFan, on its
 * background threads, several at once. PostgreSQL's largest functions make those compiles take about 60 MB of
 * malloc'ed compiler memory while PGlite starts, and glibc keeps what they free in the threads' arenas: measured with
 * malloc_stats() on a backend at rest, 110 MB of its arenas held 3 MB in use. With Liftoff only, the backend was
 * 35-45 MB smaller at rest and 50-65 MB at the peak of the embedded bench's flood, and the flood was not slower
 * (19,101 and 21,297 readings/s at 71 and 66 us/reading against 18,750 and 17,926 at 71 and 75, runs side by side).
 * Set before the worker compiles the module, since V8 reads it when it compiles.
 */
function configureWasmTiers(tierUp: boolean): void {
  setFlagsFromString(tierUp ? '--no-liftoff-only' : '--liftoff-only');
}

/**
 * An in-process PostgreSQL (PGlite: real Postgres compiled to WebAssembly) persisted under DATA_DIR, running on a
 * thread of its own (embedded-database.worker.ts) so that its statements do not hold up the event loop, and served
 * on a Unix socket in DATA_DIR (`.s.PGSQL.5432`, mode 0600, in a 0700 directory), so the backend reaches it through the
 * same `pg` driver and SQL as a real server and no other OS user can reach it at all. PGlite's socket server checks
 * no password (everyone who connects is the superuser), which is why it never listens on TCP itself: with
 * EMBEDDED_DATABASE_PORT, a PasswordGate on loopback asks for the password kept in DATA_DIR before passing a
 * connection on to the socket.
 */
export class EmbeddedDatabase {
  private constructor(
    private readonly thread: DatabaseThread,
    /** Directory of the PGlite files. */
    readonly dataDir: string,
    /** The Unix socket. */
    readonly socketPath: string,
    private readonly gate: PasswordGate | undefined,
    /** The TCP port's password file, and the password itself only when this start generated it. */
    readonly tcp: { port: number; passwordFile: string; createdPassword?: string } | undefined,
  ) {}

  static async start(dataDir: string, options: EmbeddedDatabaseOptions = {}): Promise<EmbeddedDatabase> {
    const root = resolve(dataDir);
    privateDirectory(root);
    const socketPath = join(root, SOCKET_NAME);
    if (Buffer.byteLength(socketPath) > MAX_SOCKET_PATH) {
      throw new Error(
        `Cannot start the embedded database: its socket path ${socketPath} is longer than ${MAX_SOCKET_PATH} bytes. Use a shorter DATA_DIR.`,
      );
    }
    await claimSocket(socketPath);
    const dir = join(root, 'pglite');
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    await initialiseCluster(dir).catch((err: unknown) => {
      throw new Error(`Cannot start the embedded database in ${dir}: ${(err as Error).message}`, { cause: err });
    });
    configureWasmTiers(options.wasmTierUp ?? false);
    const thread = await startWorker({ dataDir: dir, socketPath, sharedBuffersMb: options.sharedBuffersMb }).catch(
      (err: unknown) => {
        throw new Error(`Cannot start the embedded database in ${dir}: ${(err as Error).message}`, { cause: err });
      },
    );
    let gate: PasswordGate | undefined;
    try {
      chmodSync(socketPath, 0o600);
      if (options.port === undefined) return new EmbeddedDatabase(thread, dir, socketPath, undefined, undefined);
      const secret = portPassword(root);
      gate = await PasswordGate.start('127.0.0.1', options.port, secret.password, socketPath).catch((err: unknown) => {
        const code = (err as NodeJS.ErrnoException).code;
        throw code === 'EADDRINUSE'
          ? new Error(
              `Cannot start the embedded database: port ${options.port} is already in use. Set EMBEDDED_DATABASE_PORT to a free port (0 picks one), or unset it.`,
            )
          : err;
      });
      return new EmbeddedDatabase(thread, dir, socketPath, gate, {
        port: gate.port,
        passwordFile: secret.file,
        createdPassword: secret.created ? secret.password : undefined,
      });
    } catch (err) {
      await stopWorker(thread);
      throw err instanceof Error && err.message.startsWith('Cannot start')
        ? err
        : new Error(`Cannot start the embedded database in ${dir}: ${(err as Error).message}`, { cause: err });
    }
  }

  /** How this process (and psql as the same OS user) connects: through the Unix socket, no password. */
  get url(): string {
    return `postgres://postgres@localhost/postgres?host=${encodeURIComponent(dirOf(this.socketPath))}`;
  }

  async stop(): Promise<void> {
    await this.gate?.stop();
    await stopWorker(this.thread);
  }
}
