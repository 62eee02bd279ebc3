import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';
import type { AlarmAction, AlarmState } from '../alarm-lifecycle.js';

/** One transition of an alarm, with when, who and why. Append-only: the database refuses updates and deletes. */
@Entity({ name: 'alarm_events' })
export class AlarmEventEntity {
  /** bigserial: pg returns int8 as a string, which keeps ids beyond 2^53 exact. */
  @PrimaryGeneratedColumn({ type: 'bigint' })
  id!: string;

  @Column({ name: 'alarm_id', type: 'uuid' })
  alarmId!: string;

  @Column({ type: 'varchar', length: 12 })
  action!: AlarmAction;

  @Column({ name: 'from_state', type: 'varchar', length: 24, nullable: true })
  fromState!: AlarmState | null;

  @Column({ name: 'to_state', type: 'varchar', length: 24 })
  toState!: AlarmState;

  @Column({ type: 'timestamptz' })
  at!: Date;

  @Column({ type: 'varchar', length: 128, nullable: true })
  actor!: string | null;

  @Column({ type: 'varchar', length: 500, nullable: true })
  comment!: string | null;

  @Column({ type: 'double precision', nullable: true })
  value!: number | null;

  @Column({ name: 'shelved_until', type: 'timestamptz', nullable: true })
  shelvedUntil!: Date | null;
}
