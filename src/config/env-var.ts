/** How a variable's text is read and checked at start-up. */
export type EnvKind = 'string' | 'int' | 'number' | 'bool' | 'enum';

/**
 * One environment variable: its type, default and a one-line description. The schema (src/config/env.schema.ts) and
 * every feature's slice (`<feature>.config.ts`) are records of these.
 */
export interface EnvVarSpec {
  kind: EnvKind;
  /** Value used when the variable is unset or empty; `undefined` means "not set" (optional). */
  default?: string;
  description: string;
  /** Values are never logged or returned by an API. */
  secret?: boolean;
  min?: number;
  max?: number;
  values?: readonly string[];
}
