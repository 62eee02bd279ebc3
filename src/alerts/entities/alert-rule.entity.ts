import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';
import type { AlertCondition, AlertSeverity, RatePeriod } from '../alert-rule.js';

/**
 * A stored alert rule (see alert-rule.ts for what each field means). Soft-deleted: `deletedAt` set, the row kept,
 * so the alarms it raised still say which limit they broke.
 */
@Entity({ name: 'alert_rules' })
export class AlertRuleEntity {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column({ name: 'sensor_type', type: 'varchar', length: 64 })
  sensorType!: string;

  @Column({ name: 'unit_id', type: 'varchar', length: 64, nullable: true })
  unitId!: string | null;

  @Column({ type: 'varchar', length: 24 })
  condition!: AlertCondition;

  @Column({ type: 'double precision', nullable: true })
  threshold!: number | null;

  @Column({ type: 'double precision', nullable: true })
  low!: number | null;

  @Column({ type: 'double precision', nullable: true })
  high!: number | null;

  @Column({ name: 'rate_per', type: 'varchar', length: 6, nullable: true })
  ratePer!: RatePeriod | null;

  @Column({ type: 'varchar', length: 8 })
  severity!: AlertSeverity;

  @Column({ type: 'varchar', length: 500 })
  message!: string;

  @Column({ type: 'double precision', default: 0 })
  deadband!: number;

  @Column({ name: 'on_delay_s', type: 'double precision', default: 0 })
  onDelaySeconds!: number;

  @Column({ name: 'off_delay_s', type: 'double precision', default: 0 })
  offDelaySeconds!: number;

  @Column({ type: 'boolean', default: true })
  enabled!: boolean;

  @Column({ name: 'created_at', type: 'timestamptz', default: () => 'now()' })
  createdAt!: Date;

  @Column({ name: 'updated_at', type: 'timestamptz', default: () => 'now()' })
  updatedAt!: Date;

  @Column({ name: 'deleted_at', type: 'timestamptz', nullable: true })
  deletedAt!: Date | null;
}
