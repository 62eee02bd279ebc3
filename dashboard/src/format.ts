import type { AlarmState, Severity } from './types.js';

/** Well-known sensor types in words; any other type is shown as sent. */
const SENSOR_NAMES: Record<string, string> = {
  temperature: 'Temperature',
  pressure: 'Pressure',
  flow_rate: 'Flow rate',
  power: 'Power',
};

export function sensorName(sensorType: string, displayName?: string | null): string {
  return displayName ?? SENSOR_NAMES[sensorType] ?? sensorType;
}

/**
 * A reading with a precision that suits its size (three or four significant digits), so a column of values keeps
 * its decimal places steady for one sensor and the digits line up (tabular figures in the stylesheet).
 */
export function formatValue(value: number | null | undefined): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return '—';
  const abs = Math.abs(value);
  const digits = abs >= 1000 ? 0 : abs >= 100 ? 1 : abs >= 10 ? 1 : 2;
  return value.toLocaleString('en-GB', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

const TIME = new Intl.DateTimeFormat('en-GB', { hour: '2-digit', minute: '2-digit', second: '2-digit' });
const DATE_TIME = new Intl.DateTimeFormat('en-GB', {
  day: '2-digit',
  month: 'short',
  hour: '2-digit',
  minute: '2-digit',
  second: '2-digit',
});

/** Local time of day for today, date and time otherwise. */
export function formatTime(iso: string | number): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return '—';
  return date.toDateString() === new Date().toDateString() ? TIME.format(date) : DATE_TIME.format(date);
}

/** Date and time, always both (for ranges that may span days). */
export function formatDateTime(ms: number): string {
  return DATE_TIME.format(new Date(ms));
}

export const SEVERITY_RANK: Record<Severity, number> = { info: 0, warning: 1, high: 2, critical: 3 };

export const SEVERITY_LABEL: Record<Severity, string> = {
  info: 'Info',
  warning: 'Warning',
  high: 'High',
  critical: 'Critical',
};

export const STATE_LABEL: Record<AlarmState, string> = {
  active_unacknowledged: 'Active, unacknowledged',
  active_acknowledged: 'Active, acknowledged',
  cleared_unacknowledged: 'Cleared, unacknowledged',
  cleared: 'Closed',
};
