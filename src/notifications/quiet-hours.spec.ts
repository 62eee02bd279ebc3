import { quietHoursEnd, quietHoursProblems } from './quiet-hours.js';

const BERLIN = { start: '22:00', end: '06:00', timezone: 'Europe/Berlin' };

/** Every instant is given in UTC, so the results hold whatever the machine's zone or today's date. */
describe('quietHoursEnd', () => {
  it('holds an instant inside quiet hours that span midnight until their end, local time', () => {
    // 23:30 in Berlin (CET, UTC+1) on 10 Jan → 06:00 CET on 11 Jan = 05:00Z.
    expect(quietHoursEnd(Date.UTC(2026, 0, 10, 22, 30), BERLIN)).toBe(Date.UTC(2026, 0, 11, 5, 0));
    // 03:15 in Berlin → 06:00 the same morning.
    expect(quietHoursEnd(Date.UTC(2026, 0, 11, 2, 15), BERLIN)).toBe(Date.UTC(2026, 0, 11, 5, 0));
  });

  it('lets everything outside the quiet hours through (the end itself is no longer quiet)', () => {
    expect(quietHoursEnd(Date.UTC(2026, 0, 11, 5, 0), BERLIN)).toBeNull();
    expect(quietHoursEnd(Date.UTC(2026, 0, 11, 12, 0), BERLIN)).toBeNull();
    expect(quietHoursEnd(Date.UTC(2026, 0, 10, 20, 59), BERLIN)).toBeNull();
    expect(quietHoursEnd(Date.UTC(2026, 0, 10, 21, 0), BERLIN)).toBe(Date.UTC(2026, 0, 11, 5, 0));
  });

  it('ends at 06:00 local time across the spring and autumn daylight-saving changes', () => {
    // 29 Mar 2026: clocks go 02:00 → 03:00; 23:00 CET (22:00Z) is held until 06:00 CEST = 04:00Z.
    expect(quietHoursEnd(Date.UTC(2026, 2, 28, 22, 0), BERLIN)).toBe(Date.UTC(2026, 2, 29, 4, 0));
    // 25 Oct 2026: clocks go 03:00 → 02:00; 23:00 CEST (21:00Z) is held until 06:00 CET = 05:00Z.
    expect(quietHoursEnd(Date.UTC(2026, 9, 24, 21, 0), BERLIN)).toBe(Date.UTC(2026, 9, 25, 5, 0));
  });

  it('handles quiet hours within one day and zones west of UTC', () => {
    const lunch = { start: '12:00', end: '13:30', timezone: 'America/New_York' };
    // 12:10 EST = 17:10Z → 13:30 EST = 18:30Z.
    expect(quietHoursEnd(Date.UTC(2026, 0, 5, 17, 10), lunch)).toBe(Date.UTC(2026, 0, 5, 18, 30));
    expect(quietHoursEnd(Date.UTC(2026, 0, 5, 16, 59), lunch)).toBeNull();
  });
});

describe('quietHoursProblems', () => {
  it('accepts valid hours and refuses bad times, equal times and unknown zones', () => {
    expect(quietHoursProblems(BERLIN)).toEqual([]);
    expect(quietHoursProblems({ start: '7:00', end: '06:00', timezone: 'UTC' })).toEqual([
      "quiet_hours.start must be HH:MM (00:00 to 23:59), got '7:00'",
    ]);
    expect(quietHoursProblems({ start: '06:00', end: '06:00', timezone: 'UTC' })).toEqual([
      'quiet_hours.start and end must differ',
    ]);
    expect(quietHoursProblems({ start: '22:00', end: '06:00', timezone: 'Nowhere/Town' })).toEqual([
      "quiet_hours.timezone must be an IANA time zone (e.g. Europe/Berlin), got 'Nowhere/Town'",
    ]);
  });
});
