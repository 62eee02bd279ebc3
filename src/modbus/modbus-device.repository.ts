import { Injectable } from '@nestjs/common';
import { DatabasePool } from '../common/database/database.pool.js';
import type { ModbusDevice, ModbusDeviceConfig, ModbusPoint } from './register-map.js';

interface DeviceRow {
  id: string;
  name: string;
  host: string;
  port: number;
  modbus_unit_id: number;
  poll_interval_ms: number;
  timeout_ms: number;
  max_gap: number;
  points: ModbusPoint[] | string;
  created_at: Date;
  updated_at: Date;
}

const COLUMNS =
  'id, name, host, port, modbus_unit_id, poll_interval_ms, timeout_ms, max_gap, points, created_at, updated_at';

function toDevice(r: DeviceRow): ModbusDevice {
  return {
    id: r.id,
    name: r.name,
    host: r.host,
    port: Number(r.port),
    modbusUnitId: Number(r.modbus_unit_id),
    pollIntervalMs: Number(r.poll_interval_ms),
    timeoutMs: Number(r.timeout_ms),
    maxGap: Number(r.max_gap),
    points: typeof r.points === 'string' ? (JSON.parse(r.points) as ModbusPoint[]) : r.points,
    createdAt: new Date(r.created_at),
    updatedAt: new Date(r.updated_at),
  };
}

function values(d: ModbusDeviceConfig): unknown[] {
  return [d.name, d.host, d.port, d.modbusUnitId, d.pollIntervalMs, d.timeoutMs, d.maxGap, JSON.stringify(d.points)];
}

/** Modbus devices and their register maps (control path: a few rows, read at start-up and changed over REST). */
@Injectable()
export class ModbusDeviceRepository {
  constructor(private readonly db: DatabasePool) {}

  async list(): Promise<ModbusDevice[]> {
    const rows = await this.db.query<DeviceRow>(`SELECT ${COLUMNS} FROM modbus_devices ORDER BY created_at, id`);
    return rows.map(toDevice);
  }

  /** Inserts the device; undefined when its name is taken (nothing is written then). */
  async insert(d: ModbusDeviceConfig): Promise<ModbusDevice | undefined> {
    const rows = await this.db.query<DeviceRow>(
      `INSERT INTO modbus_devices (name, host, port, modbus_unit_id, poll_interval_ms, timeout_ms, max_gap, points)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8::jsonb) ON CONFLICT (name) DO NOTHING RETURNING ${COLUMNS}`,
      values(d),
    );
    return rows.length === 1 ? toDevice(rows[0]) : undefined;
  }

  /** Replaces the device's configuration; undefined when it is gone or the new name belongs to another device. */
  async update(id: string, d: ModbusDeviceConfig): Promise<ModbusDevice | undefined> {
    const rows = await this.db.query<DeviceRow>(
      `UPDATE modbus_devices SET name = $1, host = $2, port = $3, modbus_unit_id = $4, poll_interval_ms = $5,
              timeout_ms = $6, max_gap = $7, points = $8::jsonb, updated_at = now()
        WHERE id = $9 AND NOT EXISTS (SELECT 1 FROM modbus_devices o WHERE o.name = $1 AND o.id <> $9)
       RETURNING ${COLUMNS}`,
      [...values(d), id],
    );
    return rows.length === 1 ? toDevice(rows[0]) : undefined;
  }

  async remove(id: string): Promise<boolean> {
    return (await this.db.execute('DELETE FROM modbus_devices WHERE id = $1', [id])) > 0;
  }
}
