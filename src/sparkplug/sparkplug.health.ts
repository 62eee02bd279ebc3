import type { HealthIndicator } from '../common/feature/health-indicator.js';
import type { SparkplugSnapshot } from './sparkplug-host.service.js';

/** Sparkplug's section of /health and the status; optional, so it never fails readiness. */
export function sparkplugHealthIndicator(snapshot: () => SparkplugSnapshot): HealthIndicator {
  const section = (): Record<string, unknown> => {
    const s = snapshot();
    return {
      enabled: s.enabled,
      host_id: s.hostId,
      state_online: s.stateOnline,
      nodes: s.nodes,
      nodes_online: s.nodesOnline,
      devices: s.devices,
      rebirths_sent: s.rebirthsSent,
    };
  };
  return {
    name: 'sparkplug',
    // Enabled but our STATE is not online: edge nodes see no host (they may hold back data).
    healthy: () => !snapshot().enabled || snapshot().stateOnline,
    summary: section,
    status: section,
  };
}
