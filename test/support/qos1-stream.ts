import type { MqttClient } from 'mqtt';

/** One reading of a planned QoS 1 stream. */
export interface PlannedReading {
  topic: string;
  payload: string;
  /** `unit/sensor@ISO time`: the row's identity. */
  key: string;
  value: number;
}

/**
 * `count` readings spread round-robin over every unit × sensor pair, each with an explicit ISO timestamp that is
 * unique for its sensor (1 ms apart, an hour ago) and a value that is unique in the plan.
 */
export function planReadings(prefix: string, units: string[], sensors: string[], count: number): PlannedReading[] {
  const pairs = units.flatMap((unit) => sensors.map((sensor) => `${unit}/${sensor}`));
  const base = Math.floor(Date.now() / 1000) * 1000 - 3_600_000;
  return Array.from({ length: count }, (_, i) => {
    const pair = pairs[i % pairs.length];
    const timestamp = new Date(base + Math.floor(i / pairs.length)).toISOString();
    return {
      topic: `${prefix}/${pair}`,
      payload: JSON.stringify({ value: i, timestamp }),
      key: `${pair}@${timestamp}`,
      value: i,
    };
  });
}

/**
 * Publishes at QoS 1, a chunk at a time. The promises settle on the broker's PUBACK to the publisher (Mosquitto
 * sends it on receipt): they say the broker has the message, not that the backend stored it.
 */
export async function publishAll(client: MqttClient, readings: PlannedReading[], chunk = 500): Promise<void> {
  for (let i = 0; i < readings.length; i += chunk) {
    await Promise.all(readings.slice(i, i + chunk).map((r) => client.publishAsync(r.topic, r.payload, { qos: 1 })));
  }
}
