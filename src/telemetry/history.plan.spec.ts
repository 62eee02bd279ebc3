import {
  BUCKET_ORIGIN_MS,
  bucketCount,
  bucketSource,
  bucketStart,
  chooseBucket,
  decodeCursor,
  encodeCursor,
  formatDuration,
  HISTORY_LIMITS,
  isoFromMicros,
  parseAggregates,
  parseBucket,
  parseDuration,
  planHistory,
} from './history.plan.js';

const T0 = '2026-11-20T00:00:00.000Z';
const ms = (iso: string): number => Date.parse(iso);
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

describe('durations and buckets', () => {
  it('parses <integer><s|m|h|d> and nothing else', () => {
    expect(parseDuration('10s')).toBe(10);
    expect(parseDuration('15m')).toBe(900);
    expect(parseDuration('1h')).toBe(3600);
    expect(parseDuration('7d')).toBe(604_800);
    for (const bad of ['0s', '1', 'm', '1.5m', '-1h', '1w', '01m', '1 m', ''])
      expect(parseDuration(bad)).toBeUndefined();
  });

  it('spells a width the shortest way, so 60s and 1m are the same bucket', () => {
    expect(formatDuration(60)).toBe('1m');
    expect(formatDuration(90)).toBe('90s');
    expect(formatDuration(86_400)).toBe('1d');
    expect(parseBucket('60s')).toEqual({ label: '1m', seconds: 60 });
    expect(parseBucket('8d')).toBe("bucket must be at most 7d, got '8d'");
    expect(parseBucket('5 minutes')).toContain('bucket must be <integer><s|m|h|d>');
  });

  it('counts the buckets a range touches, aligned to the origin', () => {
    const from = ms(T0);
    expect(bucketCount(from, from + HOUR, 60)).toBe(60);
    // Off the minute: the first and the last bucket are both touched.
    expect(bucketCount(from + 30_000, from + HOUR + 30_000, 60)).toBe(61);
    expect(bucketCount(from, from + 1, 86_400)).toBe(1);
    // Weeks start on Mondays (2026-11-23 is one).
    expect(new Date(bucketStart(ms('2026-11-25T10:00:00Z'), 604_800)).toISOString()).toBe('2026-11-23T00:00:00.000Z');
    expect(bucketStart(BUCKET_ORIGIN_MS - 1, 60)).toBe(BUCKET_ORIGIN_MS - 60_000);
  });

  it('picks the smallest nice bucket that gives at most max_points points', () => {
    const from = ms(T0);
    expect(chooseBucket(from, from + DAY, 1440)).toEqual({ label: '1m', seconds: 60 });
    expect(chooseBucket(from, from + DAY, 1439)).toEqual({ label: '2m', seconds: 120 });
    expect(chooseBucket(from, from + DAY, 100)).toEqual({ label: '15m', seconds: 900 });
    expect(chooseBucket(from, from + 60_000, 10_000)).toEqual({ label: '1s', seconds: 1 });
    expect(chooseBucket(from, from + 3653 * DAY, 1)).toContain('max_points=1 is too few');
    // Whatever the range and the budget, the answer never exceeds the budget.
    for (const [range, points] of [
      [7 * DAY + 12_345, 500],
      [31 * DAY, 800],
      [HOUR + 1, 61],
      [365 * DAY, 2000],
    ]) {
      const bucket = chooseBucket(from + 7_777, from + 7_777 + range, points);
      expect(typeof bucket).toBe('object');
      expect(
        bucketCount(from + 7_777, from + 7_777 + range, (bucket as { seconds: number }).seconds),
      ).toBeLessThanOrEqual(points);
    }
  });
});

describe('aggregates', () => {
  it('defaults to avg,min,max and answers in the canonical order without repeats', () => {
    expect(parseAggregates(undefined)).toEqual(['avg', 'min', 'max']);
    expect(parseAggregates('count,last,avg,count')).toEqual(['avg', 'last', 'count']);
    expect(parseAggregates('avg,median,p99')).toBe(
      "agg must be a comma-separated list of avg, min, max, last, count; unknown: 'median', 'p99'",
    );
    expect(parseAggregates('')).toContain("unknown: ''");
  });
});

