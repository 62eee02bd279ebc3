import { readdirSync, readFileSync, readlinkSync, rmSync, statSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import pg from 'pg';
import { BackendProcess, tempDataDir } from '../support/backend.js';
import { freePort } from '../support/ports.js';
import { embeddedSocketUrl } from '../support/target.js';

/** The TCP ports a process listens on: its socket inodes matched against the LISTEN rows of /proc/net/tcp{,6}. */
function listeningPorts(pid: number): number[] {
  const inodes = new Set<string>();
  for (const fd of readdirSync(`/proc/${pid}/fd`)) {
    try {
      const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
      if (m) inodes.add(m[1]);
    } catch {
      // the fd closed while we looked
    }
  }
  const ports = new Set<number>();
  for (const table of ['tcp', 'tcp6']) {
    for (const line of readFileSync(`/proc/${pid}/net/${table}`, 'utf8').split('\n').slice(1)) {
      const cols = line.trim().split(/\s+/);
      if (cols.length < 10 || cols[3] !== '0A' || !inodes.has(cols[9])) continue;
      ports.add(parseInt(cols[1].split(':')[1], 16));
    }
  }
  return [...ports].sort((a, b) => a - b);
}

/** Connects, runs one query, disconnects; the error (code and message) when the server refuses. */
async function tryQuery(
  config: pg.ClientConfig,
): Promise<{ ok: true } | { ok: false; code?: string; message: string }> {
  const client = new pg.Client({ ...config, connectionTimeoutMillis: 10_000 });
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.query('SELECT count(*) FROM units');
    return { ok: true };
  } catch (err) {
    return { ok: false, code: (err as { code?: string }).code, message: (err as Error).message };
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** Sends a StartupMessage and at once a simple Query; the types of the messages the server answers with. */
async function rawStartupThenQuery(port: number): Promise<string[]> {
  const params = Buffer.from('user\0postgres\0database\0postgres\0\0');
  const startup = Buffer.alloc(8);
  startup.writeInt32BE(8 + params.length, 0);
  startup.writeInt32BE(196608, 4);
  const sql = Buffer.from('SELECT 1\0');
  const query = Buffer.alloc(5);
  query.write('Q', 0);
  query.writeInt32BE(4 + sql.length, 1);
  const socket = connect(port, '127.0.0.1');
  socket.write(Buffer.concat([startup, params, query, sql]));
  const chunks: Buffer[] = [];
  socket.on('data', (c: Buffer) => chunks.push(c));
  await new Promise<void>((resolve) => socket.on('close', () => resolve()).on('error', () => resolve()));
  const reply = Buffer.concat(chunks);
  const types: string[] = [];
  for (let at = 0; at + 5 <= reply.length; at += 1 + reply.readInt32BE(at + 1))
    types.push(String.fromCharCode(reply[at]));
  return types;
}

const mode = (path: string): string => (statSync(path).mode & 0o777).toString(8);

/**
 * The embedded PostgreSQL answers as superuser without asking for a password, so it must be out of reach of every
 * other local user: by default only a 0600 Unix socket in a 0700 DATA_DIR and no TCP listener; with
 * EMBEDDED_DATABASE_PORT, a loopback port that refuses any connection without the password kept in DATA_DIR.
 */
describe('embedded database lockdown', () => {
  let dataDir: string;
  let backend: BackendProcess | undefined;

  beforeAll(() => {
    dataDir = tempDataDir();
  });

  afterAll(async () => {
    await backend?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const start = async (extra: Record<string, string> = {}): Promise<BackendProcess> =>
    BackendProcess.start({
      env: {
        DATA_DIR: dataDir,
        MQTT_BROKER_PORT: String(await freePort()),
        SIMULATOR_AUTOSTART: 'false',
        AUTH_ENABLED: 'false',
        ...extra,
      },
    });

  it('by default listens on no TCP port but HTTP and MQTT, on a 0600 socket in a 0700 directory', async () => {
    backend = await start();
    const brokerPort = Number(/mqtt:\/\/127\.0\.0\.1:(\d+)/.exec(backend.logs)?.[1]);
    expect(listeningPorts(backend.pid!)).toEqual([backend.port, brokerPort].sort((a, b) => a - b));
    expect(mode(dataDir)).toBe('700');
    expect(mode(join(dataDir, '.s.PGSQL.5432'))).toBe('600');
    expect(statSync(join(dataDir, '.s.PGSQL.5432')).isSocket()).toBe(true);
    // This OS user (the test runs as the backend's) gets in through the socket, as the CLIs do.
    expect(await tryQuery({ connectionString: embeddedSocketUrl(dataDir) })).toEqual({ ok: true });
    // The cluster was created (by a child process: its initdb memory left with it) and runs with the small
    // shared_buffers that keep PGlite's never-shrinking WebAssembly memory down, and without zero-filled WAL
    // segments (their 1 MB gather buffers grew the database thread's malloc arena).
    const client = new pg.Client({ connectionString: embeddedSocketUrl(dataDir) });
    await client.connect();
    try {
      const { rows } = await client.query<{ shared_buffers: string }>('SHOW shared_buffers');
      expect(rows[0].shared_buffers).toBe('24MB');
      const zeroed = await client.query<{ wal_init_zero: string }>('SHOW wal_init_zero');
      expect(zeroed.rows[0].wal_init_zero).toBe('off');
    } finally {
      await client.end();
    }
    await backend.stop();
    backend = undefined;
  }, 180_000);

  it('with EMBEDDED_DATABASE_PORT refuses a client without the password or with a wrong one', async () => {
    const port = await freePort();
    backend = await start({ EMBEDDED_DATABASE_PORT: String(port) });
    const passwordFile = join(dataDir, 'embedded-database.password');
    const password = readFileSync(passwordFile, 'utf8').trim();
    expect(mode(passwordFile)).toBe('600');
    expect(password.length).toBeGreaterThanOrEqual(16);
    expect(backend.logs.split(password).length - 1).toBe(1); // printed once, when generated
    expect(listeningPorts(backend.pid!)).toContain(port);

    const tcp = { host: '127.0.0.1', port, user: 'postgres', database: 'postgres' };
    for (const attempt of [
      tcp,
      { ...tcp, password: '' },
      { ...tcp, password: 'wrong' },
      { ...tcp, password: password + 'x' },
    ]) {
      expect(await tryQuery(attempt)).toMatchObject({ ok: false, code: '28P01' });
    }
    // A raw client that skips the password exchange and sends a query gets the request for one, then an error.
    expect(await rawStartupThenQuery(port)).toEqual(['R', 'E']);
    expect(await tryQuery({ ...tcp, password })).toEqual({ ok: true });
    await backend.stop();

    // A restart keeps the password (and prints it no more).
    backend = await start({ EMBEDDED_DATABASE_PORT: String(port) });
    expect(backend.logs).not.toContain(password);
    expect(readFileSync(passwordFile, 'utf8').trim()).toBe(password);
    expect(await tryQuery({ ...tcp, password })).toEqual({ ok: true });
    expect(await tryQuery({ ...tcp, password: 'wrong' })).toMatchObject({ ok: false, code: '28P01' });
  }, 300_000); // two PGlite starts
});
