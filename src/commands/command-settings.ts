import { DEFAULT_DIGITAL_STATES, type PointKind, type PointState } from '../processor/point-kind.js';

/**
 * What makes a point writable: how its commands travel and what they may ask for. Stored on the sensor
 * (`sensors.command`), set by an engineer with PUT /api/v1/scada/sensors/{id}/command-settings.
 */

/**
 * The ways a command reaches a device, each a CommandChannel registered by its own feature. Whether a kind runs
 * here, and can reach the point, is the channel registry's answer, not this list.
 */
export const CHANNEL_KINDS = ['mqtt', 'opcua', 'sparkplug', 'modbus'] as const;
export type ChannelKind = (typeof CHANNEL_KINDS)[number];

/** How a command is known to have worked: the device's acknowledgement, the value read back, or both. */
export const CONFIRMATION_RULES = ['ack', 'readback', 'both'] as const;
export type ConfirmationRule = (typeof CONFIRMATION_RULES)[number];

/** Bounds of the timeout (ms): long enough for a round trip, short enough that an operator still waits for it. */
export const MIN_TIMEOUT_MS = 100;
export const MAX_TIMEOUT_MS = 600_000;
export const DEFAULT_TIMEOUT_MS = 10_000;

/** A writable point's command settings, as stored (snake_case, like the API). */
export interface CommandSettings {
  channel: ChannelKind;
  /** Analog only: smallest and largest value a command may set (inclusive); null = no bound. */
  min: number | null;
  max: number | null;
  /** Analog only: largest change one command may make against the last stored value; null = any. */
  max_step: number | null;
  /** Digital and enum only: the state values a command may set; null = every state of the point. */
  allowed_states: number[] | null;
  /** A command must carry a selection made with POST .../commands/select shortly before. */
  select_before_operate: boolean;
  confirmation: ConfirmationRule;
  /** Readback: how far the value read back may be from the commanded one (0 for digital and enum). */
  readback_tolerance: number;
  /** From issue to outcome; the command's `expires_at`. */
  timeout_ms: number;
}

/** A writable point with no limits, no selection, confirmed by the device's ack: what a declaration starts from. */
export const OPEN_COMMAND_SETTINGS: Readonly<CommandSettings> = Object.freeze({
  channel: 'mqtt',
  min: null,
  max: null,
  max_step: null,
  allowed_states: null,
  select_before_operate: false,
  confirmation: 'ack',
  readback_tolerance: 0,
  timeout_ms: DEFAULT_TIMEOUT_MS,
});

/** The point a setting or a command is about: its kind and state table. */
export interface PointShape {
  kind: PointKind;
  states: readonly PointState[] | null;
}

const finiteOrNull = (v: unknown): boolean => v === null || (typeof v === 'number' && Number.isFinite(v));

/**
 * What is wrong with these settings for this point, one sentence per problem (empty when usable). Checked again at
 * each command against the point as it is then (its states may have changed since). The channel is the command
 * service's to judge (CommandChannels knows which run and which points they reach).
 */
export function commandSettingsProblems(settings: CommandSettings, point: PointShape): string[] {
  const problems: string[] = [];
  // A Modbus device answers the write but sends no acknowledgement of the value: only the readback confirms.
  if (settings.channel === 'modbus' && settings.confirmation !== 'readback') {
    problems.push('channel modbus confirms by readback only: confirmation must be readback');
  }
  // Sparkplug has no command acknowledgement: the edge node's next NDATA/DDATA of the metric is the confirmation.
  if (settings.channel === 'sparkplug' && settings.confirmation !== 'readback') {
    problems.push('channel sparkplug confirms by readback only (the next NDATA/DDATA): confirmation must be readback');
  }
  for (const field of ['min', 'max', 'max_step'] as const) {
    if (!finiteOrNull(settings[field])) problems.push(`${field} must be a finite number or null`);
  }
  if (settings.min !== null && settings.max !== null && settings.min > settings.max) {
    problems.push(`min (${settings.min}) must not be above max (${settings.max})`);
  }
  if (settings.max_step !== null && !(settings.max_step > 0)) problems.push('max_step must be above 0 (or null)');
  if (!(settings.readback_tolerance >= 0) || !Number.isFinite(settings.readback_tolerance)) {
    problems.push('readback_tolerance must be a finite number of at least 0');
  }
  if (
    !Number.isInteger(settings.timeout_ms) ||
    settings.timeout_ms < MIN_TIMEOUT_MS ||
    settings.timeout_ms > MAX_TIMEOUT_MS
  ) {
    problems.push(`timeout_ms must be a whole number from ${MIN_TIMEOUT_MS} to ${MAX_TIMEOUT_MS}`);
  }
  if (point.kind === 'analog') {
    if (settings.allowed_states !== null) {
      problems.push('allowed_states is for digital and enum points; this point is analog (use min, max, max_step)');
    }
    return problems;
  }
  if (settings.min !== null || settings.max !== null || settings.max_step !== null) {
    problems.push(`min, max and max_step are for analog points; this point is ${point.kind} (use allowed_states)`);
  }
  if (settings.readback_tolerance !== 0) {
    problems.push(`readback_tolerance must be 0 for a ${point.kind} point: a state is read back exactly`);
  }
  if (settings.allowed_states !== null) {
    const known = new Set(pointStates(point).map((s) => s.value));
    if (settings.allowed_states.length === 0) problems.push('allowed_states must list at least one state (or be null)');
    const unknown = settings.allowed_states.filter((v) => !known.has(v));
    if (unknown.length > 0) {
      problems.push(`allowed_states ${unknown.join(', ')} are not states of this point (it has ${describe(point)})`);
    }
  }
  return problems;
}

/** The states a digital or enum point has, OFF/ON for an unlabelled digital point. */
export function pointStates(point: PointShape): readonly PointState[] {
  if (point.states !== null) return point.states;
  return point.kind === 'digital' ? DEFAULT_DIGITAL_STATES : [];
}

function describe(point: PointShape): string {
  return (
    pointStates(point)
      .map((s) => `${s.value}=${s.name}`)
      .join(', ') || 'no states'
  );
}
