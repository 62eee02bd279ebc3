import type { MqttClient } from 'mqtt';
import type pg from 'pg';
import { type RowWait, waitForRows } from './bench-run.js';
import { cpuShare, cpuSnapshot, type CpuShare, type RunProcesses } from './process-watch.js';
import { historicPayloads, publishAll, SENSORS, topicsFor } from './reading-flood.js';

export interface ThroughputOptions {
  prefix: string;
  readings: number;
  inflight: number;
  storeTimeoutMs: number;
  ours: RunProcesses;
  /** How the stored readings are counted (which rows, how often). */
  count?: RowWait;
}

export interface ThroughputResult {
  rows: number;
  lost: number;
  /** First publish to the last row committed. */
  seconds: number;
  storedPerS: number;
  publishPerS: number;
  publishErrors: number;
  cpu: CpuShare;
  backendUsPerReading: number;
  /** The counts taken while the clock ran, and their total time. */
  counts: { queries: number; ms: number };
}

/**
 * The sustained-throughput phase: a warm-up reading per sensor, then `readings` QoS 1 readings as fast as the broker
 * takes them, timed from the first publish to the last row committed. `db` sees only committed rows.
 */
export async function measureThroughput(
  publisher: MqttClient,
  db: pg.Client,
  options: ThroughputOptions,
): Promise<ThroughputResult> {
  const { readings, inflight } = options;
  const topics = topicsFor(options.prefix);
  // Far enough back that no timed reading can share a timestamp with a later phase's live readings.
  const start = Date.now() - readings - 600_000;

  // Warm-up: every sensor registered and the JIT warm before the clock runs.
  await publishAll(publisher, topics, historicPayloads(SENSORS, start - SENSORS - 1000), inflight);
  const warm = await waitForRows(db, SENSORS, 30_000, { sql: options.count?.sql });
  if (warm.rows < SENSORS) throw new Error(`warm-up: only ${warm.rows} of ${SENSORS} readings stored in 30 s`);

  const payloads = historicPayloads(readings, start);
  const cpu = cpuSnapshot();
  const published = await publishAll(publisher, topics, payloads, inflight);
  const stored = await waitForRows(db, SENSORS + readings, options.storeTimeoutMs, options.count);
  const share = cpuShare(cpu, options.ours);
  const rows = stored.rows - SENSORS;
  const seconds = (stored.reachedAt - published.firstAt) / 1000;
  return {
    rows,
    lost: readings - rows,
    seconds,
    storedPerS: rows / seconds,
    publishPerS: readings / ((published.ackedAt - published.firstAt) / 1000),
    publishErrors: published.errors,
    cpu: share,
    backendUsPerReading: (share.backendSeconds * 1e6) / Math.max(rows, 1),
    counts: { queries: stored.queries, ms: stored.queryMs },
  };
}
