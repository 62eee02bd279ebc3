import type { Quality, UnitStatus } from '../common/bus/event-map.js';

/** One reading as HMIs receive it in `sensor_data`. */
export interface LiveReading {
  sensor_type: string;
  value: number;
  quality: Quality;
  /** ISO 8601, UTC. */
  timestamp: string;
  /**
   * Digital and enum points only: the name of the value's state (`ON`, `running`), so an HMI shows it without
   * asking for the state table. Absent on analog readings (nothing added to the common case) and on a value the
   * table does not name (its quality is then UNCERTAIN).
   */
  state?: string;
}

/** The `sensor_data` event: readings of one unit. */
export interface SensorDataEvent {
  unit_id: string;
  readings: LiveReading[];
}

/** A unit's new status as HMIs receive it in `unit_status`. */
export interface LiveUnitStatus {
  unit_id: string;
  status: UnitStatus;
  /** Time of the status report, ISO 8601, UTC. */
  timestamp: string;
}

/** One unit's readings from another instance, decoded once: as `sensor_data` carries them, and their times. */
export interface RemoteUnitReadings {
  unit_id: string;
  readings: LiveReading[];
  /** Each reading's time in epoch ms (sub-ms fraction kept), index for index: for the latest-value table. */
  times: number[];
}

/** One unit's readings as the fan-out holds them before they leave for other instances. */
export interface OutgoingUnitReadings {
  unitId: string;
  readings: readonly LiveReading[];
  /** Each reading's time in epoch ms, index for index. */
  times: readonly number[];
}
