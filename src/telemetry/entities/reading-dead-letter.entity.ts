import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';
import type { Quality, ReadingSource } from '../../common/bus/event-map.js';

/**
 * A reading the database refused for good (SQLSTATE class 22 or 23), with the reason (migration 1764000008000).
 * Written by DeadLetterWriter in one statement per refused batch, read by GET /api/v1/scada/dead-letters.
 */
@Entity({ name: 'reading_dead_letters' })
@Index('reading_dead_letters_unit_id', ['unitId', 'id'])
export class ReadingDeadLetter {
  @PrimaryGeneratedColumn({ type: 'bigint' })
  id!: string;

  @Index('reading_dead_letters_dead_lettered_at')
  @Column({ name: 'dead_lettered_at', type: 'timestamptz', default: () => 'now()' })
  deadLetteredAt!: Date;

  @Column({ name: 'unit_id', type: 'varchar', length: 64 })
  unitId!: string;

  @Column({ name: 'sensor_type', type: 'varchar', length: 64 })
  sensorType!: string;

  /** The sensor id the write used; null when the sensor could not be resolved. No foreign key: it may be gone. */
  @Column({ name: 'sensor_id', type: 'integer', nullable: true })
  sensorId!: number | null;

  @Column({ type: 'double precision', nullable: true })
  value!: number | null;

  @Column({ type: 'varchar', length: 9, nullable: true })
  quality!: Quality | null;

  /** The reading's own time. */
  @Column({ type: 'timestamptz', nullable: true })
  time!: Date | null;

  @Column({ type: 'varchar', length: 16 })
  source!: ReadingSource;

  /** PostgreSQL's SQLSTATE, e.g. 23514. */
  @Column({ type: 'varchar', length: 5 })
  sqlstate!: string;

  /** The condition name of the SQLSTATE (check_violation, foreign_key_violation, …), the label in /metrics. */
  @Column({ type: 'varchar', length: 64 })
  reason!: string;

  @Column({ name: 'constraint_name', type: 'varchar', length: 128, nullable: true })
  constraintName!: string | null;

  @Column({ type: 'text' })
  message!: string;
}
