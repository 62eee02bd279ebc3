import { AuditTrail } from '../common/audit/audit-trail.js';
import { BadRequestException, Injectable, NotFoundException } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { MoreThan, QueryFailedError, type Repository } from 'typeorm';
import { IDENTIFIER } from '../common/identifier.js';
import { decodeCursor, encodeCursor, FOREIGN_CURSOR } from '../common/paging.js';
import { statesProblem } from '../processor/point-kind.js';
import { settingsProblem } from '../processor/sensor-settings.js';
import { type SensorResponseDto, toSensorResponse, type UpdateSensorDto } from './dto/sensor.dto.js';
import {
  type ListPageQueryDto,
  MAX_LIST_PAGE,
  type SensorPageDto,
  toUnitResponse,
  type UnitPageDto,
  type UnitRow,
} from './dto/unit.dto.js';
import { Sensor } from './entities/sensor.entity.js';
import { Unit } from './entities/unit.entity.js';
import { SensorSettingsSync, settingsOf } from './sensor-settings.sync.js';
import { assertUnitInScope, type Principal } from '../common/auth/principal.js';

/** Tags of the list cursors (keyset: the last unit id, the last sensor type). */
const UNITS_CURSOR = 'units1';
const SENSORS_CURSOR = 'sensors1';

/** A page from rows fetched one past the limit: the extra row only tells that another page follows. */
function keysetPage<R, T>(
  rows: R[],
  limit: number,
  total: number,
  toItem: (row: R) => T,
  cursorTag: string,
  keyOf: (row: R) => string,
): { items: T[]; total: number; limit: number; next_cursor: string | null } {
  const items = rows.slice(0, limit);
  const last = items[items.length - 1];
  return {
    items: items.map(toItem),
    total,
    limit,
    next_cursor: rows.length > limit ? encodeCursor(cursorTag, [keyOf(last)]) : null,
  };
}

/** The keyset value of a list cursor; a 400 for a cursor this API did not give out. */
function afterKey(tag: string, cursor: string | undefined): string | undefined {
  if (cursor === undefined) return undefined;
  const key = decodeCursor(tag, cursor, 1)?.[0];
  if (key === undefined || !IDENTIFIER.test(key)) throw new BadRequestException(FOREIGN_CURSOR);
  return key;
}

/** PostgreSQL's SQLSTATE for a CHECK constraint violation. */
const CHECK_VIOLATION = '23514';

/** The settings a PATCH may change: DTO field → entity field. */
const SETTING_FIELDS = {
  scale_factor: 'scaleFactor',
  offset: 'offset',
  valid_min: 'validMin',
  valid_max: 'validMax',
  engineering_unit: 'engineeringUnit',
  display_name: 'displayName',
  kind: 'kind',
  states: 'states',
} as const satisfies Record<keyof UpdateSensorDto, keyof Sensor>;

type SettingChanges = Partial<Pick<Sensor, (typeof SETTING_FIELDS)[keyof typeof SETTING_FIELDS]>>;

/** Units and sensors as operators manage them: listing, and the processing settings of each sensor. */
@Injectable()
export class SensorsService {
  constructor(
    @InjectRepository(Unit) private readonly units: Repository<Unit>,
    @InjectRepository(Sensor) private readonly sensors: Repository<Sensor>,
    private readonly sync: SensorSettingsSync,
  ) {}

  /** A page of units by id, after the cursor's unit. */
  async listUnits(page: ListPageQueryDto = {}): Promise<UnitPageDto> {
    const limit = page.limit ?? MAX_LIST_PAGE;
    const after = afterKey(UNITS_CURSOR, page.cursor);
    const query = this.units
      .createQueryBuilder('u')
      .leftJoin('u.sensors', 's')
      .select('u.id', 'unit_id')
      .addSelect('u.status', 'status')
      .addSelect('u.first_seen', 'first_seen')
      .addSelect('u.last_seen', 'last_seen')
      .addSelect('count(s.id)::int', 'sensor_count')
      .groupBy('u.id')
      .orderBy('u.id')
      .limit(limit + 1); // one more than the page tells whether another follows
    if (after !== undefined) query.where('u.id > :after', { after });
    const [rows, total] = await Promise.all([query.getRawMany<UnitRow>(), this.units.count()]);
    return keysetPage(rows, limit, total, toUnitResponse, UNITS_CURSOR, (row) => row.unit_id);
  }

  /** A page of a unit's sensors by type, after the cursor's sensor type. */
  async listSensors(unitId: string, page: ListPageQueryDto = {}): Promise<SensorPageDto> {
    const limit = page.limit ?? MAX_LIST_PAGE;
    const after = afterKey(SENSORS_CURSOR, page.cursor);
    if (!(await this.units.existsBy({ id: unitId }))) throw new NotFoundException(`Unknown unit '${unitId}'`);
    const [rows, total] = await Promise.all([
      this.sensors.find({
        where: { unitId, ...(after === undefined ? {} : { sensorType: MoreThan(after) }) },
        order: { sensorType: 'ASC' },
        take: limit + 1,
      }),
      this.sensors.countBy({ unitId }),
    ]);
    return keysetPage(rows, limit, total, toSensorResponse, SENSORS_CURSOR, (row) => row.sensorType);
  }

  /** Changes the settings sent, and puts them into effect for the next reading processed here. */
  async updateSettings(id: number, dto: UpdateSensorDto, by: Principal): Promise<SensorResponseDto> {
    const changes: SettingChanges = {};
    for (const [field, property] of Object.entries(SETTING_FIELDS) as [keyof UpdateSensorDto, keyof SettingChanges][]) {
      if (dto[field] !== undefined) Object.assign(changes, { [property]: dto[field] });
    }
    // Stored as plain {value, name} entries (not DTO instances); an analog point has no states.
    if (dto.states) changes.states = dto.states.map(({ value, name }) => ({ value, name }));
    if (dto.kind === 'analog' && dto.states === undefined) changes.states = null;
    if (Object.keys(changes).length === 0) {
      throw new BadRequestException(
        `Nothing to change: send at least one of ${Object.keys(SETTING_FIELDS).join(', ')}`,
      );
    }
    const sensor = await this.sensors.findOneBy({ id });
    if (!sensor) throw new NotFoundException(`Unknown sensor ${id}`);
    assertUnitInScope(by, sensor.unitId, `Sensor ${id}`);
    // Judged on the result, so a PATCH of valid_max alone is checked against the stored valid_min.
    const merged = { ...sensor, ...changes };
    const problem = statesProblem(merged.kind ?? 'analog', merged.states) ?? settingsProblem(settingsOf(merged));
    if (problem) throw new BadRequestException(problem);
    try {
      // clock_timestamp(), not now(): taken after the row lock, so of two racing updates the later-committed one
      // also carries the later time, which is how the other instances' caches order them.
      await this.sensors.update(id, { ...changes, settingsUpdatedAt: () => 'clock_timestamp()' });
    } catch (err) {
      // A concurrent PATCH of the other bound: the table's check has the last word.
      if (err instanceof QueryFailedError && (err.driverError as { code?: string }).code === CHECK_VIOLATION) {
        throw new BadRequestException(
          'valid_min must be less than valid_max, and an enum needs states (the sensor changed meanwhile: retry)',
        );
      }
      throw err;
    }
    const updated = await this.sensors.findOneByOrFail({ id });
    AuditTrail.change(toSensorResponse(sensor), toSensorResponse(updated));
    this.sync.apply(updated);
    return toSensorResponse(updated);
  }
}
