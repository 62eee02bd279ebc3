import { BadRequestException, Injectable, NotFoundException } from '@nestjs/common';
import type {
  BucketPointDto,
  HistoryQueryDto,
  HistoryResponseDto,
  LatestResponseDto,
  LatestSensorDto,
  LatestUnitDto,
} from './dto/history.dto.js';
import type { Quality } from '../common/bus/event-map.js';
import { SensorSettingsCache } from '../processor/sensor-settings.cache.js';
import { type Aggregate, encodeCursor, type HistoryPlan, isoFromMicros, planHistory } from './history.plan.js';
import { LatestValues } from './latest-values.service.js';
import { TelemetryRepository } from './telemetry.repository.js';

/** Readings per query while a CSV export walks a raw range. */
const CSV_PAGE = 5000;

/** A CSV export, checked and ready to stream: the header line, then data lines in chunks. */
export interface CsvExport {
  filename: string;
  lines: AsyncIterable<string>;
}

/**
 * The historian's reads: latest values from memory, history from the database. Checks the request (400 with the
 * reason), resolves the sensor (404 for an unknown unit or sensor), then answers raw pages or buckets.
 */
@Injectable()
export class HistoryService {
  constructor(
    private readonly latestValues: LatestValues,
    private readonly repository: TelemetryRepository,
    private readonly settings: SensorSettingsCache,
  ) {}

  /** One latest reading as the API answers it: digital and enum points with the name of their state. */
  private latestSensor(
    unitId: string,
    sensorType: string,
    value: number,
    quality: Quality,
    time: string,
  ): LatestSensorDto {
    const sensor: LatestSensorDto = { sensor_type: sensorType, value, quality, time };
    const state = this.settings.stateName(unitId, sensorType, value);
    if (state !== undefined) sensor.state = state;
    return sensor;
  }

  async latest(unitId?: string): Promise<LatestResponseDto> {
    if (!this.latestValues.filled) return this.latestFromDatabase(unitId);
    const unitIds = unitId === undefined ? this.latestValues.unitIds() : [unitId];
    const units: LatestUnitDto[] = [];
    for (const id of unitIds) {
      const values = this.latestValues.unit(id);
      if (values === undefined) {
        // Known to the database but without any reading yet: an empty list rather than a 404.
        if (!(await this.repository.unitExists(id))) throw new NotFoundException(`Unknown unit '${id}'`);
        units.push({ unit_id: id, sensors: [] });
        continue;
      }
      units.push({
        unit_id: id,
        sensors: values.map((v) =>
          this.latestSensor(id, v.sensorType, v.value, v.quality, isoFromMicros(Math.round(v.time * 1000))),
        ),
      });
    }
    return { units };
  }

  /** The same answer from the database, while the in-memory table is still being filled after a start. */
  private async latestFromDatabase(unitId?: string): Promise<LatestResponseDto> {
    const rows = await this.repository.latest(unitId);
    const units = new Map<string, LatestUnitDto>();
    for (const r of rows) {
      let unit = units.get(r.unitId);
      if (unit === undefined) {
        unit = { unit_id: r.unitId, sensors: [] };
        units.set(r.unitId, unit);
      }
      unit.sensors.push(this.latestSensor(r.unitId, r.sensorType, r.value, r.quality, isoFromMicros(r.micros)));
    }
    if (unitId !== undefined && !units.has(unitId)) {
      if (!(await this.repository.unitExists(unitId))) throw new NotFoundException(`Unknown unit '${unitId}'`);
      return { units: [{ unit_id: unitId, sensors: [] }] };
    }
    return { units: [...units.values()] };
  }

