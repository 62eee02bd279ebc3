import { Registry } from 'prom-client';
import { FeatureRegistry, type MetricSample } from '../common/feature/feature.registry.js';
import { CollectedMetrics } from './collected-metrics.js';

describe('CollectedMetrics (modules registering collectors for /metrics)', () => {
  function setup() {
    const registry = new Registry();
    const collectors = new FeatureRegistry();
    return { registry, collectors, collected: new CollectedMetrics(registry) };
  }

  it('exposes what a collector reports, and its current values at every refresh', async () => {
    const { registry, collectors, collected } = setup();
    const state = { connected: 1, reconnects: 2 };
    collectors.register('opcua', (): MetricSample[] => [
      { name: 'scada_opcua_connected', help: 'OPC UA session up', type: 'gauge', value: state.connected },
      {
        name: 'scada_opcua_reconnects_total',
        help: 'OPC UA reconnects',
        type: 'counter',
        value: state.reconnects,
        labels: { endpoint: 'opc.tcp://plc:4840' },
      },
    ]);
    expect(collected.refresh(collectors.entries())).toEqual([]);
    let text = await registry.metrics();
    expect(text).toContain('# TYPE scada_opcua_reconnects_total counter');
    expect(text).toContain('scada_opcua_connected 1');
    expect(text).toContain('scada_opcua_reconnects_total{endpoint="opc.tcp://plc:4840"} 2');

    state.connected = 0;
    state.reconnects = 5;
    collected.refresh(collectors.entries());
    text = await registry.metrics();
    expect(text).toContain('scada_opcua_connected 0');
    expect(text).toContain('scada_opcua_reconnects_total{endpoint="opc.tcp://plc:4840"} 5');
  });

  it('reports a failing collector by name and still applies the others', async () => {
    const { registry, collectors, collected } = setup();
    collectors.register('broken', () => {
      throw new Error('snapshot unavailable');
    });
    collectors.register('typo', (): MetricSample[] => [{ name: 'bad name', help: 'x', type: 'gauge', value: 1 }]);
    collectors.register('fine', (): MetricSample[] => [{ name: 'scada_fine', help: 'ok', type: 'gauge', value: 7 }]);
    const failures = collected.refresh(collectors.entries());
    expect(failures).toHaveLength(2);
    expect(failures[0]).toBe("Metrics collector 'broken' failed: snapshot unavailable");
    expect(failures[1]).toMatch(/^Metrics collector 'typo' failed: /);
    expect(await registry.metrics()).toContain('scada_fine 7');
  });

  it('drops the values of a collector that was removed', async () => {
    const { registry, collectors, collected } = setup();
    const remove = collectors.register('opcua', (): MetricSample[] => [
      { name: 'scada_opcua_nodes', help: 'Monitored nodes', type: 'gauge', value: 3, labels: { server: 'a' } },
    ]);
    collected.refresh(collectors.entries());
    expect(await registry.metrics()).toContain('scada_opcua_nodes{server="a"} 3');
    remove();
    collected.refresh(collectors.entries());
    expect(await registry.metrics()).not.toContain('scada_opcua_nodes{server="a"}');
  });
});
