/**
 * What the health module measured itself, once per request, and hands to every indicator: the database ping is
 * shared infrastructure (src/common/database), so one request pings it once however many sections report on it.
 */
export interface HealthProbe {
  /** Whether the database answered a ping within 2 s, and why not. */
  readonly database: { readonly ok: boolean; readonly error?: string };
}

/** A feature's readiness: up, or down with the details /health/ready shows under the indicator's name. */
export type IndicatorReadiness = { up: true } | { up: false; details: { message: string } & Record<string, unknown> };

/**
 * Where a section stands in its document: lower first. Sections without one follow those with one, in registration
 * order. The built-in sections use the positions that keep the documents' long-standing order (docs/rest-api.md):
 * /health mqtt 10, websocket 20, realtime_processor 30, opcua 40, protocol_simulator 60, opcua_demo_server 70,
 * database 90; /api/v1/scada/status mqtt 10, opcua 20, database 30, pipeline 40, websocket 50, alarms 60, historian 70.
 */
export interface SectionPositions {
  readonly summary?: number;
  readonly status?: number;
}

/**
 * What a feature reports about itself in /health, /health/ready and /api/v1/scada/status, registered with the
 * FeatureRegistry from its module (`onModuleInit`), so the health module names no feature. Every method is called per
 * request, reads the feature's own snapshot and must not throw.
 */
export interface HealthIndicator {
  /** Key of the feature's section in both documents, e.g. `opcua`, and the name of its readiness check. */
  readonly name: string;
  /** The section of /health; without it the feature is not shown there. */
  summary?(probe: HealthProbe): Record<string, unknown>;
  /** False degrades /health's `status` (an optional feature not in use stays healthy); without it, never. */
  healthy?(probe: HealthProbe): boolean;
  /** The section of /api/v1/scada/status; without it the feature is not shown there. */
  status?(probe: HealthProbe): Record<string, unknown>;
  /**
   * Only for a feature the backend must not take traffic without (MQTT: it is how readings come in): while down,
   * /health/ready answers 503 naming it. Optional features (OPC UA) leave it out.
   */
  ready?(): IndicatorReadiness;
  /** Where its sections stand (see SectionPositions); without it, after the positioned ones. */
  readonly positions?: SectionPositions;
}
