import { foldsIntoSummary, MAX_UNITS_LISTED, renderFloodSummary, summarizeFlood } from './flood.policy.js';
import type { NotificationPayload } from './notification-message.js';

const SETTINGS = { threshold: 10, windowMs: 600_000, summaryMs: 300_000 };
const T0 = Date.UTC(2026, 4, 1, 8, 0, 0);

function payload(alarm: string, unit: string, severity: string, atMs: number): NotificationPayload {
  return {
    alarm_id: alarm,
    rule_id: 'r',
    unit_id: unit,
    sensor_type: 'vibration',
    severity,
    value: 7,
    threshold: 5,
    state: 'active_unacknowledged',
    message: `vibration on ${unit}`,
    raised_at: new Date(atMs).toISOString(),
    at: new Date(atMs).toISOString(),
    actor: null,
  };
}

describe('foldsIntoSummary', () => {
  it('folds non-critical transitions once more than the threshold of alarms are in the window', () => {
    const warning = { kind: 'transition', severity: 'warning' };
    expect(foldsIntoSummary(warning, 10, SETTINGS)).toBe(false);
    expect(foldsIntoSummary(warning, 11, SETTINGS)).toBe(true);
    expect(foldsIntoSummary({ kind: 'transition', severity: 'high' }, 500, SETTINGS)).toBe(true);
  });

  it('never folds critical alarms, escalation steps, or anything when flood suppression is off', () => {
    expect(foldsIntoSummary({ kind: 'transition', severity: 'critical' }, 500, SETTINGS)).toBe(false);
    expect(foldsIntoSummary({ kind: 'escalation', severity: 'warning' }, 500, SETTINGS)).toBe(false);
    expect(foldsIntoSummary({ kind: 'transition', severity: 'warning' }, 500, { ...SETTINGS, threshold: 0 })).toBe(
      false,
    );
  });
});

describe('summarizeFlood', () => {
  it('counts by severity, transition and unit, and names the first and the worst alarm whatever the order', () => {
    const folded = [
      { transition: 'raised', payload: payload('a2', 'U2', 'warning', T0 + 2000) },
      { transition: 'raised', payload: payload('a3', 'U1', 'high', T0 + 3000) },
      { transition: 'raised', payload: payload('a1', 'U1', 'warning', T0 + 1000) },
      { transition: 'raised', payload: payload('a4', 'U3', 'high', T0 + 2500) },
      { transition: 'returned_to_normal', payload: payload('a1', 'U1', 'warning', T0 + 4000) },
    ];
    const summary = summarizeFlood(folded);
    expect(summary).toMatchObject({
      notifications: 5,
      alarms: 4,
      by_severity: { warning: 3, high: 2 },
      by_transition: { raised: 4, returned_to_normal: 1 },
      by_unit: [
        { unit_id: 'U1', count: 3 },
        { unit_id: 'U2', count: 1 },
        { unit_id: 'U3', count: 1 },
      ],
      other_units: 0,
    });
    expect(summary.first?.alarm_id).toBe('a1');
    // Two high alarms: the earlier one is the worst.
    expect(summary.worst?.alarm_id).toBe('a4');
    expect(summarizeFlood([...folded].reverse())).toEqual(summary);
  });

  it('lists the most notified units and counts the rest', () => {
    const folded = Array.from({ length: MAX_UNITS_LISTED + 5 }, (_, i) => ({
      transition: 'raised',
      payload: payload(`a${i}`, `U${String(i).padStart(3, '0')}`, 'warning', T0 + i),
    }));
    const summary = summarizeFlood(folded);
    expect(summary.by_unit).toHaveLength(MAX_UNITS_LISTED);
    expect(summary.other_units).toBe(5);
  });

  it('renders a subject and a text with the figures', () => {
    const summary = summarizeFlood([
      { transition: 'raised', payload: payload('a1', 'U1', 'warning', T0) },
      { transition: 'raised', payload: payload('a2', 'U2', 'high', T0 + 1000) },
    ]);
    const rendered = renderFloodSummary(summary, 'on-call', new Date(T0));
    expect(rendered.subject).toBe('[flood] 2 alarm notifications held back (worst: high)');
    expect(rendered.text.split('\n')).toEqual([
      "Alarm flood on 'on-call': 2 notifications of 2 alarms held back since 2026-05-01T08:00:00.000Z (critical alarms are still sent one by one).",
      'By severity: high 1, warning 1',
      'By transition: raised 2',
      'By unit: U1 1, U2 1',
      'First: [warning] U1 vibration: vibration on U1 (at 2026-05-01T08:00:00.000Z)',
      'Worst: [high] U2 vibration: vibration on U2 (at 2026-05-01T08:00:01.000Z)',
    ]);
  });
});
