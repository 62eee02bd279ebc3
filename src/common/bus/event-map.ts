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
  /** Digital and enum points: the name of the value's state (`running`); undefined for analog or an unnamed value. */
  state?: string;
}

/** What a unit announces on `{prefix}/{unit_id}/status`. */
export type UnitStatus = 'online' | 'offline' | 'maintenance';
export const UNIT_STATUSES: readonly UnitStatus[] = ['online', 'offline', 'maintenance'];

/** A unit status message as a source saw it: the status word is known, the timestamp not yet checked. */
export interface RawUnitStatus {
  unitId: string;
  status: UnitStatus;
  /** As sent: ISO 8601 text, epoch seconds or milliseconds, or absent (arrival time is used). */
  timestamp?: string | number;
  /** Arrival time in epoch milliseconds with sub-millisecond fraction. */
  receivedAt: number;
  source: ReadingSource;
}

/** A validated unit status with its final time. */
export interface ProcessedUnitStatus {
  unitId: string;
  status: UnitStatus;
  /** Epoch milliseconds; the fraction carries microseconds. */
  time: number;
  source: ReadingSource;
}

/**
 * Settles what a source holds back for a batch (MQTT PUBACKs). Called once, by the reading writer alone, after the
 * batch's readings are committed, deliberately rejected or dead-lettered; never called if they were not, so the
 * broker redelivers them.
 */
export interface BatchAck {
  settle(): void;
}

/**
 * A batch as a source hands it to the pipeline (`readings.received`): one event carries many readings. Unit status
 * messages ride in the same batch as the readings that arrived with them, because they share its acknowledgement:
 * the batch is settled only once both its readings and its statuses are committed, and batches are settled in
 * arrival order. Only the pipeline listens to this event; it passes the ack to the writer stage, never on the bus.
 */
export interface ReadingBatch<R, S = unknown> {
  readings: R[];
  /** Unit status messages of the batch, if any. */
  statuses?: S[];
  /** Present when the source waits for the commit before acknowledging (QoS 1). */
  ack?: BatchAck;
}

/**
 * A normalised batch as every `readings.processed` listener receives it, as soon as it is processed (live before
 * durable). It has no ack on purpose: no listener can settle, leak or delay an acknowledgement, which the writer
 * stage alone holds until the commit (src/pipeline/reading-pipeline.service.ts).
 */
export interface ProcessedBatch {
  readonly readings: readonly ProcessedReading[];
  /** Unit statuses of the batch, if any. */
  readonly statuses?: readonly ProcessedUnitStatus[];
}

/** State of the MQTT connection: `connecting` covers the first attempt and every retry after a loss. */
export type MqttConnectionState = 'connected' | 'connecting' | 'disconnected';

export interface ConnectionChange {
  connected: boolean;
  /** `disconnected` only after an explicit disconnect (or shutdown): no reconnect is scheduled. */
  state: MqttConnectionState;
  /** `host:port` of the broker. */
  broker: string;
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

/** A unit status that was committed to `units` (newer than the one stored before). */
export interface UnitStatusChange {
  unitId: string;
  status: UnitStatus;
  /** Epoch milliseconds of the status report. */
  time: number;
}

/** Unit statuses committed by one batch, in one event. */
export interface UnitStatusChanges {
  changes: UnitStatusChange[];
}

/** Every event on the bus and its payload type: a misspelt name or a wrong payload fails to compile. */
export interface EventMap {
  'readings.received': ReadingBatch<RawReading, RawUnitStatus>;
  'readings.processed': ProcessedBatch;
  'units.status_changed': UnitStatusChanges;
  'mqtt.connection_changed': ConnectionChange;
  'alarm.transitioned': SystemAlert;
}

export type EventName = keyof EventMap;
