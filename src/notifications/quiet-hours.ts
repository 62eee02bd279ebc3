/**
 * Quiet hours of a routing rule: between `start` and `end` (wall-clock time in `timezone`, an IANA name) its
 * non-critical notifications are held and delivered when the quiet hours end (a plant engineer wants to read in
 * the morning what happened at night, not lose it). Pure: time zones through `Intl`, never the machine's zone.
 */

/** `{ start: "22:00", end: "06:00", timezone: "Europe/Berlin" }`; start after end spans midnight. */
export interface QuietHours {
  start: string;
  end: string;
  timezone: string;
}

const HH_MM = /^([01]\d|2[0-3]):([0-5]\d)$/;
const MINUTE = 60_000;
const DAY_MINUTES = 1440;

/** What is wrong with quiet hours, one sentence per problem. */
export function quietHoursProblems(q: QuietHours): string[] {
  const problems: string[] = [];
  for (const field of ['start', 'end'] as const) {
    if (!HH_MM.test(q[field])) problems.push(`quiet_hours.${field} must be HH:MM (00:00 to 23:59), got '${q[field]}'`);
  }
  if (problems.length === 0 && q.start === q.end) problems.push('quiet_hours.start and end must differ');
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: q.timezone });
  } catch {
    problems.push(`quiet_hours.timezone must be an IANA time zone (e.g. Europe/Berlin), got '${q.timezone}'`);
  }
  return problems;
}

const minutesOf = (hhmm: string): number => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));

/** The wall-clock time in `timeZone` at `atMs`, as if it were UTC (ms). */
function wallClock(atMs: number, timeZone: string): number {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone,
    hourCycle: 'h23',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
  }).formatToParts(new Date(atMs));
  const get = (type: Intl.DateTimeFormatPartTypes) => Number(parts.find((p) => p.type === type)?.value ?? 0);
  return Date.UTC(get('year'), get('month') - 1, get('day'), get('hour'), get('minute'), get('second'), atMs % 1000);
}

/**
 * When the quiet hours that `atMs` falls in end (epoch ms), or null when `atMs` is outside them. The end is
 * `end` o'clock local time; across a daylight-saving change the offset is corrected once, so the hold ends at the
 * local time named (or, when that time does not exist that night, an hour later).
 */
export function quietHoursEnd(atMs: number, q: QuietHours): number | null {
  const wall = wallClock(atMs, q.timezone);
  const dayMs = DAY_MINUTES * MINUTE;
  const msOfDay = ((wall % dayMs) + dayMs) % dayMs;
  const start = minutesOf(q.start) * MINUTE;
  const end = minutesOf(q.end) * MINUTE;
  const quiet = start < end ? msOfDay >= start && msOfDay < end : msOfDay >= start || msOfDay < end;
  if (!quiet) return null;
  const untilEnd = (end - msOfDay + dayMs) % dayMs;
  let result = atMs + untilEnd;
  const offsetShift = wallClock(result, q.timezone) - result - (wall - atMs);
  result -= offsetShift;
  return result;
}
