import type { AlarmAction, AlarmState } from '../../alerts/alarm-lifecycle.js';
import type { AlertSeverity } from '../../alerts/alert-rule.js';

/** Quality of a reading, in OPC UA's three families. */
export type Quality = 'GOOD' | 'UNCERTAIN' | 'BAD';
export const QUALITIES: readonly Quality[] = ['GOOD', 'UNCERTAIN', 'BAD'];

/** Where a reading entered the system. */
export type ReadingSource = 'mqtt' | 'opcua';

/** A reading as a source module saw it: parsed from the protocol, not yet validated or normalised. */
export interface RawReading {
  unitId: string;
  sensorType: string;
  value: number;
  /** As sent: a quality name in any case, a numeric OPC UA status code, or absent (GOOD). */
  quality?: string | number;
  /** As sent: ISO 8601 text, epoch seconds or milliseconds, or absent (arrival time is used). */
  timestamp?: string | number;
  /** Arrival time in epoch milliseconds with sub-millisecond fraction. */
  receivedAt: number;
  source: ReadingSource;
}

/** A validated reading with its final value, quality and time. */
export interface ProcessedReading {
  unitId: string;
  sensorType: string;
  value: number;
  quality: Quality;
  /** Epoch milliseconds; the fraction carries microseconds. */
  time: number;
  source: ReadingSource;
}

/**
 * Settles what a source holds back for a batch (MQTT PUBACKs). Called once, after the batch's readings are
 * committed or deliberately rejected; never called if they were not, so the broker redelivers them.
 */
export interface BatchAck {
  settle(): void;
}

/** Readings travel in batches: one event carries many readings. */
export interface ReadingBatch<R> {
  readings: R[];
  /** Present when the source waits for the commit before acknowledging (QoS 1). */
  ack?: BatchAck;
}

export interface ConnectionChange {
  connected: boolean;
  /** Human-readable reason for the latest failure, never containing credentials. */
  error?: string;
}

/**
 * One alarm transition, exactly as every Socket.IO client receives it in `system_alert`. Times are ISO 8601 UTC.
 * Transitions are rare (one per alarm state change, never one per reading), so each travels on its own.
 */
export interface SystemAlert {
  /** The alarm: one per (rule, sensor) until it is back to normal and acknowledged. */
  id: string;
  rule_id: string;
  unit_id: string;
  sensor_type: string;
  severity: AlertSeverity;
  /** The state after the transition. */
  state: AlarmState;
  /** What happened: raise, clear, acknowledge, shelve, unshelve, disable (shelving keeps the state). */
  action: AlarmAction;
  /** Rendered from the rule's template when the alarm was (last) raised. */
  message: string;
  /** The value reported with the latest raise or clear (the rate for rate_of_change, seconds for no_data). */
  value: number | null;
  threshold: number | null;
  raised_at: string;
  acknowledged_at: string | null;
  cleared_at: string | null;
  /** While set and in the future, the alarm is shelved: tracked, but HMIs should not annunciate it. */
  shelved_until: string | null;
}

/** Every event on the bus and its payload type: a misspelt name or a wrong payload fails to compile. */
export interface EventMap {
  'readings.received': ReadingBatch<RawReading>;
  'readings.processed': ReadingBatch<ProcessedReading>;
  'mqtt.connection_changed': ConnectionChange;
  'alarm.transitioned': SystemAlert;
}

export type EventName = keyof EventMap;
