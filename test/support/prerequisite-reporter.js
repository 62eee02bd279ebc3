import { relative } from 'node:path';

/** Same text as PREREQUISITE_MISSING in test/support/prerequisites.ts, between the square brackets it adds. */
const LABEL = /\[(prerequisite missing: [^\]]+)\]/;

/**
 * A Jest reporter that ends a run by listing, loudly, every test skipped because a prerequisite was missing
 * (describeWith/itWith in test/support/prerequisites.ts), by file and reason: a green run that skipped them proved
 * nothing about them, and must say so. With CI=true those tests fail instead, so there is nothing to list.
 * Plain JavaScript: Jest loads reporters without transforming them.
 */
export default class PrerequisiteReporter {
  /** `file\0label` → number of tests skipped. */
  #skipped = new Map();

  onTestResult(test, result) {
    for (const assertion of result.testResults) {
      if (assertion.status !== 'pending' && assertion.status !== 'skipped') continue;
      const match = LABEL.exec(assertion.fullName);
      if (match === null) continue;
      const key = `${relative(process.cwd(), test.path)}\0${match[1]}`;
      this.#skipped.set(key, (this.#skipped.get(key) ?? 0) + 1);
    }
  }

  onRunComplete() {
    if (this.#skipped.size === 0) return;
    const total = [...this.#skipped.values()].reduce((sum, n) => sum + n, 0);
    const lines = [...this.#skipped].map(([key, n]) => {
      const [file, label] = key.split('\0');
      return `  ${file}: ${n} test${n === 1 ? '' : 's'} skipped, ${label}`;
    });
    const rule = '='.repeat(100);
    process.stderr.write(
      [
        '',
        rule,
        `SKIPPED: ${total} test${total === 1 ? '' : 's'} did not run because a prerequisite is missing on this machine.`,
        'This run proves nothing about them. With CI=true they fail the run instead.',
        ...lines,
        rule,
        '',
      ].join('\n'),
    );
  }
}