  async history(query: HistoryQueryDto): Promise<HistoryResponseDto> {
    const { plan, sensorId } = await this.prepare(query);
    const header = {
      unit_id: query.unit_id,
      sensor_type: query.sensor_type,
      from: new Date(plan.fromMs).toISOString(),
      to: new Date(plan.toMs).toISOString(),
    };
    if (plan.mode === 'raw') {
      // One row more than the page tells whether another page follows, without a count.
      const rows = await this.repository.rawPage(sensorId, plan.fromMs, plan.toMs, plan.limit + 1, plan.afterMicros);
      const page = rows.slice(0, plan.limit);
      return {
        ...header,
        bucket: null,
        points: page.map((r) => ({ time: isoFromMicros(r.micros), value: r.value, quality: r.quality })),
        next_cursor: rows.length > plan.limit ? encodeCursor(page[page.length - 1].micros) : null,
      };
    }
    const { rows } = await this.repository.buckets({
      sensorId,
      fromMs: plan.fromMs,
      toMs: plan.toMs,
      bucketSeconds: plan.bucket.seconds,
      aggregates: plan.aggregates,
    });
    return {
      ...header,
      bucket: plan.bucket.label,
      bucket_seconds: plan.bucket.seconds,
      points: rows.map((r) => {
        const point: BucketPointDto = { time: new Date(r.ms).toISOString() };
        for (const a of plan.aggregates) point[a] = r[a];
        return point;
      }),
    };
  }

  /**
   * The same request as CSV: a header row, then every reading of the range (raw, walked in keyset pages, so memory
   * stays flat however long the range) or every bucket. `limit` and `cursor` of a raw request still apply: a
   * cursor starts after it, a limit caps the rows.
   */
  async csv(query: HistoryQueryDto): Promise<CsvExport> {
    const { plan, sensorId } = await this.prepare(query);
    const filename = `${query.unit_id}_${query.sensor_type}_${new Date(plan.fromMs).toISOString().replace(/[:.]/g, '')}.csv`;
    return { filename, lines: this.csvLines(plan, sensorId, query.limit) };
  }

  private async *csvLines(plan: HistoryPlan, sensorId: number, limit: number | undefined): AsyncGenerator<string> {
    if (plan.mode === 'bucketed') {
      const { rows } = await this.repository.buckets({
        sensorId,
        fromMs: plan.fromMs,
        toMs: plan.toMs,
        bucketSeconds: plan.bucket.seconds,
        aggregates: plan.aggregates,
      });
      yield `time,${plan.aggregates.join(',')}\n`;
      yield rows
        .map((r) => `${new Date(r.ms).toISOString()},${plan.aggregates.map((a: Aggregate) => r[a] ?? '').join(',')}\n`)
        .join('');
      return;
    }
    yield 'time,value,quality\n';
    let after = plan.afterMicros;
    let left = limit ?? Infinity;
    while (left > 0) {
      const rows = await this.repository.rawPage(sensorId, plan.fromMs, plan.toMs, Math.min(CSV_PAGE, left), after);
      if (rows.length === 0) return;
      yield rows.map((r) => `${isoFromMicros(r.micros)},${r.value},${r.quality}\n`).join('');
      left -= rows.length;
      if (rows.length < Math.min(CSV_PAGE, left + rows.length)) return;
      after = rows[rows.length - 1].micros;
    }
  }

  private async prepare(query: HistoryQueryDto): Promise<{ plan: HistoryPlan; sensorId: number }> {
    const plan = planHistory({
      from: query.from,
      to: query.to,
      bucket: query.bucket,
      agg: query.agg,
      maxPoints: query.max_points,
      limit: query.limit,
      cursor: query.cursor,
    });
    if (typeof plan === 'string') throw new BadRequestException(plan);
    const sensorId = await this.repository.sensorId(query.unit_id, query.sensor_type);
    if (sensorId === undefined) {
      if (!(await this.repository.unitExists(query.unit_id))) {
        throw new NotFoundException(`Unknown unit '${query.unit_id}'`);
      }
      throw new NotFoundException(`Unit '${query.unit_id}' has no sensor '${query.sensor_type}'`);
    }
    return { plan, sensorId };
  }
}
