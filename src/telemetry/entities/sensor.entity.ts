import { Column, Entity, JoinColumn, ManyToOne, PrimaryGeneratedColumn, Unique } from 'typeorm';
import type { Relation } from 'typeorm';
import type { CommandSettings } from '../../commands/command-settings.js';
import type { PointKind, PointState } from '../../processor/point-kind.js';
import { Unit } from './unit.entity.js';

/**
 * One measured quantity of a unit (`UNIT001` / `temperature`); created on its first reading with default
 * settings, which the processor applies to every reading (see processor/sensor-settings.ts).
 */
@Entity({ name: 'sensors' })
@Unique('sensors_unit_type_key', ['unitId', 'sensorType'])
export class Sensor {
  @PrimaryGeneratedColumn()
  id!: number;

  @Column({ name: 'unit_id', type: 'varchar', length: 64 })
  unitId!: string;

  @Column({ name: 'sensor_type', type: 'varchar', length: 64 })
  sensorType!: string;

  @Column({ name: 'scale_factor', type: 'double precision', default: 1 })
  scaleFactor!: number;

  @Column({ type: 'double precision', default: 0 })
  offset!: number;

  @Column({ name: 'valid_min', type: 'double precision', nullable: true })
  validMin!: number | null;

  @Column({ name: 'valid_max', type: 'double precision', nullable: true })
  validMax!: number | null;

  @Column({ name: 'engineering_unit', type: 'varchar', length: 32, nullable: true })
  engineeringUnit!: string | null;

  @Column({ name: 'display_name', type: 'varchar', length: 128, nullable: true })
  displayName!: string | null;

  /** analog, digital or enum; null until set or declared (read as analog). */
  @Column({ type: 'varchar', length: 16, nullable: true })
  kind!: PointKind | null;

  /** State table of a digital (optional labels) or enum (required) point. */
  @Column({ type: 'jsonb', nullable: true })
  states!: PointState[] | null;

  /** Command settings of a writable point (src/commands); null = read-only. Set through the command settings API. */
  @Column({ type: 'jsonb', nullable: true })
  command!: CommandSettings | null;

  @Column({ name: 'first_seen', type: 'timestamptz', default: () => 'now()' })
  firstSeen!: Date;

  /** When a reading of it was last stored (database clock); set by ReadingWriter once per write batch. */
  @Column({ name: 'last_seen', type: 'timestamptz', nullable: true })
  lastSeen!: Date | null;

  /** When the settings last changed; other instances pick changes up by it (SensorSettingsSync). */
  @Column({ name: 'settings_updated_at', type: 'timestamptz', default: () => 'now()' })
  settingsUpdatedAt!: Date;

  @ManyToOne(() => Unit, (unit) => unit.sensors, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'unit_id' })
  unit!: Relation<Unit>;
}
