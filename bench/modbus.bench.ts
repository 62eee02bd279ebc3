/**
 * Modbus TCP polling benchmark (#19): BENCH_MODBUS_DEVICES devices (100) of BENCH_MODBUS_REGISTERS holding
 * registers each (50) polled every second for BENCH_MODBUS_SECONDS (30), against Modbus TCP servers from a library
 * the project did not write (jsmodbus) in this process, on free 127.0.0.1 ports: BENCH_MODBUS_SERVERS (10) servers,
 * each answering a tenth of the devices, every device a configuration of its own with its own connection (created
 * over REST like an engineer's). The register values change every second, so every poll stores new values. The
 * backend is the built one as its own process, on the local PostgreSQL (BENCH_PG_URL; a bench_<pid> database is
 * created there and dropped at the end) and its embedded broker (nothing is published over MQTT here).
 *
 * Prints polls done / expected, late polls, failed polls, poll duration p50/p99 (from the devices' status: the
 * median of their p50s and the worst p99), readings stored per second, the backend's CPU and resident memory;
 * then one JSON line. Exit 1 when a poll was late or failed or polls are missing, 2 past the time budget.
 *
 *   npm run bench:modbus                            (builds into dist/)
 */
import { createServer, type Server, type Socket } from 'node:net';
import Modbus from 'jsmodbus';
import { BackendProcess, tempDataDir } from '../test/support/backend.js';
import { freePort } from '../test/support/ports.js';
import { rmSync } from 'node:fs';
import {
  benchDatabase,
  envInt,
  exitWhenDone,
  fmt,
  mark,
  now,
  round,
  sleep,
  sqlClient,
  useBackendBuiltWith,
  withBudget,
} from './support/bench-run.js';
import { cpuShare, cpuSnapshot, RssWatch } from './support/process-watch.js';

const DEVICES = envInt('BENCH_MODBUS_DEVICES', 100);
const REGISTERS = envInt('BENCH_MODBUS_REGISTERS', 50);
const SECONDS = envInt('BENCH_MODBUS_SECONDS', 30);
const SERVERS = envInt('BENCH_MODBUS_SERVERS', 10);
const INTERVAL_MS = 1000;
const PG_ADMIN_URL = process.env.BENCH_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const RUN_BUDGET_MS = (SECONDS + 150) * 1000;

interface DeviceStatus {
  connected: boolean;
  polls: number;
  failed_polls: number;
  late_polls: number;
  poll_ms_p50?: number;
  poll_ms_p99?: number;
}

/** One jsmodbus TCP server whose holding registers all move by one every second. */
class BenchServer {
  readonly holding = Buffer.alloc(REGISTERS * 2);
  private readonly sockets = new Set<Socket>();
  private net?: Server;

  constructor(readonly port: number) {}

