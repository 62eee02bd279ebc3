/**
 * The ingest benchmark's worker threads (bench/ingest.bench.ts starts them with this file and a job in workerData):
 * the broker ceiling's do-nothing subscriber and the latency phase's HMI clients. Each runs apart from the
 * publisher's event loop, as a real subscriber or HMI runs apart from the devices publishing.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { Socket } from 'socket.io-client';
import { connectPublisher, connectSocket, request } from '../../test/support/clients.js';
import { now } from './bench-run.js';
import { UNIT_IDS } from './reading-flood.js';

/** The worker file, for `new Worker(INGEST_WORKER, { workerData: job })`. */
export const INGEST_WORKER = new URL('./ingest.workers.js', import.meta.url);

// ---------------------------------------------------------------------------------------------------------------
// Broker ceiling subscriber. It runs in a worker thread so that receiving does not share an event loop with
// publishing: the backend does not share one with the publisher either.

export interface CeilingJob {
  kind: 'ceiling';
  port: number;
  filter: string;
  expected: number;
}

export interface CeilingResult {
  received: number;
  lastAt: number;
}

async function ceilingSubscriber(job: CeilingJob): Promise<void> {
  const parent = parentPort!;
  // Nagle's delay would hold back this client's PUBACKs just as it holds back a publisher's messages.
  const client = await connectPublisher('127.0.0.1', job.port, {
    clientId: `bench_${process.pid}_ceiling_sub`,
    protocolVersion: 5,
    clean: true,
    properties: { receiveMaximum: 65535 },
  });
  let received = 0;
  let lastAt = 0;
  let reported = false;
  const report = (): void => {
    if (reported) return;
    reported = true;
    parent.postMessage({ received, lastAt } satisfies CeilingResult);
    void client.endAsync(true).finally(() => parent.close());
  };
  client.on('message', () => {
    lastAt = now();
    if (++received === job.expected) report();
  });
  parent.on('message', report);
  await client.subscribeAsync(job.filter, { qos: 1 });
  parent.postMessage('ready');
}

// ---------------------------------------------------------------------------------------------------------------
// Live clients. The HMIs of the latency phase run in a worker thread of their own, as HMIs run in processes of
// their own: decoding 10,000 readings/s in the publisher's event loop would delay the publisher and the arrivals
// alike, and measure the bench. Arrival times are Date.now() in the worker, publish times Date.now() in the main
// thread: one clock.

export interface ClientsJob {
  kind: 'clients';
  url: string;
  token: string | undefined;
  clients: number;
  total: number;
  /** Readings stamped before this are the throughput phase's (an hour old), not this phase's. */
  phaseStart: number;
  /** Readings of the phase that arrived, counted where the main thread can read it while it waits. */
  arrivals: SharedArrayBuffer;
}

/** Sent when publishing starts: readings stamped from `measureFrom` on are measured, earlier ones are warm-up. */
export interface ClientsStart {
  measureFrom: number;
}

export interface ClientsResult {
  arrived: number;
  warmupMax: number;
  latencies: Float64Array;
}

async function liveClients(job: ClientsJob): Promise<void> {
  const parent = parentPort!;
  const arrivals = new Int32Array(job.arrivals);
  // BENCH_LATENCY_CLIENTS HMIs, the units dealt out between them (with 100, each watches one unit): every reading
  // reaches exactly one client, and arrivals are counted over all of them.
  const sockets: Socket[] = [];
  for (let k = 0; k < job.clients; k++) {
    const socket = await connectSocket(job.url, job.token);
    sockets.push(socket);
    // One event for all of a client's units: one per unit would run into the per-connection event rate limit.
    const ack = await request<{ ok: boolean; error?: string }>(socket, 'subscribe_unit', {
      unit_ids: UNIT_IDS.filter((_, u) => u % job.clients === k),
    });
    if (!ack.ok) throw new Error(`subscribe_unit refused: ${ack.error}`);
  }
  const { phaseStart } = job;
  let measureFrom = Number.POSITIVE_INFINITY;
  const latencies = new Float64Array(job.total);
  let measured = 0;
  let arrived = 0;
  let warmupMax = 0;
  const onData = (event: { readings: { timestamp: string }[] }): void => {
    const at = Date.now();
    for (const r of event.readings) {
      const sentAt = Date.parse(r.timestamp);
      if (sentAt < phaseStart) continue;
      arrived++;
      if (sentAt < measureFrom) warmupMax = Math.max(warmupMax, at - sentAt);
      else if (measured < job.total) latencies[measured++] = at - sentAt;
    }
    Atomics.store(arrivals, 0, arrived);
  };
  for (const socket of sockets) socket.on('sensor_data', onData);
  parent.once('message', (start: ClientsStart) => {
    measureFrom = start.measureFrom;
    parent.once('message', () => {
      for (const socket of sockets) socket.disconnect();
      const result: ClientsResult = { arrived, warmupMax, latencies: latencies.slice(0, measured) };
      parent.postMessage(result, [result.latencies.buffer as ArrayBuffer]);
    });
  });
  parent.postMessage('ready');
}

if (parentPort !== null) {
  const job = workerData as CeilingJob | ClientsJob;
  if (job.kind === 'clients') void liveClients(job);
  else void ceilingSubscriber(job);
}
