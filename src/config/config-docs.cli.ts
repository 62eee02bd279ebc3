/**
 * `npm run docs:config`: writes `.env.example` and the generated block of `docs/configuration.md` from
 * `src/config/env.schema.ts`. `--check` writes nothing and exits 1 while a file is stale (for CI).
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { configDocFiles, staleConfigDocs } from './config-docs.js';
import { ENV_SCHEMA } from './env.schema.js';

// dist/src/config/ → the repository root
const root = fileURLToPath(new URL('../../../', import.meta.url));
const read = (path: string): string | undefined =>
  existsSync(join(root, path)) ? readFileSync(join(root, path), 'utf8') : undefined;

try {
  if (process.argv.includes('--check')) {
    const stale = staleConfigDocs(ENV_SCHEMA, read);
    for (const message of stale) console.error(message);
    if (stale.length === 0) console.log('.env.example and docs/configuration.md match src/config/env.schema.ts');
    process.exitCode = stale.length === 0 ? 0 : 1;
  } else {
    for (const file of configDocFiles(ENV_SCHEMA)) {
      const current = read(file.path);
      const expected = file.expected(current);
      if (current === expected) {
        console.log(`${file.path}: up to date`);
      } else {
        writeFileSync(join(root, file.path), expected);
        console.log(`${file.path}: written`);
      }
    }
  }
} catch (err) {
  console.error(err instanceof Error ? err.message : err);
  process.exitCode = 2;
}
