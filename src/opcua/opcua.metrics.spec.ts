import type { OpcuaSnapshot } from './opcua-session.service.js';
import { opcuaSamples } from './opcua.metrics.js';

const snapshot: OpcuaSnapshot = {
  state: 'reconnecting',
  connected: false,
  configured: true,
  securityMode: 'None',
  securityPolicy: 'None',
  mappings: 3,
  monitoredItems: 3,
  subscribedNodes: 2,
  reconnects: 4,
  connectionLosses: 5,
  dataChanges: 100,
  readingsEmitted: 98,
  rejected: 2,
  batchesEmitted: 7,
};

describe('opcuaSamples', () => {
  const samples = opcuaSamples(snapshot);
  const value = (name: string, labels?: Record<string, string>): number | undefined =>
    samples.find((s) => s.name === name && JSON.stringify(s.labels) === JSON.stringify(labels))?.value;

  it('reports the snapshot counters under scada_opcua_*', () => {
    expect(value('scada_opcua_connected')).toBe(0);
    expect(value('scada_opcua_monitored_items')).toBe(3);
    expect(value('scada_opcua_subscribed_nodes')).toBe(2);
    expect(value('scada_opcua_reconnects_total')).toBe(4);
    expect(value('scada_opcua_data_changes_total')).toBe(100);
    expect(value('scada_opcua_rejected_total')).toBe(2);
  });

  it('marks exactly the current state', () => {
    expect(value('scada_opcua_state', { state: 'reconnecting' })).toBe(1);
    expect(samples.filter((s) => s.name === 'scada_opcua_state' && s.value === 1)).toHaveLength(1);
  });

  it('names counters _total and gives every sample help text', () => {
    for (const s of samples) {
      expect(s.help).not.toBe('');
      if (s.type === 'counter') expect(s.name).toMatch(/_total$/);
    }
  });
});
