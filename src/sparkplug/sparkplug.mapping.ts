import { createHash } from 'node:crypto';
import { IDENTIFIER } from '../common/identifier.js';

const MAX = 64;
const HASH_CHARS = 8;

/** A short, stable digest of the original text: two long names that share a 55-character start stay apart. */
function digest(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, HASH_CHARS);
}

/** Our identifier rule (1–64 of `A-Za-z0-9_-`): others become `_`, runs of `_` collapse, long ones get a digest. */
function sanitise(text: string, lower: boolean): string | undefined {
  const cased = lower ? text.toLowerCase() : text;
  const clean = cased
    .replace(/[^A-Za-z0-9_-]+/g, '_')
    .replace(/_+/g, '_')
    .replace(/^_+|_+$/g, '');
  if (clean === '') return undefined;
  const fits = clean.length <= MAX ? clean : `${clean.slice(0, MAX - HASH_CHARS - 1)}-${digest(text)}`;
  return IDENTIFIER.test(fits) ? fits : undefined;
}

/**
 * The default unit of an edge node or device: `{group}_{edge node}` or `{group}_{edge node}_{device}`, sanitised
 * (case kept, so `Plant1/Line2` → `Plant1_Line2`). Stable: the same names always give the same unit.
 */
export function unitIdOf(group: string, edgeNode: string, device?: string): string | undefined {
  return sanitise(device === undefined ? `${group}_${edgeNode}` : `${group}_${edgeNode}_${device}`, false);
}

/** A metric name as a sensor type: lower case, `/`, spaces and other signs as `_` (`Motor/Speed` → `motor_speed`). */
export function sensorTypeOf(metricName: string): string | undefined {
  return sanitise(metricName, true);
}
