import { Column, Entity, JoinColumn, ManyToOne, PrimaryGeneratedColumn, Unique } from 'typeorm';
import type { Relation } from 'typeorm';
import { Unit } from './unit.entity.js';

/** One measured quantity of a unit (`UNIT001` / `temperature`); created on its first reading. */
@Entity({ name: 'sensors' })
@Unique('sensors_unit_type_key', ['unitId', 'sensorType'])
export class Sensor {
  @PrimaryGeneratedColumn()
  id!: number;

  @Column({ name: 'unit_id', type: 'varchar', length: 64 })
  unitId!: string;

  @Column({ name: 'sensor_type', type: 'varchar', length: 64 })
  sensorType!: string;

  @Column({ name: 'first_seen', type: 'timestamptz', default: () => 'now()' })
  firstSeen!: Date;

  @ManyToOne(() => Unit, (unit) => unit.sensors, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'unit_id' })
  unit!: Relation<Unit>;
}
