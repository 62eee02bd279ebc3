import type { HealthIndicator } from '../common/feature/health-indicator.js';
import type { OpcuaSnapshot } from './opcua-session.service.js';
import { toOpcuaStatusResponse } from './opcua.dto.js';

/** OPC UA's sections of /health and /api/v1/scada/status, read from the client's snapshot at each request. */
export function opcuaHealthIndicator(snapshot: () => OpcuaSnapshot): HealthIndicator {
  // OPC UA is optional: it degrades the summary only once it is in use (configured or connected over REST).
  const inUse = (s: OpcuaSnapshot) => s.configured || s.state !== 'disabled';
  return {
    name: 'opcua',
    positions: { summary: 40, status: 20 },
    healthy() {
      const s = snapshot();
      return !inUse(s) || s.connected || s.state === 'disconnected';
    },
    summary() {
      const s = snapshot();
      return {
        available: inUse(s),
        connected: s.connected,
        subscribed_nodes: s.subscribedNodes,
        state: s.state,
        endpoint_url: s.endpointUrl,
        monitored_items: s.monitoredItems,
        reconnects: s.reconnects,
        last_error: s.lastError,
      };
    },
    status: () => ({ ...toOpcuaStatusResponse(snapshot()) }),
  };
}
