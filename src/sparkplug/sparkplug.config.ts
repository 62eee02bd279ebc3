import type { EnvVarSpec } from '../config/env-var.js';

/**
 * The Sparkplug B host application's environment variables. Assembled into the one validated schema by
 * src/config/env.schema.ts (where they stand in .env.example and docs/configuration.md); AppConfig reads them.
 */
// prettier-ignore
export const SPARKPLUG_ENV = {
  SPARKPLUG_ENABLED: { kind: 'bool', default: 'false', description: 'Act as a Sparkplug B host application on the backend\'s MQTT connection: STATE will and birth, spBv1.0 births, data and deaths stored like any reading (docs/sparkplug.md). Off: nothing under spBv1.0/ is subscribed. Refused together with MQTT_SHARED_GROUP.' },
  SPARKPLUG_HOST_ID: { kind: 'string', default: 'thermacore', description: 'Sparkplug host id: the STATE topic is spBv1.0/STATE/{host_id}. One per deployment (only one instance may run the host).' },
  SPARKPLUG_GROUPS: { kind: 'string', description: 'Comma-separated Sparkplug group ids to take in (each subscribed as spBv1.0/{group}/#). Unset: every group (spBv1.0/#).' },
  SPARKPLUG_REORDER_TIMEOUT_MS: { kind: 'int', default: '2000', min: 100, max: 600000, description: 'How long a skipped Sparkplug seq number may stay missing (overtaken by a later message) before a Rebirth is requested from the edge node.' },
  SPARKPLUG_MAX_PAYLOAD_BYTES: { kind: 'int', default: '1048576', min: 1024, max: 268435456, description: 'Largest Sparkplug payload taken in, and the most a compressed payload (SPBV1.0_COMPRESSED) may inflate to; past it the message is refused (sparkplug_payload_too_large, sparkplug_compressed_too_large).' },
  SPARKPLUG_MAX_METRICS: { kind: 'int', default: '10000', min: 1, max: 1000000, description: 'Most metrics in one Sparkplug payload (those inside templates included); a payload with more is refused whole (sparkplug_too_many_metrics).' },
  SPARKPLUG_REBIRTH_INTERVAL_MS: { kind: 'int', default: '5000', min: 100, max: 3600000, description: 'Shortest time between two automatic Rebirth requests to one edge node (data before a birth, unknown aliases and seq gaps ask for one).' },
} as const satisfies Record<string, EnvVarSpec>;
