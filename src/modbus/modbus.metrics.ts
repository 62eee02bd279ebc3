import { counterSample, gaugeSample } from '../common/feature/metric-samples.js';
import type { MetricSample } from '../common/feature/feature.registry.js';
import type { ModbusSnapshot } from './modbus-devices.service.js';

/**
 * The Modbus source's counters as Prometheus samples, per device (labelled by its name: bounded by
 * MODBUS_MAX_DEVICES), read at scrape time from its snapshot.
 */
export function modbusSamples(s: ModbusSnapshot): MetricSample[] {
  const samples: MetricSample[] = [
    gaugeSample('scada_modbus_devices', 'Configured Modbus devices', s.devices.length),
    counterSample('scada_modbus_readings_total', 'Readings emitted into the pipeline (GOOD and BAD)', s.readings),
    counterSample('scada_modbus_batches_total', 'Reading batches emitted', s.batches),
  ];
  for (const { device, poller: p } of s.devices) {
    if (p === undefined) continue;
    const labels = { device: device.name };
    samples.push(
      gaugeSample('scada_modbus_connected', '1 while the device connection is open', p.connected ? 1 : 0, labels),
      counterSample('scada_modbus_polls_total', 'Polls done', p.polls, labels),
      counterSample('scada_modbus_failed_polls_total', 'Polls with at least one failed block', p.failedPolls, labels),
      counterSample(
        'scada_modbus_late_polls_total',
        'Scheduled polls skipped (the last was still running)',
        p.latePolls,
        labels,
      ),
      counterSample('scada_modbus_requests_total', 'Read requests sent', p.requests, labels),
      counterSample('scada_modbus_reconnects_total', 'Connections opened after the first', p.reconnects, labels),
      gaugeSample(
        'scada_modbus_poll_duration_p50_ms',
        'Median poll duration (last 512 polls)',
        p.pollMsP50 ?? 0,
        labels,
      ),
      gaugeSample(
        'scada_modbus_poll_duration_p99_ms',
        '99th percentile poll duration (last 512 polls)',
        p.pollMsP99 ?? 0,
        labels,
      ),
    );
    for (const [error, count] of Object.entries(p.errors)) {
      samples.push(
        counterSample('scada_modbus_errors_total', 'Failed requests by Modbus exception name or failure kind', count, {
          device: device.name,
          error,
        }),
      );
    }
  }
  return samples;
}
