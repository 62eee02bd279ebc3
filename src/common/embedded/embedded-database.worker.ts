/**
 * The embedded PostgreSQL's own thread (started by EmbeddedDatabase): PGlite and its socket server on the Unix
 * socket named in workerData. PGlite runs every statement synchronously in WebAssembly; on the backend's main
 * thread that time was taken from MQTT intake, the normaliser and Socket.IO, so under a flood the database and the
 * rest of the backend took turns on one core. Here they run side by side, and the backend still reaches the
 * database through the `pg` driver and the socket, as it reaches a real server.
 *
 * Messages to the parent: `{ type: 'ready' }` once the socket listens, `{ type: 'failed', message }` if the start
 * failed; from the parent: `{ type: 'stop' }`, answered by `{ type: 'stopped' }` once the database is closed (the
 * thread then ends on its own).
 */
import { parentPort, workerData } from 'node:worker_threads';
import { PGlite } from '@electric-sql/pglite';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';

/** What EmbeddedDatabase passes to the thread. */
export interface EmbeddedDatabaseWorkerData {
  /** PGlite's data directory. */
  dataDir: string;
  socketPath: string;
  /** shared_buffers in MB; undefined: PostgreSQL's default. */
  sharedBuffersMb: number | undefined;
}

export type WorkerMessage = { type: 'ready' } | { type: 'failed'; message: string } | { type: 'stopped' };

const port = parentPort;
if (port === null) throw new Error('embedded-database.worker runs as a worker thread of EmbeddedDatabase');
const data = workerData as EmbeddedDatabaseWorkerData;
const send = (message: WorkerMessage): void => port.postMessage(message);

let db: PGlite | undefined;
let server: PGLiteSocketServer | undefined;

/**
 * PostgreSQL fills every new 16 MB WAL segment with zeros before using it (wal_init_zero). In PGlite that write goes
 * through Emscripten's pwritev, which gathers its buffers into a new 1 MB Uint8Array per call: 32 MB of short-lived
 * ArrayBuffers in this thread during the embedded bench's 100,000-reading flood, which grew its malloc arena by some
 * 20 MB before V8 collected them (peak 314-317 MB against 303-305 without, and 60-67 against 65-76 us/reading).
 * Zero-filling is a file-system allocation hint, not a safety measure: every WAL record carries its own CRC, and
 * PostgreSQL documents the setting for file systems where it does not help.
 */
const FIXED_SETTINGS = ['-c', 'wal_init_zero=off'];

async function start(): Promise<void> {
  const startParams = [
    ...PGlite.defaultStartParams,
    ...FIXED_SETTINGS,
    ...(data.sharedBuffersMb === undefined ? [] : ['-c', `shared_buffers=${data.sharedBuffersMb}MB`]),
  ];
  db = await PGlite.create({ dataDir: data.dataDir, startParams });
  // PGlite runs one statement at a time; a few connections let psql look in while the backend writes.
  server = new PGLiteSocketServer({ db, path: data.socketPath, maxConnections: 4 });
  await server.start();
}

async function stop(): Promise<void> {
  await server?.stop();
  if (db !== undefined && !db.closed) await db.close();
}

port.on('message', (message: { type: string }) => {
  if (message.type !== 'stop') return;
  void stop()
    .catch((err: unknown) => process.stderr.write(`embedded database: closing failed: ${(err as Error).message}\n`))
    .finally(() => {
      send({ type: 'stopped' });
      port.close();
    });
});

start().then(
  () => send({ type: 'ready' }),
  (err: unknown) => {
    void stop()
      .catch(() => undefined)
      .finally(() => {
        send({ type: 'failed', message: err instanceof Error ? err.message : String(err) });
        port.close();
      });
  },
);
