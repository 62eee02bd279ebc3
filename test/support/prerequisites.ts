import { existsSync } from 'node:fs';
import { realPostgresReachable, timescaleVersionAtPgUrl } from './target.js';

/** Something a spec needs that a machine may lack: a binary, a service. */
export interface Prerequisite {
  /** What it is, as a failure names it: `mosquitto binary`. */
  name: string;
  met: boolean;
  /** How to get it. */
  hint: string;
}

/**
 * The marker in the title of every test skipped for a missing prerequisite; test/support/prerequisite-reporter.js
 * lists them at the end of the run by it.
 */
export const PREREQUISITE_MISSING = 'prerequisite missing:';

/** CI=true (or any value but '', 'false', '0'): nothing may be skipped. */
export const IN_CI = !['', 'false', '0'].includes((process.env.CI ?? '').trim().toLowerCase());

function missingLabel(prerequisites: readonly Prerequisite[]): string | undefined {
  const missing = prerequisites.filter((p) => !p.met);
  if (missing.length === 0) return undefined;
  // No square brackets inside: the reporter finds the label between them.
  return `${PREREQUISITE_MISSING} ${missing.map((p) => `${p.name} (${p.hint})`.replace(/[[\]]/g, '')).join(', ')}`;
}

function failing(label: string): () => never {
  return () => {
    throw new Error(`${label}. CI=true runs every suite: install it on the CI machine.`);
  };
}

/**
 * `describe`, when every prerequisite is met. Otherwise, with CI set, a suite of one failing test named after what
 * is missing, so the run fails and says why; without CI, the suite is skipped with what is missing in its title,
 * and the run ends by listing it (test/support/prerequisite-reporter.js): a green run that skipped is never silent.
 */
export function describeWith(prerequisites: readonly Prerequisite[], title: string, body: () => void): void {
  const label = missingLabel(prerequisites);
  if (label === undefined) describe(title, body);
  else if (IN_CI) describe(title, () => it(label, failing(label)));
  else describe.skip(`${title} [${label}]`, body);
}

/** `it` under the same rule as describeWith, for one test of a suite that can otherwise run. */
export function itWith(
  prerequisites: readonly Prerequisite[],
  name: string,
  fn: () => Promise<unknown>,
  timeout?: number,
): void {
  const label = missingLabel(prerequisites);
  if (label === undefined) it(name, fn, timeout);
  else if (IN_CI) it(`${name} [${label}]`, failing(label));
  else it.skip(`${name} [${label}]`, fn, timeout);
}

/** The real PostgreSQL (PG_URL), for specs that need it whatever E2E_TARGET says. */
export async function realPostgres(): Promise<Prerequisite> {
  return {
    name: 'PostgreSQL at PG_URL',
    met: await realPostgresReachable(),
    hint: 'default 127.0.0.1:5432, user postgres; it holds the database both instances share',
  };
}

/** A Chromium binary for the browser specs (Debian's, no download). */
export function chromiumAt(path: string): Prerequisite {
  return { name: `Chromium at ${path}`, met: existsSync(path), hint: 'apt-get install chromium, or set CHROMIUM_PATH' };
}

/**
 * TimescaleDB at PG_URL (available and in shared_preload_libraries), for the specs of E2E_TARGET=timescale. Under
 * CI a target without it fails by name instead of running the Timescale specs against plain PostgreSQL.
 */
export async function timescaleAtPgUrl(): Promise<Prerequisite> {
  const version = await timescaleVersionAtPgUrl();
  return {
    name: `TimescaleDB at PG_URL${version === null ? '' : ` (${version})`}`,
    met: version !== null,
    hint: 'install ../shared/timescaledb and start a cluster with it preloaded, as .ci/run does; see docs/timescale.md',
  };
}
