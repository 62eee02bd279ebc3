/**
 * What a feature reports about itself in /health and /api/v1/scada/status, registered with the FeatureRegistry from
 * its module (`onModuleInit`), so the health module names no feature. Every method is called per request, reads the
 * feature's own snapshot and must not throw.
 */
export interface HealthIndicator {
  /** Key of the feature's section in both documents, e.g. `opcua`. */
  readonly name: string;
  /** The section of /health. */
  summary(): Record<string, unknown>;
  /** False degrades /health's `status` (an optional feature not in use stays healthy). */
  healthy(): boolean;
  /** The section of /api/v1/scada/status; without it the feature is shown in /health only. */
  status?(): Record<string, unknown>;
}
