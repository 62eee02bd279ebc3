import { jest } from '@jest/globals';
import { Backoff } from '../common/backoff.js';
import { EventBus } from '../common/bus/event-bus.js';
import type { BatchAck, ProcessedReading } from '../common/bus/event-map.js';
import type { DatabasePool } from '../common/database/database.pool.js';
import type { FeatureRegistry } from '../common/feature/feature.registry.js';
import { PipelineStats } from '../pipeline/pipeline-stats.js';
import { WriteMetrics } from './write.metrics.js';
import type { PeriodicJobs } from '../common/scheduling/periodic-jobs.js';
import type { AppConfig } from '../config/app-config.js';
import { SensorCatalog } from '../processor/sensor-catalog.js';
import { DeadLetterWriter } from './dead-letter.writer.js';
import type { LastSeenWriter } from './last-seen.writer.js';
import { ReadingWriter } from './reading.writer.js';
import { SensorRegistry } from './sensor.registry.js';
import { UnitStatusWriter } from './unit-status.writer.js';

/** An error as pg raises it: a SQLSTATE in `code`. */
const sqlError = (code: string, message: string) => Object.assign(new Error(message), { code });

/** `{1,2,3}` as the writer builds its array parameters. */
const parseArray = (literal: unknown): string[] => String(literal).slice(1, -1).split(',');

/**
 * What the writer needs of the database, in memory: sensors get ids, sensor_readings and reading_dead_letters keep
 * their rows. The reading INSERT answers as the real statement does: rows of sensors that do not exist are left out
 * and their ids reported `missing`, a row already stored is absorbed (ON CONFLICT DO NOTHING). Faults are injected:
 * `faults` are thrown by the next statements (transient ones), a reading whose value is `poison` is refused for good
 * (a check violation, SQLSTATE 23514), `hold()` keeps the next reading INSERT in flight until released, and
 * `deleteSensor` deletes a sensor as SQL would (its readings with it), under the writer's cache.
 */
class FakeDatabase {
  readonly stored: { sensorId: number; timeUs: number; value: number }[] = [];
  readonly deadLetters: { unitId: string; value: number; sqlstate: string }[] = [];
  readonly faults: Error[] = [];
  poison = Number.NaN;
  /** Reading INSERT statements tried (committed or not). */
  inserts = 0;
  /** Statements of any kind tried. */
  statements = 0;
  private readonly sensorIds = new Map<string, number>();
  private nextSensorId = 1;
  private gate: Promise<void> | undefined;

  hold(): () => void {
    let release!: () => void;
    this.gate = new Promise((r) => (release = r));
    return () => {
      this.gate = undefined;
      release();
    };
  }

  /** DELETE FROM sensors WHERE unit_id = … AND sensor_type = …: its readings go too (the trigger's cascade). */
  deleteSensor(unitId: string, sensorType: string): number {
    const id = this.sensorIds.get(`${unitId}/${sensorType}`)!;
    this.sensorIds.delete(`${unitId}/${sensorType}`);
    for (let i = this.stored.length - 1; i >= 0; i--) if (this.stored[i].sensorId === id) this.stored.splice(i, 1);
    return id;
  }

  async query(text: string, params: unknown[] = []): Promise<unknown[]> {
    this.statements++;
    if (text.includes('INSERT INTO sensor_readings')) {
      this.inserts++;
      await this.gate;
    }
    const fault = this.faults.shift();
    if (fault) throw fault;
    if (text.includes('INSERT INTO sensor_readings')) return [this.insertReadings(params)];
    if (text.includes('INSERT INTO sensors')) {
      const [units, types] = params as [string[], string[]];
      return units.map((unit, i) => {
        const key = `${unit}/${types[i]}`;
        if (!this.sensorIds.has(key)) this.sensorIds.set(key, this.nextSensorId++);
        return { id: this.sensorIds.get(key), unit_id: unit, sensor_type: types[i] };
      });
    }
    return [];
  }

  execute(text: string, params: unknown[] = []): Promise<number> {
    this.statements++;
    const fault = this.faults.shift();
    if (fault) return Promise.reject(fault);
    if (text.includes('reading_dead_letters')) {
      const [units, , , values, , , , sqlstates] = params as [string[], unknown, unknown, number[], ...unknown[]];
      units.forEach((unitId, i) =>
        this.deadLetters.push({ unitId, value: values[i], sqlstate: (sqlstates as string[])[i] }),
      );
      return Promise.resolve(units.length);
    }
    return Promise.resolve(0);
  }

  private insertReadings(params: unknown[]): { inserted: number; missing: number[] } {
    const [ids, times, values, , sensors] = params.map(parseArray);
    if (values.some((v) => Number(v) === this.poison)) {
      throw sqlError('23514', 'new row for relation "sensor_readings" violates check constraint "value_range"');
    }
    const existing = new Set(this.sensorIds.values());
    let inserted = 0;
    ids.forEach((id, i) => {
      const row = { sensorId: Number(id), timeUs: Number(times[i]), value: Number(values[i]) };
      if (!existing.has(row.sensorId)) return;
      if (this.stored.some((r) => r.sensorId === row.sensorId && r.timeUs === row.timeUs)) return;
      this.stored.push(row);
      inserted++;
    });
    return { inserted, missing: sensors.map(Number).filter((id) => !existing.has(id)) };
  }
}

