import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The architecture rule behind "adding a feature touches its own folder and the app module, nothing in common/ or
 * health/": common/ may import common/, config/ and packages, never a feature folder; health/ may import health/ too,
 * and reads every feature through what it registered with the FeatureRegistry. Entry points (`*.cli.ts`) and specs
 * may also import the composition root (src/*.ts: app.module.ts, app.features.ts), which is what wires the features.
 * Migration files (migrations/, outside src/) are allowed: common/ contributes its own tables' migrations like a
 * feature does (common.feature.ts).
 */
const SRC_DIR = dirname(fileURLToPath(import.meta.url));
const COMMON_DIR = join(SRC_DIR, 'common');
const MIGRATIONS_DIR = join(dirname(SRC_DIR), 'migrations');

/** The folders that know no feature, and what each may import besides packages. */
const GUARDED: Record<string, readonly string[]> = {
  common: ['common', 'config'],
  health: ['common', 'config', 'health'],
};

/** Every module specifier of a TypeScript source: static and type imports, re-exports, side-effect and dynamic imports. */
function importSpecifiers(source: string): string[] {
  const patterns = [/\bfrom\s+['"]([^'"]+)['"]/g, /\bimport\s+['"]([^'"]+)['"]/g, /\bimport\s*\(\s*['"]([^'"]+)['"]/g];
  return patterns.flatMap((pattern) => [...source.matchAll(pattern)].map((match) => match[1]));
}

/** Why `specifier`, imported by the file at `file` (under a guarded folder), breaks the rule; undefined when it does not. */
function violation(file: string, specifier: string): string | undefined {
  const allowed = GUARDED[relative(SRC_DIR, file).split(sep)[0]] ?? [];
  if (!specifier.startsWith('.')) return undefined;
  const target = relative(SRC_DIR, resolve(dirname(file), specifier));
  if (target.startsWith('..')) {
    return relative(MIGRATIONS_DIR, resolve(dirname(file), specifier)).startsWith('..')
      ? `${specifier} (outside src/)`
      : undefined;
  }
  const [top, ...rest] = target.split(sep);
  if (allowed.includes(top)) return undefined;
  const compositionRoot = rest.length === 0;
  const entryPointOrSpec = /\.(cli|spec)\.ts$/.test(file);
  if (compositionRoot && entryPointOrSpec) return undefined;
  return compositionRoot ? `${specifier} (the composition root, from neither an entry point nor a spec)` : specifier;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') ? [path] : [];
  });
}

describe('common/ and health/ import no feature', () => {
  it('finds every kind of import, and tells a feature from common/, config/, a package and the root', () => {
    const source = [
      `import type { A } from '../../alerts/alert-rule.js';`,
      `import {\n  B,\n  type C,\n} from "../../mqtt/mqtt.module.js";`,
      `export { D } from '../../telemetry/entities/index.js';`,
      `import '../../opcua/side-effect.js';`,
      `const { E } = await import('../../gateway/gateway.module.js');`,
      `import { F } from '../bus/event-map.js';`,
      `import { G } from '../../config/app-config.js';`,
      `import { H } from '@nestjs/common';`,
      `import { I } from '../../app.features.js';`,
    ].join('\n');
    const service = join(COMMON_DIR, 'audit', 'audit-log.service.ts');
    const cli = join(COMMON_DIR, 'auth', 'keys.cli.ts');
    const found = importSpecifiers(source);
    expect(found).toHaveLength(9);
    expect(Object.fromEntries(found.map((s) => [s, violation(service, s) ?? 'allowed']))).toEqual({
      '../../alerts/alert-rule.js': '../../alerts/alert-rule.js',
      '../../mqtt/mqtt.module.js': '../../mqtt/mqtt.module.js',
      '../../telemetry/entities/index.js': '../../telemetry/entities/index.js',
      '../../opcua/side-effect.js': '../../opcua/side-effect.js',
      '../../gateway/gateway.module.js': '../../gateway/gateway.module.js',
      '../bus/event-map.js': 'allowed',
      '../../config/app-config.js': 'allowed',
      '@nestjs/common': 'allowed',
      '../../app.features.js': '../../app.features.js (the composition root, from neither an entry point nor a spec)',
    });
    expect(violation(cli, '../../app.features.js')).toBeUndefined();
    expect(violation(service, '../../../migrations/1764000006000-ApiKeysAndAuditLog.js')).toBeUndefined();
    expect(violation(cli, '../../../test/support/app.js')).toBe('../../../test/support/app.js (outside src/)');
  });

  it('lets health/ import health/, and nothing of a feature', () => {
    const controller = join(SRC_DIR, 'health', 'health.controller.ts');
    expect(violation(controller, './health.service.js')).toBeUndefined();
    expect(violation(controller, '../common/feature/feature.registry.js')).toBeUndefined();
    expect(violation(controller, '../mqtt/mqtt-connection.service.js')).toBe('../mqtt/mqtt-connection.service.js');
    expect(violation(controller, '../shutdown/shutdown.service.js')).toBe('../shutdown/shutdown.service.js');
    expect(violation(join(COMMON_DIR, 'version.ts'), '../health/health.service.js')).toBe(
      '../health/health.service.js',
    );
  });

  it.each(Object.keys(GUARDED))('holds for every file under src/%s', (folder) => {
    // This file's own examples above are strings, not imports (and it lives outside the guarded folders).
    const files = sourceFiles(join(SRC_DIR, folder));
    expect(files.length).toBeGreaterThan(folder === 'common' ? 50 : 5);
    const violations = files.flatMap((file) =>
      importSpecifiers(readFileSync(file, 'utf8'))
        .map((specifier) => violation(file, specifier))
        .filter((found) => found !== undefined)
        .map((found) => `${relative(SRC_DIR, file)} imports ${found}`),
    );
    expect(violations).toEqual([]);
  });
});
