import type { HealthIndicator } from '../common/feature/health-indicator.js';
import type { GatewayStatus } from './gateway-status.service.js';

/** The Socket.IO side's `websocket` sections of /health and /api/v1/scada/status. It never degrades /health. */
export function gatewayHealthIndicator(status: Pick<GatewayStatus, 'health' | 'snapshot'>): HealthIndicator {
  return {
    name: 'websocket',
    positions: { summary: 20, status: 50 },
    summary: () => status.health(),
    status: () => status.snapshot(),
  };
}
