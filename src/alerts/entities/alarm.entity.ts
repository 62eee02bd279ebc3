import { Column, Entity, PrimaryColumn } from 'typeorm';
import type { AlarmState } from '../alarm-lifecycle.js';
import type { AlertSeverity } from '../alert-rule.js';

/**
 * One alarm of one rule on one sensor (see alarm-lifecycle.ts). Written by AlarmWriter in batches, never through
 * this entity; read through it for history and restart.
 */
@Entity({ name: 'alarms' })
export class AlarmEntity {
  @PrimaryColumn({ type: 'uuid' })
  id!: string;

  @Column({ name: 'rule_id', type: 'uuid' })
  ruleId!: string;

  @Column({ name: 'unit_id', type: 'varchar', length: 64 })
  unitId!: string;

  @Column({ name: 'sensor_type', type: 'varchar', length: 64 })
  sensorType!: string;

  @Column({ type: 'varchar', length: 8 })
  severity!: AlertSeverity;

  @Column({ type: 'varchar', length: 24 })
  state!: AlarmState;

  @Column({ type: 'text' })
  message!: string;

  @Column({ type: 'double precision', nullable: true })
  value!: number | null;

  @Column({ type: 'double precision', nullable: true })
  threshold!: number | null;

  @Column({ name: 'raised_at', type: 'timestamptz' })
  raisedAt!: Date;

  @Column({ name: 'raise_count', type: 'integer', default: 1 })
  raiseCount!: number;

  @Column({ name: 'acknowledged_at', type: 'timestamptz', nullable: true })
  acknowledgedAt!: Date | null;

  @Column({ name: 'acknowledged_by', type: 'varchar', length: 128, nullable: true })
  acknowledgedBy!: string | null;

  @Column({ name: 'acknowledge_comment', type: 'varchar', length: 500, nullable: true })
  acknowledgeComment!: string | null;

  @Column({ name: 'cleared_at', type: 'timestamptz', nullable: true })
  clearedAt!: Date | null;

  @Column({ name: 'closed_at', type: 'timestamptz', nullable: true })
  closedAt!: Date | null;

  @Column({ name: 'shelved_until', type: 'timestamptz', nullable: true })
  shelvedUntil!: Date | null;

  @Column({ name: 'shelved_by', type: 'varchar', length: 128, nullable: true })
  shelvedBy!: string | null;

  @Column({ name: 'shelve_reason', type: 'varchar', length: 500, nullable: true })
  shelveReason!: string | null;

  @Column({ name: 'updated_at', type: 'timestamptz', default: () => 'now()' })
  updatedAt!: Date;
}
