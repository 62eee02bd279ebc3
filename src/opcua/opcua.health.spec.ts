import type { HealthProbe } from '../common/feature/health-indicator.js';
import type { OpcuaSnapshot } from './opcua-session.service.js';
import { opcuaHealthIndicator } from './opcua.health.js';

const idle: OpcuaSnapshot = {
  state: 'disabled',
  connected: false,
  configured: false,
  securityMode: 'None',
  securityPolicy: 'None',
  mappings: 0,
  monitoredItems: 0,
  subscribedNodes: 0,
  reconnects: 0,
  connectionLosses: 0,
  dataChanges: 0,
  readingsEmitted: 0,
  rejected: 0,
  batchesEmitted: 0,
};

/** OPC UA does not read the health module's database ping. */
const probe: HealthProbe = { database: { ok: true } };

describe('opcuaHealthIndicator', () => {
  it('stays healthy while OPC UA is not in use, and says it is not available', () => {
    const indicator = opcuaHealthIndicator(() => idle);
    expect(indicator.healthy?.(probe)).toBe(true);
    expect(indicator.summary?.(probe)).toMatchObject({ available: false, connected: false, state: 'disabled' });
  });

  it('degrades /health once configured and not connected, and recovers when connected or disconnected on purpose', () => {
    let snapshot: OpcuaSnapshot = { ...idle, configured: true, state: 'connecting', lastError: 'ECONNREFUSED' };
    const indicator = opcuaHealthIndicator(() => snapshot);
    expect(indicator.healthy?.(probe)).toBe(false);
    expect(indicator.summary?.(probe)).toMatchObject({
      available: true,
      state: 'connecting',
      last_error: 'ECONNREFUSED',
    });

    snapshot = { ...snapshot, state: 'connected', connected: true, subscribedNodes: 3 };
    expect(indicator.healthy?.(probe)).toBe(true);
    expect(indicator.summary?.(probe)).toMatchObject({ connected: true, subscribed_nodes: 3 });
    expect(indicator.status?.(probe)).toMatchObject({ state: 'connected', connected: true });

    snapshot = { ...snapshot, state: 'disconnected', connected: false };
    expect(indicator.healthy?.(probe)).toBe(true);
  });
});
