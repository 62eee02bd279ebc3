/**
 * Point kinds: what a sensor's number means.
 *
 * - `analog`: a measurement (25.5 °C). Scale, offset and valid range apply.
 * - `digital`: two states, stored as 0 and 1 (a pump running, a breaker closed). Labels default to OFF/ON and may
 *   be renamed (CLOSED/OPEN); only 0 and 1 can be named.
 * - `enum`: a multi-state point whose whole numbers name states (0=stopped, 1=running, 2=fault).
 *
 * A digital or enum value is an identity, not a measurement: it is stored as sent (no scale, no offset, no valid
 * range); a value its state table does not name is stored too, with quality at most UNCERTAIN (see
 * reading.normalizer.ts), because the device said something the configuration does not know.
 */

export const POINT_KINDS = ['analog', 'digital', 'enum'] as const;
/** What a sensor's number means: a measurement, two states, or one of several named states. */
export type PointKind = (typeof POINT_KINDS)[number];

/** One named state of a digital or enum point. */
export interface PointState {
  /** The number the device sends (and that is stored): a whole number. */
  value: number;
  /** What operators read, e.g. `running`. */
  name: string;
}

/** Most states one enum point may have: a state table is a short list, not a lookup table of codes. */
export const MAX_STATES = 64;
export const MAX_STATE_NAME_LENGTH = 32;
/** A state name: printable, no control characters, no leading or trailing space. */
const STATE_NAME = /^[^\p{C}\s](?:[^\p{C}]*[^\p{C}\s])?$/u;

/** The labels of a digital point nobody has renamed. */
export const DEFAULT_DIGITAL_STATES: readonly PointState[] = Object.freeze([
  Object.freeze({ value: 0, name: 'OFF' }),
  Object.freeze({ value: 1, name: 'ON' }),
]);

/** A point's state names by value, and values by name (case-insensitive), built once per settings change. */
export class StateTable {
  private readonly names = new Map<number, string>();
  private readonly values = new Map<string, number>();

  constructor(readonly states: readonly PointState[]) {
    for (const { value, name } of states) {
      this.names.set(value, name);
      this.values.set(name.toLowerCase(), value);
    }
  }

  /** The name of a value, or undefined for a value the table does not know (a map lookup: the hot path's cost). */
  nameOf(value: number): string | undefined {
    return this.names.get(value);
  }

  /** The value a state name stands for, ignoring case, or undefined. */
  valueOf(name: string): number | undefined {
    return this.values.get(name.toLowerCase());
  }
}

/** The state table that applies to a point: none for analog, the OFF/ON default for an unlabelled digital point. */
export function stateTableFor(kind: PointKind, states: readonly PointState[] | null): StateTable | null {
  switch (kind) {
    case 'analog':
      return null;
    case 'digital':
      return new StateTable(states ?? DEFAULT_DIGITAL_STATES);
    case 'enum':
      return new StateTable(states ?? []);
  }
}

/** What is wrong with a kind and its states, as a message for the user, or undefined when they are usable. */
export function statesProblem(kind: PointKind, states: readonly PointState[] | null): string | undefined {
  if (!(POINT_KINDS as readonly string[]).includes(kind)) return `kind must be one of ${POINT_KINDS.join(', ')}`;
  if (kind === 'analog') return states === null ? undefined : 'an analog sensor has no states (send states: null)';
  if (states === null)
    return kind === 'enum' ? 'an enum sensor needs states, e.g. [{"value":0,"name":"stopped"}]' : undefined;
  if (states.length === 0 || states.length > MAX_STATES) return `states must list 1 to ${MAX_STATES} states`;
  const values = new Set<number>();
  const names = new Set<string>();
  for (const { value, name } of states) {
    if (!Number.isSafeInteger(value)) return `state value ${String(value)} must be a whole number`;
    if (typeof name !== 'string' || name.length > MAX_STATE_NAME_LENGTH || !STATE_NAME.test(name)) {
      return `state name ${JSON.stringify(name)} must be 1-${MAX_STATE_NAME_LENGTH} printable characters without surrounding spaces`;
    }
    if (values.has(value)) return `state value ${value} is listed twice`;
    if (names.has(name.toLowerCase())) return `state name '${name}' is listed twice`;
    values.add(value);
    names.add(name.toLowerCase());
  }
  if (kind === 'digital' && (states.length !== 2 || !values.has(0) || !values.has(1))) {
    return 'a digital sensor names exactly the values 0 and 1, e.g. [{"value":0,"name":"CLOSED"},{"value":1,"name":"OPEN"}]';
  }
  return undefined;
}
