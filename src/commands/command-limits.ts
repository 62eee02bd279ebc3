import { type CommandSettings, type PointShape, pointStates } from './command-settings.js';

/** A value as an operator sends it: a number, a boolean (digital points) or a state name (digital and enum). */
export type RequestedValue = number | boolean | string;

export type LimitCheck = { ok: true; value: number } | { ok: false; reason: string };

/**
 * Whether a command may ask for `requested` on this point, and the number it sends: the pure limit check, run before
 * anything is stored or published. `lastValue` is the last stored value of the point (null before the first),
 * which `max_step` is judged against: with no value yet, the step cannot be judged and only min/max apply.
 */
export function checkCommandValue(
  settings: CommandSettings,
  point: PointShape,
  requested: RequestedValue,
  lastValue: number | null,
): LimitCheck {
  if (point.kind === 'analog') {
    if (typeof requested !== 'number' || !Number.isFinite(requested)) {
      return { ok: false, reason: `value must be a finite number for an analog point, got ${show(requested)}` };
    }
    if (settings.min !== null && requested < settings.min) {
      return { ok: false, reason: `value ${requested} is below the point's minimum ${settings.min}` };
    }
    if (settings.max !== null && requested > settings.max) {
      return { ok: false, reason: `value ${requested} is above the point's maximum ${settings.max}` };
    }
    if (settings.max_step !== null && lastValue !== null && Math.abs(requested - lastValue) > settings.max_step) {
      return {
        ok: false,
        reason: `value ${requested} is more than max_step ${settings.max_step} away from the last stored value ${lastValue}`,
      };
    }
    return { ok: true, value: requested };
  }
  const states = pointStates(point);
  let value: number | undefined;
  if (typeof requested === 'boolean') {
    if (point.kind !== 'digital') return { ok: false, reason: 'true/false is for digital points; send a state' };
    value = requested ? 1 : 0;
  } else if (typeof requested === 'string') {
    value = states.find((s) => s.name.toLowerCase() === requested.toLowerCase())?.value;
    if (value === undefined) return { ok: false, reason: `'${requested}' is not a state of this point` };
  } else if (Number.isInteger(requested)) {
    value = requested;
  } else {
    return { ok: false, reason: `value must be a state of this ${point.kind} point, got ${show(requested)}` };
  }
  const allowed = settings.allowed_states ?? states.map((s) => s.value);
  if (!allowed.includes(value) || !states.some((s) => s.value === value)) {
    const names = states.filter((s) => allowed.includes(s.value)).map((s) => `${s.value}=${s.name}`);
    return { ok: false, reason: `value ${value} is not a state a command may set (allowed: ${names.join(', ')})` };
  }
  return { ok: true, value };
}

/** Whether a value read back confirms the commanded one. */
export function readsBack(
  settings: Pick<CommandSettings, 'readback_tolerance'>,
  commanded: number,
  read: number,
): boolean {
  return Math.abs(read - commanded) <= settings.readback_tolerance;
}

function show(value: unknown): string {
  return typeof value === 'string' ? `'${value}'` : String(value);
}
