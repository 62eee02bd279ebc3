import type { Quality, UnitStatus } from '../common/bus/event-map.js';

/** One reading as HMIs receive it in `sensor_data`. */
export interface LiveReading {
  sensor_type: string;
  value: number;
  quality: Quality;
  /** ISO 8601, UTC. */
  timestamp: string;
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
