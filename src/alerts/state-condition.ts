/**
 * `equals` / `not_equals` by state name: a rule may say `"state": "fault"` instead of `"threshold": 2` for a digital
 * or enum point. The name is resolved to its number when the rule is saved, against the state tables of the
 * sensors the rule covers (its unit's, or every unit's for a plant-wide rule), and stored as the threshold: the
 * evaluator compares numbers, as for any other point. Pure: the state tables are a parameter.
 */
import type { AlertCondition } from './alert-rule.js';
import type { StateTable } from '../processor/point-kind.js';

/** Conditions a state name may stand in for the threshold of. */
export const STATE_CONDITIONS: readonly AlertCondition[] = ['equals', 'not_equals'];

export interface StateRule {
  condition: AlertCondition;
  sensorType: string;
  unitId: string | null;
  deadband: number;
}

/** The threshold a state name stands for, or a sentence saying why it cannot be resolved. */
export function stateThreshold(
  rule: StateRule,
  state: string,
  thresholdSent: boolean,
  tables: Iterable<{ readonly states?: StateTable | null }>,
): { ok: true; threshold: number } | { ok: false; problem: string } {
  const fail = (problem: string) => ({ ok: false as const, problem });
  if (!STATE_CONDITIONS.includes(rule.condition)) {
    return fail(`state applies to equals and not_equals only (not ${rule.condition})`);
  }
  if (thresholdSent) return fail('send either state or threshold, not both');
  if (rule.deadband !== 0) return fail('a state is matched exactly: deadband must be 0 with state');
  const where = rule.unitId === null ? `on any unit` : `on ${rule.unitId}`;
  const values = new Set<number>();
  const known = new Set<string>();
  for (const { states } of tables) {
    if (!states) continue;
    const value = states.valueOf(state);
    if (value !== undefined) values.add(value);
    for (const s of states.states) if (known.size < 20) known.add(s.name);
  }
  if (values.size === 0) {
    return fail(
      known.size === 0
        ? `no digital or enum sensor '${rule.sensorType}' ${where}: set its kind and states first, or give the number as threshold`
        : `no '${rule.sensorType}' sensor ${where} has a state '${state}' (known: ${[...known].join(', ')})`,
    );
  }
  if (values.size > 1) {
    return fail(
      `state '${state}' means ${[...values].join(' or ')} on different units: make one rule per unit, or give threshold`,
    );
  }
  return { ok: true, threshold: [...values][0] };
}