  async start(): Promise<void> {
    const net = createServer();
    net.on('connection', (socket) => {
      socket.setNoDelay(true);
      socket.on('error', () => undefined);
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
    new Modbus.server.TCP(net, { holding: this.holding });
    await new Promise<void>((resolve, reject) => {
      net.once('error', reject);
      net.listen(this.port, '127.0.0.1', () => resolve());
    });
    this.net = net;
  }

  step(k: number): void {
    for (let i = 0; i < REGISTERS; i++) this.holding.writeUInt16BE((k + i) & 0xffff, i * 2);
  }

  async stop(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    const net = this.net;
    if (net) await new Promise<void>((resolve) => net.close(() => resolve()));
  }
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted.length === 0 ? Number.NaN : sorted[Math.floor((sorted.length - 1) / 2)];
}

async function main(): Promise<number> {
  useBackendBuiltWith(import.meta.url);
  const id = `bench_${process.pid}`;
  return withBudget(RUN_BUDGET_MS, async (cleanup) => {
    const servers: BenchServer[] = [];
    for (let s = 0; s < SERVERS; s++) {
      const server = new BenchServer(await freePort());
      await server.start();
      servers.push(server);
      cleanup.add(`modbus server ${s}`, () => server.stop());
    }
    let k = 0;
    const stepper = setInterval(() => servers.forEach((s) => s.step(++k)), INTERVAL_MS);
    cleanup.add('stepper', () => Promise.resolve(clearInterval(stepper)));

    const { url: databaseUrl, pgVersion } = await benchDatabase(cleanup, PG_ADMIN_URL, id);
    const dataDir = tempDataDir();
    cleanup.add('data dir', () => Promise.resolve(rmSync(dataDir, { recursive: true, force: true })));
    const backend = await BackendProcess.start({
      env: {
        NODE_ENV: 'production',
        LOG_LEVEL: 'warn',
        DATABASE_URL: databaseUrl,
        DATA_DIR: dataDir,
        MQTT_BROKER_PORT: '0',
        MQTT_TOPIC_PREFIX: id,
        SIMULATOR_AUTOSTART: 'false',
        MODBUS_ALLOWED_HOSTS: '127.0.0.1',
        HTTP_RATE_LIMIT_PER_MINUTE: '1000000',
      },
    });
    cleanup.add('backend', () => backend.stop());
    const db = await sqlClient(databaseUrl);
    cleanup.add('sql client', () => db.end());

    const ids: string[] = [];
    for (let d = 0; d < DEVICES; d++) {
      const unitId = `MB${String(d + 1).padStart(3, '0')}`;
      const reply = await backend.request<{ id: string }>('POST', '/api/v1/scada/modbus/devices', {
        name: `bench-${unitId}`,
        host: '127.0.0.1',
        port: servers[d % SERVERS].port,
        modbus_unit_id: 1 + Math.floor(d / SERVERS),
        poll_interval_ms: INTERVAL_MS,
        timeout_ms: 500,
        points: Array.from({ length: REGISTERS }, (_, i) => ({
          area: 'holding',
          address: i,
          data_type: 'uint16',
          unit_id: unitId,
          sensor_type: `r${i}`,
        })),
      });
      if (reply.status !== 201) throw new Error(`device refused: ${reply.status} ${JSON.stringify(reply.body)}`);
      ids.push(reply.body.id);
    }
    const statuses = async (): Promise<DeviceStatus[]> => {
      const reply = await backend.request<{ devices: { status: DeviceStatus }[] }>(
        'GET',
        '/api/v1/scada/modbus/devices',
      );
      return reply.body.devices.map((d) => d.status);
    };
    // Warm-up: every device connected and polled a few times (its sensors registered, its first batches stored).
    const warmDeadline = now() + 60_000;
    for (;;) {
      const all = await statuses();
      if (all.length === DEVICES && all.every((s) => s.connected && s.polls >= 3)) break;
      if (now() > warmDeadline) throw new Error('devices not all polling after 60 s');
      await sleep(250);
    }

    console.log(
      `ThermaCore Modbus polling: ${DEVICES} devices x ${REGISTERS} holding registers every ${INTERVAL_MS} ms for ` +
        `${SECONDS} s, ${SERVERS} jsmodbus servers on 127.0.0.1, PostgreSQL ${pgVersion}, Node ${process.version}`,
    );
    const count = async (): Promise<number> =>
      (await db.query<{ n: number }>('SELECT count(*)::int AS n FROM sensor_readings')).rows[0].n;
    const rss = new RssWatch(backend.pid!);
    const before = await statuses();
    const rowsBefore = await count();
    const cpuFrom = cpuSnapshot();
    const startedAt = now();
    await sleep(SECONDS * 1000);
    const after = await statuses();
    const cpu = cpuShare(cpuFrom, { backendPid: backend.pid, database: id });
    const elapsedS = (now() - startedAt) / 1000;
    // Rows of the polls in the window land within a batch window of its end.
    await sleep(500);
    const rowsAfter = await count();
    rss.stop();

    const sum = (pick: (s: DeviceStatus) => number): number =>
      after.reduce((total, s, i) => total + pick(s) - pick(before[i]), 0);
    const polls = sum((s) => s.polls);
    const late = sum((s) => s.late_polls);
    const failed = sum((s) => s.failed_polls);
    const expected = Math.floor((DEVICES * elapsedS * 1000) / INTERVAL_MS);
    const p50 = median(after.map((s) => s.poll_ms_p50 ?? Number.NaN));
    const p99 = Math.max(...after.map((s) => s.poll_ms_p99 ?? Number.NaN));
    const storedPerS = (rowsAfter - rowsBefore) / elapsedS;
    const pollsOk = polls >= expected - DEVICES;
    const ok = pollsOk && late === 0 && failed === 0;

    console.log(`  polls done / expected              ${fmt(polls)} / ${fmt(expected)}  ${mark(pollsOk)}`);
    console.log(`  late polls                         ${fmt(late)}  ${mark(late === 0)}`);
    console.log(`  failed polls                       ${fmt(failed)}  ${mark(failed === 0)}`);
    console.log(`  poll duration p50 / p99            ${fmt(p50, 2)} / ${fmt(p99, 2)} ms  (median p50, worst p99)`);
    console.log(
      `  readings stored/s                  ${fmt(storedPerS)}  (of ${fmt((DEVICES * REGISTERS * 1000) / INTERVAL_MS)} polled/s)`,
    );
    console.log(
      `  backend CPU                        ${fmt(cpu.backend * 100)} % of a core  (bench incl. servers ${fmt(cpu.bench * 100)} %, ` +
        `postgres ${fmt(cpu.postgres * 100)} %, other ${fmt(cpu.other * 100)} %, ${cpu.cores} cores)`,
    );
    console.log(
      `  backend RSS                        ${fmt(rss.currentKb() / 1024)} MB now, peak ${fmt(rss.peakKb / 1024)} MB`,
    );
    console.log(
      JSON.stringify({
        bench: 'modbus',
        devices: DEVICES,
        registers: REGISTERS,
        seconds: round(elapsedS, 1),
        polls,
        expected_polls: expected,
        late_polls: late,
        failed_polls: failed,
        poll_ms: { p50: round(p50, 2), p99: round(p99, 2) },
        readings_stored_per_s: round(storedPerS),
        backend_cpu_cores: round(cpu.backend, 3),
        backend_rss_mb: { peak: round(rss.peakKb / 1024) },
      }),
    );
    return ok ? 0 : 1;
  });
}

exitWhenDone(main());
