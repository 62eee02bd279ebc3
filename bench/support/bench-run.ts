import { fileURLToPath } from 'node:url';
import type pg from 'pg';
import { connectDb } from '../../test/support/clients.js';

/** What every benchmark needs around its measurements: settings, the clock, row polling, cleanup, formatting. */

export function envInt(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n <= 0) throw new Error(`${name} must be a positive integer, got '${raw}'`);
  return n;
}

export const now = (): number => performance.timeOrigin + performance.now();
export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * A SQL client whose connection, if the server ends it (a forced DROP DATABASE, someone's pg_terminate_backend, a
 * backend that exits), fails the next query instead of crashing the run before it has cleaned up.
 */
export async function sqlClient(url: string): Promise<pg.Client> {
  const client = await connectDb(url);
  client.on('error', (err) => console.error(`sql client: ${err.message}`));
  return client;
}

export interface RowWait {
  /** The count: one row with an integer column `n`. Default: every stored reading. */
  sql?: string;
  /** The pause before the next count, given the last one (default 50 ms). */
  pauseMs?: (rows: number) => number;
}

export interface RowsReached {
  rows: number;
  /** When the query that saw the final count was sent: the rows were committed before its snapshot. */
  reachedAt: number;
  /** The counts it took, and their total time: what the measuring cost the database. */
  queries: number;
  queryMs: number;
}

/** Polls the row count until it reaches `target` or `timeoutMs` passes. */
export async function waitForRows(
  db: pg.Client,
  target: number,
  timeoutMs: number,
  options: RowWait = {},
): Promise<RowsReached> {
  const sql = options.sql ?? 'SELECT count(*)::int AS n FROM sensor_readings';
  const deadline = now() + timeoutMs;
  let rows = -1;
  let reachedAt = 0;
  let queries = 0;
  let queryMs = 0;
  for (;;) {
    const sentAt = now();
    const { rows: result } = await db.query<{ n: number }>(sql);
    queries++;
    queryMs += now() - sentAt;
    if (result[0].n !== rows) {
      rows = result[0].n;
      reachedAt = sentAt;
    }
    if (rows >= target || now() > deadline) return { rows, reachedAt, queries, queryMs };
    await sleep(options.pauseMs?.(rows) ?? 50);
  }
}

export function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer in ${ms / 1000} s`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** Stops what was started, newest first; one failing stop does not keep the others running. */
export class Cleanup {
  private readonly steps: { name: string; run: () => Promise<unknown> }[] = [];
  private done?: Promise<void>;

  add(name: string, run: () => Promise<unknown>): void {
    this.steps.unshift({ name, run });
  }

  run(): Promise<void> {
    this.done ??= (async () => {
      for (const step of this.steps) {
        try {
          await withTimeout(step.run(), 15_000);
        } catch (err) {
          console.error(`cleanup: ${step.name} failed: ${err instanceof Error ? err.message : String(err)}`);
        }
      }
    })();
    return this.done;
  }
}

/**
 * A fresh database `id` on the server of `adminUrl`, dropped (forcibly) by the cleanup; answers its URL and the
 * server's version.
 */
export async function benchDatabase(
  cleanup: Cleanup,
  adminUrl: string,
  id: string,
): Promise<{ url: string; pgVersion: string }> {
  const admin = await sqlClient(adminUrl);
  const pgVersion = (await admin.query<{ v: string }>("SELECT current_setting('server_version') AS v")).rows[0].v;
  await admin.query(`CREATE DATABASE ${id}`);
  await admin.end();
  cleanup.add('database', async () => {
    const client = await sqlClient(adminUrl);
    try {
      await client.query(`DROP DATABASE IF EXISTS ${id} WITH (FORCE)`);
    } finally {
      await client.end();
    }
  });
  const url = new URL(adminUrl);
  url.pathname = `/${id}`;
  return { url: url.toString(), pgVersion };
}

/**
 * The environment of a backend a benchmark starts against its own external broker and database: production mode,
 * the benchmark's topic prefix and client id, warnings only.
 */
export function externalBackendEnv(id: string, brokerPort: number, databaseUrl: string): Record<string, string> {
  return {
    NODE_ENV: 'production',
    DATABASE_URL: databaseUrl,
    MQTT_BROKER_HOST: '127.0.0.1',
    MQTT_BROKER_PORT: String(brokerPort),
    MQTT_TOPIC_PREFIX: id,
    MQTT_CLIENT_ID: `${id}_backend`,
    LOG_LEVEL: 'warn',
  };
}

/** Nearest-rank percentile of sorted values. */
export function percentile(sorted: ArrayLike<number>, p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.max(0, Math.ceil(p * sorted.length) - 1)];
}

export const fmt = (n: number, digits = 0): string =>
  Number.isFinite(n) ? n.toLocaleString('en-US', { maximumFractionDigits: digits }) : 'n/a';
export const mark = (ok: boolean): string => (ok ? 'ok' : 'MISSED');
export const round = (n: number, digits = 0): number | null =>
  Number.isFinite(n) ? Math.round(n * 10 ** digits) / 10 ** digits : null;

/** Points BackendProcess at the backend built next to the bench: dist-x/bench/x.bench.js runs dist-x/src/main.js. */
export function useBackendBuiltWith(benchUrl: string): void {
  process.env.BACKEND_MAIN ??= fileURLToPath(new URL('../src/main.js', benchUrl));
}

/**
 * Runs a benchmark with a cleanup list and a hard time budget: past the budget (or on Ctrl-C) what was started is
 * stopped and the process exits 2 (130). Resolves with the benchmark's exit code once everything is cleaned up.
 */
export async function withBudget(budgetMs: number, bench: (cleanup: Cleanup) => Promise<number>): Promise<number> {
  const cleanup = new Cleanup();
  const watchdog = setTimeout(() => {
    console.error(`bench: still running after ${budgetMs / 1000} s, giving up`);
    void cleanup.run().finally(() => process.exit(2));
  }, budgetMs);
  process.once('SIGINT', () => void cleanup.run().finally(() => process.exit(130)));
  try {
    return await bench(cleanup);
  } finally {
    await cleanup.run();
    clearTimeout(watchdog);
  }
}

/** Exits with the benchmark's code, or 1 with its error. */
export function exitWhenDone(run: Promise<number>): void {
  run.then(
    (code) => process.exit(code),
    (err: unknown) => {
      console.error(`bench failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
      process.exit(1);
    },
  );
}
