import { AuditTrail } from '../common/audit/audit-trail.js';
import { BadRequestException, Injectable, NotFoundException } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { QueryFailedError, type Repository } from 'typeorm';
import { settingsProblem } from '../processor/sensor-settings.js';
import { type SensorResponseDto, toSensorResponse, type UpdateSensorDto } from './dto/sensor.dto.js';
import { toUnitResponse, type UnitResponseDto, type UnitRow } from './dto/unit.dto.js';
import { Sensor } from './entities/sensor.entity.js';
import { Unit } from './entities/unit.entity.js';
import { SensorSettingsSync, settingsOf } from './sensor-settings.sync.js';
import { assertUnitInScope, type Principal } from '../common/auth/principal.js';

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

  async listUnits(): Promise<UnitResponseDto[]> {
    const rows = await this.units
      .createQueryBuilder('u')
      .leftJoin('u.sensors', 's')
      .select('u.id', 'unit_id')
      .addSelect('u.status', 'status')
      .addSelect('u.first_seen', 'first_seen')
      .addSelect('u.last_seen', 'last_seen')
      .addSelect('count(s.id)::int', 'sensor_count')
      .groupBy('u.id')
      .orderBy('u.id')
      .getRawMany<UnitRow>();
    return rows.map(toUnitResponse);
  }

  async listSensors(unitId: string): Promise<SensorResponseDto[]> {
    if (!(await this.units.existsBy({ id: unitId }))) throw new NotFoundException(`Unknown unit '${unitId}'`);
    const sensors = await this.sensors.find({ where: { unitId }, order: { sensorType: 'ASC' } });
    return sensors.map(toSensorResponse);
  }

  /** Changes the settings sent, and puts them into effect for the next reading processed here. */
  async updateSettings(id: number, dto: UpdateSensorDto, by: Principal): Promise<SensorResponseDto> {
    const changes: SettingChanges = {};
    for (const [field, property] of Object.entries(SETTING_FIELDS) as [keyof UpdateSensorDto, keyof SettingChanges][]) {
      if (dto[field] !== undefined) Object.assign(changes, { [property]: dto[field] });
    }
    if (Object.keys(changes).length === 0) {
      throw new BadRequestException(
        `Nothing to change: send at least one of ${Object.keys(SETTING_FIELDS).join(', ')}`,
      );
    }
    const sensor = await this.sensors.findOneBy({ id });
    if (!sensor) throw new NotFoundException(`Unknown sensor ${id}`);
    assertUnitInScope(by, sensor.unitId, `Sensor ${id}`);
    // Judged on the result, so a PATCH of valid_max alone is checked against the stored valid_min.
    const problem = settingsProblem(settingsOf({ ...sensor, ...changes }));
    if (problem) throw new BadRequestException(problem);
    try {
      // clock_timestamp(), not now(): taken after the row lock, so of two racing updates the later-committed one
      // also carries the later time, which is how the other instances' caches order them.
      await this.sensors.update(id, { ...changes, settingsUpdatedAt: () => 'clock_timestamp()' });
    } catch (err) {
      // A concurrent PATCH of the other bound: the table's check has the last word.
      if (err instanceof QueryFailedError && (err.driverError as { code?: string }).code === CHECK_VIOLATION) {
        throw new BadRequestException('valid_min must be less than valid_max (the sensor changed meanwhile: retry)');
      }
      throw err;
    }
    const updated = await this.sensors.findOneByOrFail({ id });
    AuditTrail.change(toSensorResponse(sensor), toSensorResponse(updated));
    this.sync.apply(updated);
    return toSensorResponse(updated);
  }
}
