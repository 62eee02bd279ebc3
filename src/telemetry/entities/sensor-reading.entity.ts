import { Column, Entity, PrimaryColumn } from 'typeorm';
import type { Quality } from '../../common/bus/event-map.js';

/**
 * One stored reading. The primary key (sensor_id, time) makes writes idempotent: a redelivered reading is
 * absorbed by ON CONFLICT DO NOTHING. A TimescaleDB hypertable on `time` where the extension exists.
 * Written by ReadingWriter in batches, never through this entity on the hot path. sensor_id has no foreign key
 * (migration 1764000019000): ReadingWriter's statement checks the sensors once per batch, triggers on sensors cascade.
 */
@Entity({ name: 'sensor_readings' })
export class SensorReading {
  @PrimaryColumn({ name: 'sensor_id', type: 'integer' })
  sensorId!: number;

  @PrimaryColumn({ type: 'timestamptz' })
  time!: Date;

  @Column({ type: 'double precision' })
  value!: number;

  @Column({ type: 'varchar', length: 9 })
  quality!: Quality;
}
