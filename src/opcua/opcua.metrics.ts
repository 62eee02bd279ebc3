import type { MetricSample } from '../common/feature/feature.registry.js';
import type { OpcuaConnectionState, OpcuaSnapshot } from './opcua-session.service.js';

const STATES: readonly OpcuaConnectionState[] = ['disabled', 'connecting', 'connected', 'reconnecting', 'disconnected'];

/** The OPC UA client's counters as Prometheus samples, read at scrape time from its snapshot. */
export function opcuaSamples(s: OpcuaSnapshot): MetricSample[] {
  const counter = (name: string, help: string, value: number): MetricSample => ({
    name: `scada_opcua_${name}_total`,
    help,
    type: 'counter',
    value,
  });
  const gauge = (name: string, help: string, value: number): MetricSample => ({
    name: `scada_opcua_${name}`,
    help,
    type: 'gauge',
    value,
  });
  return [
    gauge('connected', '1 while the OPC UA session is up', s.connected ? 1 : 0),
    ...STATES.map((state): MetricSample => ({
      name: 'scada_opcua_state',
      help: 'OPC UA client state: 1 for the current one',
      type: 'gauge',
      value: s.state === state ? 1 : 0,
      labels: { state },
    })),
    gauge('mappings', 'Stored OPC UA node mappings', s.mappings),
    gauge('monitored_items', 'Monitored items on the current subscription', s.monitoredItems),
    gauge('subscribed_nodes', 'Monitored items the server accepted', s.subscribedNodes),
    counter('reconnects', 'Connection losses after which the client reconnected by itself', s.reconnects),
    counter('connection_losses', 'OPC UA connection losses', s.connectionLosses),
    counter('data_changes', 'Data change notifications received', s.dataChanges),
    counter('readings', 'Readings emitted into the pipeline', s.readingsEmitted),
    counter('rejected', 'Data changes rejected (no numeric value)', s.rejected),
    counter('batches', 'Reading batches emitted', s.batchesEmitted),
  ];
}
