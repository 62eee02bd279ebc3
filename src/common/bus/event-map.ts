/**
 * The bus's vocabulary, which names no feature: the shared reading and unit status types every source and listener
 * speaks, and the `EventMap` that each feature extends with its own events in its `<feature>.events.ts`.
 */

/** Quality of a reading, in OPC UA's three families. */
export type Quality = 'GOOD' | 'UNCERTAIN' | 'BAD';
export const QUALITIES: readonly Quality[] = ['GOOD', 'UNCERTAIN', 'BAD'];

/**
 * The sources there are, one key each, declared by each source in its `<feature>.events.ts` (declaration merging,
 * like `EventMap`), so a new source adds its name in its own folder and a misspelt one still fails to compile:
 *
 *     declare module '../common/bus/event-map.js' { interface ReadingSources { modbus: true } }
 */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type -- filled by declaration merging, see above
export interface ReadingSources {}

/** Where a reading entered the system: the name of its source feature. */
export type ReadingSource = keyof ReadingSources;

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
  /** A past value the source resends (Sparkplug `is_historical`): stored, never taken as the live value. */
  historical?: true;
  /**
   * The value sent as the name of a state (a Sparkplug String metric, `"running"`): the normaliser takes `value` from
   * the sensor's state table instead (case-insensitive), and refuses a name the table lacks or a point without one.
   */
  stateName?: string;
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
  /** A past value (RawReading.historical): the writer stores it; it is not broadcast as `readings.processed`. */
  historical?: true;
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

/** A unit status that was committed to `units` (newer than the one stored before). */
export interface UnitStatusChange {
  unitId: string;
  status: UnitStatus;
  /** Epoch milliseconds of the status report. */
  time: number;
}

/**
 * Every event on the bus and its payload type: a misspelt name or a wrong payload fails to compile. Empty here on
 * purpose: each feature adds its own events in its `<feature>.events.ts` by declaration merging, so this file names no
 * feature, e.g. in src/alerts/alerts.events.ts:
 *
 *     declare module '../common/bus/event-map.js' { interface EventMap { 'alarm.transitioned': SystemAlert } }
 *
 * Event names are dotted and past tense, prefixed by the feature that emits them.
 */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type -- filled by declaration merging, see above
export interface EventMap {}

export type EventName = keyof EventMap;
