import type { MetricSample } from '../common/feature/feature.registry.js';
import { counterSample as counter, gaugeSample as gauge } from '../common/feature/metric-samples.js';
import type { SparkplugSnapshot } from './sparkplug-host.service.js';

/** The Sparkplug host's samples for /metrics (its rejections are in scada_readings_rejected_total by reason). */
export function sparkplugSamples(s: SparkplugSnapshot): MetricSample[] {
  return [
    gauge(
      'scada_sparkplug_state_online',
      '1 while our STATE birth (online) stands on this connection',
      s.stateOnline ? 1 : 0,
    ),
    gauge('scada_sparkplug_nodes', 'Sparkplug edge nodes tracked', s.nodes),
    gauge('scada_sparkplug_nodes_online', 'Sparkplug edge nodes online (born, not dead)', s.nodesOnline),
    gauge('scada_sparkplug_devices', 'Sparkplug devices tracked', s.devices),
    counter('scada_sparkplug_messages_total', 'Messages taken in under spBv1.0/', s.messages),
    counter('scada_sparkplug_rebirths_sent_total', 'Rebirth NCMDs sent to edge nodes', s.rebirthsSent),
    counter('scada_sparkplug_commands_sent_total', 'NCMD/DCMD commands of the commands API sent', s.commandsSent),
    counter(
      'scada_sparkplug_state_republished_total',
      'Times our STATE was seen offline and published online again',
      s.stateRepublished,
    ),
  ];
}
