import type { OutboundHostPolicy } from '../notifications/outbound-host.policy.js';
import { isBitArea, MAX_ADDRESS, type ModbusDeviceConfig, pointWidth } from './register-map.js';

/** Most points one device may map (the DTO refuses more before this runs). */
export const MAX_POINTS_PER_DEVICE = 2000;

/**
 * What is wrong with a device configuration, beyond the field-level checks of the DTO: the rules that need several
 * fields together. Empty when it may be stored. Pure: the host policy is handed in.
 *
 * - the host must be allowed (MODBUS_ALLOWED_HOSTS): whoever may create a device makes the backend open TCP
 *   connections from inside the plant network, so without a list this API would reach any internal service;
 * - the timeout must leave room in the poll interval (a poll of one block at least fits in one period);
 * - bits are `bool` and registers are numbers; scale and offset are for registers only (a bit is a digital
 *   point, stored as 0/1); only coils and holding registers are writable;
 * - a value ends at or before address 65535;
 * - one unit sensor is fed by one point only (two would interleave two signals into one series).
 */
export function deviceProblems(device: ModbusDeviceConfig, hosts: OutboundHostPolicy): string[] {
  const problems: string[] = [];
  const hostProblem = hosts.problem(device.host, device.port);
  if (hostProblem !== undefined) problems.push(hostProblem);
  if (device.timeoutMs > device.pollIntervalMs) {
    problems.push(`timeout_ms (${device.timeoutMs}) must not exceed poll_interval_ms (${device.pollIntervalMs})`);
  }
  if (device.points.length === 0) problems.push('points must map at least one point');
  if (device.points.length > MAX_POINTS_PER_DEVICE) {
    problems.push(`points may map at most ${MAX_POINTS_PER_DEVICE} points`);
  }
  const sensors = new Map<string, number>();
  device.points.forEach((p, i) => {
    const at = `points[${i}] (${p.unitId}/${p.sensorType})`;
    const bits = isBitArea(p.area);
    if (bits && p.dataType !== 'bool') problems.push(`${at}: ${p.area} holds bits, so data_type must be bool`);
    if (!bits && p.dataType === 'bool') {
      problems.push(`${at}: ${p.area} registers hold numbers; read bits from coil or discrete`);
    }
    if (bits && (p.scale !== 1 || p.offset !== 0)) {
      problems.push(`${at}: a bit is a digital point (0/1, stored exactly): scale must be 1 and offset 0`);
    }
    if (p.writable && p.area !== 'coil' && p.area !== 'holding') {
      problems.push(`${at}: only coil and holding points can be writable (${p.area} is read-only)`);
    }
    const last = p.address + pointWidth(p.dataType) - 1;
    if (last > MAX_ADDRESS) problems.push(`${at}: a ${p.dataType} at ${p.address} ends past address ${MAX_ADDRESS}`);
    const key = `${p.unitId}/${p.sensorType}`;
    const first = sensors.get(key);
    if (first !== undefined) problems.push(`${at}: ${key} is already fed by points[${first}]`);
    else sensors.set(key, i);
  });
  return problems;
}