const baseConfig = {
  writerMaxRows: 1000,
  writerMaxPending: 10_000,
  writerSplitMaxStatements: 32,
  deadLetterMaxRows: 100_000,
};

function setUp(overrides: Partial<AppConfig> = {}) {
  const config = { ...baseConfig, ...overrides } as AppConfig;
  const db = new FakeDatabase();
  const pool = db as unknown as DatabasePool;
  const registry = new SensorRegistry(
    pool,
    new SensorCatalog({ maxUnits: 100, maxSensorsPerUnit: 100, maxNewSensorsPerMinute: 1000 }),
  );
  const bus = new EventBus();
  const stats = new PipelineStats();
  const deadLetters = new DeadLetterWriter(pool, config, {} as FeatureRegistry, {} as PeriodicJobs);
  /** Sensor ids the writer noted for last_seen, batch by batch. */
  const noted: number[][] = [];
  const lastSeen = { note: (ids: Iterable<number>) => void noted.push([...ids]) } as unknown as LastSeenWriter;
  // Seeded: every delay is 90 % of its ceiling (200 ms, 400 ms, … with 20 % jitter).
  const retry = new Backoff({ initialMs: 200, maxMs: 5000, random: () => 0.5 });
  const writer = new ReadingWriter(
    pool,
    registry,
    new UnitStatusWriter(pool),
    bus,
    stats,
    config,
    new WriteMetrics(),
    lastSeen,
    deadLetters,
    retry,
  );
  return { db, writer, stats, noted };
}

let clock = 0;
const reading = (value: number, sensorType = 'temperature'): ProcessedReading => ({
  unitId: 'U1',
  sensorType,
  value,
  quality: 'GOOD',
  time: Date.UTC(2025, 0, 1) + clock++,
  source: 'mqtt',
});

/** Acks that record when they were settled, in one shared order. */
function acks(names: string[], settled: string[]): BatchAck[] {
  return names.map((name) => ({ settle: () => void settled.push(name) }));
}

/** Lets the writer run every step that waits on nothing but promises (no timer is due). */
const idle = () => jest.advanceTimersByTimeAsync(0);

