import type { MqttClient } from 'mqtt';
import { now } from './bench-run.js';

/**
 * The load the throughput benchmarks publish: UNITS units x SENSOR_TYPES, one reading per message, QoS 1, with a
 * bounded number of publishes awaiting their PUBACK. The ingest and embedded benches send the same flood so that
 * their figures compare.
 */
export const UNITS = 100;
export const SENSOR_TYPES = ['temperature', 'pressure', 'flow_rate', 'vibration'] as const;
export const SENSORS = UNITS * SENSOR_TYPES.length;

/** U001 ... U100: short ids that none of the simulator's units (UNIT001 ...) can be mistaken for. */
export function unitId(i: number): string {
  return `U${String(i + 1).padStart(3, '0')}`;
}

export const UNIT_IDS: readonly string[] = Array.from({ length: UNITS }, (_, u) => unitId(u));

export function topicsFor(prefix: string): string[] {
  return Array.from(
    { length: SENSORS },
    (_, i) => `${prefix}/${unitId(i % UNITS)}/${SENSOR_TYPES[Math.floor(i / UNITS)]}`,
  );
}

/** Consecutive readings go to different units, as many gateways publishing at once would send them. */
export const sensorOf = (i: number): number => i % SENSORS;

export function payload(value: number, timeMs: number): string {
  return `{"value":${value},"quality":"GOOD","timestamp":"${new Date(timeMs).toISOString()}"}`;
}

/**
 * The values the floods carry (BENCH_FLOOD_VALUES). `quiet`, the default: 20–79.9, inside the seeded alarm rules'
 * limits but pressure's (> 9), which each pressure sensor raises once and keeps, as a running plant's traffic does.
 * `storm`: 20–119.9, the floods' values until 2026-12-03, which take every temperature sensor across its 85 limit
 * about every other reading: an alarm flood of some 20,000 transitions per 100,000 readings, which measures the
 * alarm write path as much as ingest.
 */
export const FLOOD_VALUES = floodValues(process.env.BENCH_FLOOD_VALUES);

function floodValues(text: string | undefined): 'quiet' | 'storm' {
  if (text === undefined || text === '' || text === 'quiet') return 'quiet';
  if (text === 'storm') return 'storm';
  throw new Error(`BENCH_FLOOD_VALUES: '${text}' is not quiet or storm`);
}

/** Tenths of a unit the values run over above 20 (see FLOOD_VALUES). */
const VALUE_STEPS = FLOOD_VALUES === 'storm' ? 1000 : 600;

/** Readings with distinct, past timestamps (distinct per sensor, so a redelivery hits the same row). */
export function historicPayloads(count: number, startMs: number): string[] {
  const payloads = new Array<string>(count);
  for (let i = 0; i < count; i++) payloads[i] = payload(20 + (i % VALUE_STEPS) / 10, startMs + i);
  return payloads;
}

export interface PublishResult {
  firstAt: number;
  /** When the broker had acknowledged the last one. */
  ackedAt: number;
  errors: number;
}

/**
 * Publishes every message (message i on `topics[topicOf(i)]`) at QoS 1 with up to `inflight` unacknowledged: as
 * fast as the broker takes them, without one round trip per message and without piling the whole run into the
 * socket buffer.
 */
export function publishAll(
  client: MqttClient,
  topics: string[],
  payloads: string[],
  inflight: number,
  topicOf: (i: number) => number = sensorOf,
): Promise<PublishResult> {
  return publishWindow(payloads.length, inflight, (i, onAck) =>
    client.publish(topics[topicOf(i)], payloads[i], { qos: 1 }, onAck),
  );
}

/**
 * Sends messages 0 … count − 1 in order with up to `inflight` awaiting their acknowledgement; `send` publishes
 * message i and calls `onAck` when the broker acknowledged it (the window of publishAll, for any clients).
 */
export function publishWindow(
  count: number,
  inflight: number,
  send: (i: number, onAck: (err?: Error) => void) => void,
): Promise<PublishResult> {
  return new Promise((resolve) => {
    let sent = 0;
    let acked = 0;
    let errors = 0;
    const firstAt = now();
    const onAck = (err?: Error): void => {
      if (err) errors++;
      if (++acked === count) resolve({ firstAt, ackedAt: now(), errors });
      else pump();
    };
    const pump = (): void => {
      while (sent < count && sent - acked < inflight) send(sent++, onAck);
    };
    if (count === 0) resolve({ firstAt, ackedAt: firstAt, errors });
    else pump();
  });
}