describe('cursors and times', () => {
  it('round-trips a microsecond time and refuses anything else', () => {
    const micros = ms(T0) * 1000 + 123_456;
    expect(decodeCursor(encodeCursor(micros))).toBe(micros);
    expect(decodeCursor('not a cursor!')).toBeUndefined();
    expect(decodeCursor(Buffer.from('r1|12.5').toString('base64url'))).toBeUndefined();
    expect(decodeCursor(Buffer.from('a1|12').toString('base64url'))).toBeUndefined();
    expect(decodeCursor(Buffer.from('r1|12|x').toString('base64url'))).toBeUndefined();
    expect(decodeCursor(Buffer.from('r1|12').toString('base64url'))).toBe(12);
  });

  it('writes microseconds only when there are some', () => {
    expect(isoFromMicros(ms(T0) * 1000)).toBe(T0);
    expect(isoFromMicros(ms(T0) * 1000 + 123_000)).toBe('2026-11-20T00:00:00.123Z');
    expect(isoFromMicros(ms(T0) * 1000 + 123_456)).toBe('2026-11-20T00:00:00.123456Z');
    expect(isoFromMicros(ms(T0) * 1000 + 7)).toBe('2026-11-20T00:00:00.000007Z');
    expect(Date.parse(isoFromMicros(ms(T0) * 1000 + 123_456))).toBe(ms(T0) + 123);
  });
});

describe('planHistory', () => {
  const day = { from: T0, to: '2026-11-21T00:00:00.000Z' };

  it('plans raw pages by default, continuing after a cursor', () => {
    expect(planHistory(day)).toEqual({ mode: 'raw', fromMs: ms(T0), toMs: ms(day.to), limit: 1000 });
    const after = ms(T0) * 1000 + 5;
    expect(planHistory({ ...day, limit: 10, cursor: encodeCursor(after) })).toEqual({
      mode: 'raw',
      fromMs: ms(T0),
      toMs: ms(day.to),
      limit: 10,
      afterMicros: after,
    });
  });

  it('plans buckets from bucket or from max_points', () => {
    expect(planHistory({ ...day, bucket: '1h', agg: 'last,count' })).toMatchObject({
      mode: 'bucketed',
      bucket: { label: '1h', seconds: 3600 },
      aggregates: ['last', 'count'],
    });
    expect(planHistory({ ...day, maxPoints: 300 })).toMatchObject({
      mode: 'bucketed',
      bucket: { label: '5m' },
      aggregates: ['avg', 'min', 'max'],
    });
    expect(planHistory({ ...day, bucket: '1m', maxPoints: 1440 })).toMatchObject({ bucket: { label: '1m' } });
  });

  it('refuses what it cannot answer, saying why', () => {
    const cases: [Parameters<typeof planHistory>[0], string][] = [
      [{ from: day.to, to: T0 }, 'from must be before to'],
      [{ from: T0, to: T0 }, 'from must be before to'],
      [{ from: T0, to: '2027-01-01T00:00:00Z' }, 'raw history covers at most 31 days'],
      [{ ...day, agg: 'avg' }, 'agg needs bucket or max_points'],
      [{ ...day, cursor: 'bogus' }, 'cursor is not one this API gave out'],
      [{ ...day, cursor: encodeCursor(ms(day.to) * 1000) }, 'cursor does not belong to this from/to range'],
      [{ ...day, bucket: '1m', cursor: encodeCursor(ms(T0) * 1000) }, 'cursor applies to raw history only'],
      [{ ...day, bucket: '1m', limit: 5 }, 'limit applies to raw history only'],
      [{ ...day, bucket: '1s' }, 'bucket 1s over this range gives 86400 points, more than 10000'],
      [{ ...day, bucket: '1m', maxPoints: 100 }, 'bucket 1m over this range gives 1440 points, more than 100'],
      [{ ...day, bucket: 'hourly' }, 'bucket must be <integer><s|m|h|d>'],
      [{ ...day, bucket: '1h', agg: 'mean' }, "unknown: 'mean'"],
      [{ from: T0, to: '2040-01-01T00:00:00Z', bucket: '7d' }, 'bucketed history covers at most 3653 days'],
    ];
    for (const [req, message] of cases) expect(planHistory(req)).toContain(message);
    expect(HISTORY_LIMITS.maxPoints).toBe(10_000);
  });
});

describe('bucketSource', () => {
  it('reads a continuous aggregate for wide ranges whose bucket is a multiple of it', () => {
    expect(bucketSource(3600, 30 * DAY, true)).toBe('sensor_readings_1h');
    expect(bucketSource(86_400, 30 * DAY, true)).toBe('sensor_readings_1h');
    expect(bucketSource(300, 30 * DAY, true)).toBe('sensor_readings_1m');
    expect(bucketSource(5400, 30 * DAY, true)).toBe('sensor_readings_1m');
    expect(bucketSource(30, 30 * DAY, true)).toBe('sensor_readings');
    expect(bucketSource(3600, HOUR * 2, true)).toBe('sensor_readings');
    expect(bucketSource(3600, 30 * DAY, false)).toBe('sensor_readings');
  });
});
