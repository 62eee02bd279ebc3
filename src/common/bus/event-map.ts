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

/** Every event on the bus and its payload type: a misspelt name or a wrong payload fails to compile. */
export interface EventMap {
  'readings.received': ReadingBatch<RawReading>;
  'readings.processed': ReadingBatch<ProcessedReading>;
  'mqtt.connection_changed': ConnectionChange;
}

export type EventName = keyof EventMap;
