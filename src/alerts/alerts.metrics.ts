import type { MetricSample } from '../common/feature/feature.registry.js';
import { counterSample, gaugeSample } from '../common/feature/metric-samples.js';
import { ALARM_STATES } from './alarm-lifecycle.js';
import { ALERT_SEVERITIES } from './alert-rule.js';
import type { AlertsService } from './alerts.service.js';

/** The alarm engine's samples for /metrics: open alarms by state and severity, rules, transitions, write errors. */
export function alarmSamples(
  alerts: Pick<AlertsService, 'openAlarms' | 'status' | 'enabledRuleCount'>,
): MetricSample[] {
  const counts = new Map<string, number>();
  for (const alarm of alerts.openAlarms()) {
    const key = `${alarm.state}|${alarm.severity}`;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  const samples: MetricSample[] = [];
  // Every combination, zeros included, so an alert rule on a series never sees it vanish.
  for (const state of ALARM_STATES.filter((s) => s !== 'cleared')) {
    for (const severity of ALERT_SEVERITIES) {
      samples.push(
        gaugeSample('scada_alarms', 'Open alarms by state and severity', counts.get(`${state}|${severity}`) ?? 0, {
          state,
          severity,
        }),
      );
    }
  }
  const status = alerts.status();
  samples.push(
    gaugeSample('scada_alarms_shelved', 'Open alarms that are shelved', status.shelved),
    gaugeSample('scada_alarm_rules_enabled', 'Enabled alarm rules', alerts.enabledRuleCount),
    counterSample('scada_alarm_transitions_total', 'Alarm transitions since start', status.transitions),
    counterSample(
      'scada_alarm_write_errors_total',
      'Failed alarm history writes (each one retried)',
      status.write_errors,
    ),
  );
  return samples;
}
