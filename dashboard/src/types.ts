/**
 * Payloads of the backend's REST API and Socket.IO events, as the dashboard reads them. The server's DTOs are the
 * source of truth (the DTOs under src/, src/gateway, src/alerts/system-alert.ts); these copies cover the fields shown.
 */
export type Quality = 'GOOD' | 'UNCERTAIN' | 'BAD';
export type Severity = 'info' | 'warning' | 'high' | 'critical';
export type AlarmState = 'active_unacknowledged' | 'active_acknowledged' | 'cleared_unacknowledged' | 'cleared';

export interface UnitInfo {
  unit_id: string;
  status: string;
  last_seen: string | null;
  sensor_count: number;
}

export interface SensorInfo {
  id: number;
  unit_id: string;
  sensor_type: string;
  display_name: string | null;
  engineering_unit: string | null;
  valid_min: number | null;
  valid_max: number | null;
  kind?: 'analog' | 'digital' | 'enum';
  states?: { value: number; name: string }[] | null;
  /** Null for a read-only point (docs/commands.md). */
  command?: CommandSettings | null;
}

/** A writable point's command settings, as far as the control needs them. */
export interface CommandSettings {
  channel: string;
  min: number | null;
  max: number | null;
  allowed_states: number[] | null;
  select_before_operate: boolean;
}

export type CommandState = 'pending' | 'sent' | 'confirmed' | 'rejected' | 'failed' | 'timed_out';

/** A command as the API returns it and `command_status` carries it. */
export interface CommandStatus {
  id: string;
  unit_id: string;
  sensor_type: string;
  value: number;
  state: CommandState;
  reason: string | null;
}

/** The answer to POST …/commands/select. */
export interface Selection {
  selection_id: string;
  value: number;
  expires_at: string;
}

/** One reading in `sensor_data`. */
export interface LiveReading {
  sensor_type: string;
  value: number;
  quality: Quality;
  timestamp: string;
  /** Digital and enum points: the state's name (`ON`, `running`), shown instead of the number. */
  state?: string;
}

export interface SensorDataEvent {
  unit_id: string;
  readings: LiveReading[];
}

export interface UnitStatusEvent {
  unit_id: string;
  status: string;
  timestamp: string;
}

/** An alarm, from GET /alerts or a `system_alert` event (which lacks the bookkeeping fields). */
export interface Alarm {
  id: string;
  unit_id: string;
  sensor_type: string;
  severity: Severity;
  state: AlarmState;
  message: string;
  value: number | null;
  threshold: number | null;
  raised_at: string;
  acknowledged_at: string | null;
  cleared_at: string | null;
  shelved_until: string | null;
  acknowledged_by?: string | null;
  shelve_reason?: string | null;
  raise_count?: number;
  /** Only on `system_alert`: what happened. */
  action?: string;
}

/** GET /telemetry/latest (historian contract). */
export interface LatestResponse {
  units: {
    unit_id: string;
    sensors: { sensor_type: string; value: number; quality: Quality; time: string; state?: string }[];
  }[];
}

/** GET /telemetry/history (historian contract), raw or bucketed. */
export interface HistoryResponse {
  bucket: string | null;
  bucket_seconds?: number;
  points: { time: string; value?: number; avg?: number | null; min?: number | null; max?: number | null }[];
}

export interface ActiveScenario {
  unit_id: string;
  scenario: string;
  sensor: string;
  ends_at: string;
}

export interface SimulatorStatus {
  running: boolean;
  connected: boolean;
  units: number;
  interval_ms: number;
  rate: { target: number; achieved: number };
  active_scenarios: ActiveScenario[];
}

export interface ScenarioInfo {
  name: string;
  description: string;
  alarm_note: string;
  default_duration_s: number;
}