describe('ReadingWriter (writer stage, fake database)', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('settles each ack only once its batch is committed, in arrival order', async () => {
    const { db, writer } = setUp();
    const settled: string[] = [];
    const [first, second, third] = acks(['first', 'second', 'third'], settled);
    const release = db.hold();
    writer.enqueue({ readings: [reading(1), reading(2)] }, first);
    await idle();
    // Queued while the first write is in flight: they go together in the next statement.
    writer.enqueue({ readings: [reading(3)] }, second);
    writer.enqueue({ readings: [] }, third);
    await idle();
    expect(settled).toEqual([]);
    expect(db.stored).toHaveLength(0);
    release();
    await idle();
    expect(settled).toEqual(['first', 'second', 'third']);
    expect(db.stored.map((r) => r.value)).toEqual([1, 2, 3]);
    expect(writer.pending).toBe(0);
  });

  it('bisects a batch around a refused row: the row is dead-lettered, the rest stored, the ack settled', async () => {
    const { db, writer } = setUp();
    db.poison = 666;
    const settled: string[] = [];
    const values = [1, 2, 3, 4, 5, 666, 7, 8];
    writer.enqueue({ readings: values.map((v) => reading(v)) }, acks(['batch'], settled)[0]);
    await idle();
    expect(settled).toEqual(['batch']);
    expect(db.stored.map((r) => r.value).sort((x, y) => x - y)).toEqual([1, 2, 3, 4, 5, 7, 8]);
    expect(db.deadLetters).toEqual([{ unitId: 'U1', value: 666, sqlstate: '23514' }]);
    expect(writer.deadLettered).toBe(1);
    // The whole batch, then halves down to the one row: log2(8) levels of two statements each.
    expect(db.inserts).toBe(1 + 2 * 3);
  });

  it('dead-letters a refused run whole once the statement budget is spent, and still settles', async () => {
    const { db, writer } = setUp({ writerSplitMaxStatements: 2 });
    db.poison = 666;
    const settled: string[] = [];
    writer.enqueue({ readings: [1, 2, 3, 666].map((v) => reading(v)) }, acks(['batch'], settled)[0]);
    await idle();
    expect(settled).toEqual(['batch']);
    expect(db.stored.map((r) => r.value)).toEqual([1, 2]);
    expect(db.deadLetters.map((d) => d.value)).toEqual([3, 666]);
  });

  it.each([
    ['insufficient resources (53000)', sqlError('53000', 'too many connections')],
    ['a refused connection', Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' })],
  ])(
    'retries %s with the backoff, holding the ack (and the ones behind it) until the write succeeds',
    async (_n, err) => {
      const { db, writer, stats } = setUp();
      const settled: string[] = [];
      const [first, second] = acks(['first', 'second'], settled);
      db.faults.push(err, err);
      writer.enqueue({ readings: [reading(1)] }, first);
      await idle();
      writer.enqueue({ readings: [reading(2)] }, second);
      expect(stats.writeErrors).toBe(1);
      expect(writer.lastError).toBe(err.message);

      // First retry after 90 % of 200 ms, not a millisecond earlier.
      const statements = db.statements;
      await jest.advanceTimersByTimeAsync(179);
      expect(db.statements).toBe(statements);
      await jest.advanceTimersByTimeAsync(1);
      expect(db.statements).toBeGreaterThan(statements);
      expect(stats.writeErrors).toBe(2);
      expect(settled).toEqual([]);

      // Second retry after 90 % of 400 ms; it succeeds, for both batches, in order.
      await jest.advanceTimersByTimeAsync(359);
      expect(settled).toEqual([]);
      await jest.advanceTimersByTimeAsync(1);
      expect(settled).toEqual(['first', 'second']);
      expect(db.stored.map((r) => r.value)).toEqual([1, 2]);
      expect(db.deadLetters).toEqual([]);
      expect(writer.lastError).toBeUndefined();
    },
  );

  it('starts the backoff again from its first delay after a success', async () => {
    const { db, writer } = setUp();
    const settled: string[] = [];
    db.faults.push(sqlError('57P01', 'terminating connection'));
    writer.enqueue({ readings: [reading(1)] }, acks(['a'], settled)[0]);
    await jest.advanceTimersByTimeAsync(180);
    expect(settled).toEqual(['a']);
    db.faults.push(sqlError('57P01', 'terminating connection'));
    writer.enqueue({ readings: [reading(2)] }, acks(['b'], settled)[0]);
    await jest.advanceTimersByTimeAsync(179);
    expect(settled).toEqual(['a']);
    await jest.advanceTimersByTimeAsync(1);
    expect(settled).toEqual(['a', 'b']);
  });

  it('stores the readings of a sensor deleted under the cache under its new row, dead-lettering nothing', async () => {
    const { db, writer, stats, noted } = setUp();
    const settled: string[] = [];
    writer.enqueue({ readings: [reading(1), reading(2, 'pressure')] }, acks(['before'], settled)[0]);
    await idle();
    const [oldId, pressureId] = noted[0];
    // DELETE FROM sensors by SQL: the writer's cache still holds the old id.
    expect(db.deleteSensor('U1', 'temperature')).toBe(oldId);
    expect(db.stored.map((r) => r.value)).toEqual([2]);

    writer.enqueue({ readings: [reading(3), reading(4, 'pressure'), reading(5)] }, acks(['after'], settled)[0]);
    await idle();
    expect(settled).toEqual(['before', 'after']);
    // The pressure reading is committed by the first statement, the temperature ones by the second (which holds only
    // them), under the id of the sensor row the refresh created.
    const newId = noted[1].find((id) => id !== pressureId)!;
    expect(newId).not.toBe(oldId);
    expect(db.stored).toEqual([
      { sensorId: pressureId, timeUs: expect.any(Number), value: 2 },
      { sensorId: pressureId, timeUs: expect.any(Number), value: 4 },
      { sensorId: newId, timeUs: expect.any(Number), value: 3 },
      { sensorId: newId, timeUs: expect.any(Number), value: 5 },
    ]);
    expect(db.inserts).toBe(1 + 2);
    expect(db.deadLetters).toEqual([]);
    expect(writer.deadLettered).toBe(0);
    expect(stats.stored).toBe(2 + 3);
    expect(noted[1].sort()).toEqual([pressureId, newId].sort());
  });

  it('dead-letters the readings of a sensor that is gone again on the second try, storing the rest', async () => {
    const { db, writer, stats } = setUp();
    const settled: string[] = [];
    writer.enqueue({ readings: [reading(1), reading(2, 'pressure')] }, acks(['before'], settled)[0]);
    await idle();
    db.deleteSensor('U1', 'temperature');
    // Deleted again between the refresh and the second INSERT (another session deleting it in a loop).
    const query = db.query.bind(db);
    let sensorInserts = 0;
    db.query = async (text, params) => {
      const rows = await query(text, params);
      if (text.includes('INSERT INTO sensors') && ++sensorInserts === 1) db.deleteSensor('U1', 'temperature');
      return rows;
    };
    writer.enqueue({ readings: [reading(3), reading(4, 'pressure')] }, acks(['after'], settled)[0]);
    await idle();
    expect(settled).toEqual(['before', 'after']);
    expect(db.stored.map((r) => r.value)).toEqual([2, 4]);
    expect(db.deadLetters).toEqual([{ unitId: 'U1', value: 3, sqlstate: '23503' }]);
    expect(stats.stored).toBe(3);
    // The statement named the missing sensor: its readings are dead-lettered at once, with no halves tried.
    expect(db.inserts).toBe(1 + 2);
  });
});
