import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { APP_FEATURES } from './app.features.js';
import { featureMigrations } from './common/feature/feature-migrations.js';

const MIGRATIONS_DIR = fileURLToPath(new URL('../migrations/', import.meta.url));

describe('APP_FEATURES', () => {
  it('contributes every migration file exactly once, in the order of the files’ epochs', () => {
    const files = readdirSync(MIGRATIONS_DIR)
      .filter((file) => /^\d{13}-[A-Za-z]+\.ts$/.test(file))
      .sort();
    // `CreateTelemetry1764000000000` lives in `1764000000000-CreateTelemetry.ts`.
    const expected = files.map((file) => {
      const [, epoch, name] = /^(\d{13})-([A-Za-z]+)\.ts$/.exec(file)!;
      return `${name}${epoch}`;
    });
    const listed = APP_FEATURES.flatMap((feature) => feature.migrations ?? []).map((m) => m.name);
    expect([...listed].sort()).toEqual([...expected].sort());
    expect(featureMigrations(APP_FEATURES).map((m) => m.name)).toEqual(expected);
  });

  it('names each feature once', () => {
    const names = APP_FEATURES.map((feature) => feature.name);
    expect(new Set(names).size).toBe(names.length);
  });
});
