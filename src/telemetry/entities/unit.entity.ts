import { Column, Entity, OneToMany, PrimaryColumn } from 'typeorm';
import type { Relation } from 'typeorm';
import { Sensor } from './sensor.entity.js';

/** A piece of plant equipment (e.g. `UNIT001`); created on its first reading. */
@Entity({ name: 'units' })
export class Unit {
  @PrimaryColumn({ type: 'varchar', length: 64 })
  id!: string;

  @Column({ type: 'varchar', length: 16, default: 'unknown' })
  status!: string;

  /** Time of the status report now in `status`; a report is applied only when newer. */
  @Column({ name: 'status_time', type: 'timestamptz', nullable: true })
  statusTime!: Date | null;

  @Column({ name: 'first_seen', type: 'timestamptz', default: () => 'now()' })
  firstSeen!: Date;

  /** When a reading of any of its sensors was last stored (database clock); set by ReadingWriter. */
  @Column({ name: 'last_seen', type: 'timestamptz', nullable: true })
  lastSeen!: Date | null;

  @OneToMany(() => Sensor, (sensor) => sensor.unit)
  sensors!: Relation<Sensor[]>;
}
