import 'reflect-metadata';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { jest } from '@jest/globals';
import type { DynamicModule, Type } from '@nestjs/common';
import { ConfigModule } from '@nestjs/config';
import { PUBLIC_ACCESS, REQUIRED_ROLE, ROLES } from './access.js';

const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '../../..');

// @nestjs/throttler is CommonJS requiring the ESM-only @nestjs/common, which Jest's ESM mode cannot load on Node 20.
// It holds no routes, so a stand-in lets the real AppModule be scanned.
jest.unstable_mockModule('@nestjs/throttler', () => {
  class ThrottlerModule {
    static forRootAsync(): DynamicModule {
      return { module: ThrottlerModule };
    }
  }
  class ThrottlerGuard {}
  return { ThrottlerModule, ThrottlerGuard, ThrottlerStorage: Symbol('ThrottlerStorage') };
});
// node-opcua is CommonJS requiring the ESM-only hexy, which Jest's ESM mode cannot load either. Its classes hold no
// routes: every name the sources import from it becomes an inert stand-in.
jest.unstable_mockModule('node-opcua', () => {
  const inert: object = new Proxy(function inert() {}, {
    get: (_target, property) => (property === Symbol.toPrimitive ? () => 0 : inert),
    apply: () => inert,
    construct: () => inert,
  });
  return Object.fromEntries(namesImportedFrom('node-opcua', join(repoRoot, 'src')).map((name) => [name, inert]));
});
const { AppModule } = await import('../../app.module.js');

/** The value (not type) names the project's sources import from `pkg`. */
function namesImportedFrom(pkg: string, dir: string): string[] {
  const names = new Set<string>();
  for (const entry of readdirSync(dir, { recursive: true, encoding: 'utf8' })) {
    if (!entry.endsWith('.ts') || entry.endsWith('.spec.ts')) continue;
    const source = readFileSync(join(dir, entry), 'utf8');
    for (const match of source.matchAll(/^import\s+\{([^}]*)\}\s+from\s+'([^']+)'/gm)) {
      if (match[2] !== pkg) continue;
      for (const part of match[1].split(',')) {
        const name = part.trim();
        if (name !== '' && !name.startsWith('type ')) names.add(name.split(/\s+as\s+/)[0]);
      }
    }
  }
  return [...names];
}

/** The routes and events open to anyone on purpose; anything else without a role fails this test. */
const PUBLIC = [
  'HealthController.summary',
  'HealthController.live',
  'HealthController.ready',
  'MetricsController.scrape',
  'DashboardController.index',
];

type ModuleRef = Type | DynamicModule | Promise<DynamicModule> | undefined;

/** Every controller and provider class reachable from the application module, as Nest would register them. */
function collect(root: DynamicModule): { controllers: Set<Type>; providers: Set<Type> } {
  const controllers = new Set<Type>();
  const providers = new Set<Type>();
  const seen = new Set<unknown>();
  const visit = (ref: ModuleRef): void => {
    if (ref === undefined || ref instanceof Promise || seen.has(ref)) return;
    seen.add(ref);
    const cls = 'module' in ref ? ref.module : ref;
    const dynamic = 'module' in ref ? ref : undefined;
    const meta = (key: string): unknown[] => (Reflect.getMetadata(key, cls) as unknown[] | undefined) ?? [];
    for (const c of [...meta('controllers'), ...(dynamic?.controllers ?? [])]) controllers.add(c as Type);
    for (const p of [...meta('providers'), ...(dynamic?.providers ?? [])]) {
      if (typeof p === 'function') providers.add(p as Type);
      else if (typeof p === 'object' && p !== null && 'useClass' in p) providers.add(p.useClass as Type);
    }
    for (const i of [...meta('imports'), ...(dynamic?.imports ?? [])]) visit(i as ModuleRef);
  };
  visit(root);
  return { controllers, providers };
}

function methodsOf(cls: Type): string[] {
  const proto = cls.prototype as object;
  return Object.getOwnPropertyNames(proto).filter(
    (name) => name !== 'constructor' && typeof Object.getOwnPropertyDescriptor(proto, name)?.value === 'function',
  );
}

/** `RequireRole` and `PublicAccess` as set on the handler or its class (the guard reads both). */
function accessOf(cls: Type, method: string): { role?: string; public?: string } {
  const handler = (cls.prototype as Record<string, unknown>)[method] as object;
  return {
    role: (Reflect.getMetadata(REQUIRED_ROLE, handler) ?? Reflect.getMetadata(REQUIRED_ROLE, cls)) as
      string | undefined,
    public: (Reflect.getMetadata(PUBLIC_ACCESS, handler) ?? Reflect.getMetadata(PUBLIC_ACCESS, cls)) as
      string | undefined,
  };
}

describe('access rules on every route and gateway event', () => {
  // The routes do not depend on the configuration's values: the unvalidated module stands in for loadAppConfig's.
  const config = { module: ConfigModule };
  const runtime = {
    databaseUrl: 'postgres://x',
    databaseEmbedded: true,
    brokerHost: 'x',
    brokerPort: 1,
    brokerEmbedded: true,
  };
  const { controllers, providers } = collect(AppModule.forRoot(config, runtime));

  const handlers: { name: string; role?: string; public?: string }[] = [];
  for (const controller of controllers) {
    for (const method of methodsOf(controller)) {
      const handler = (controller.prototype as Record<string, unknown>)[method] as object;
      if (Reflect.getMetadata('path', handler) === undefined) continue; // not a route
      handlers.push({ name: `${controller.name}.${method}`, ...accessOf(controller, method) });
    }
  }
  for (const provider of providers) {
    if (Reflect.getMetadata('websockets:is_gateway', provider) !== true) continue;
    for (const method of methodsOf(provider)) {
      const handler = (provider.prototype as Record<string, unknown>)[method] as object;
      if (Reflect.getMetadata('message', handler) === undefined) continue; // not an event handler
      handlers.push({ name: `${provider.name}.${method} (socket)`, ...accessOf(provider, method) });
    }
  }

  it('finds the application routes and events (so an empty scan cannot pass)', () => {
    const names = handlers.map((h) => h.name);
    expect(names).toEqual(
      expect.arrayContaining([
        'MqttController.publish',
        'AlertsController.acknowledge',
        'ApiKeysController.create',
        'AuditController.list',
        'UnitRoomGateway.subscribe (socket)',
      ]),
    );
    expect(handlers.length).toBeGreaterThan(25);
  });

  it('gives each one exactly one of a known role or a public reason', () => {
    const wrong = handlers
      .filter(
        (h) => (h.role === undefined) === (h.public === undefined) || (h.role && !ROLES.includes(h.role as never)),
      )
      .map((h) => h.name);
    expect(wrong).toEqual([]);
  });

  it('opens only the listed exceptions to the public', () => {
    expect(
      handlers
        .filter((h) => h.public !== undefined)
        .map((h) => h.name)
        .sort(),
    ).toEqual([...PUBLIC].sort());
  });

  it('keeps the management actions at the roles of the contract', () => {
    const role = (name: string) => handlers.find((h) => h.name === name)?.role;
    expect(role('AlertsController.acknowledge')).toBe('operator');
    expect(role('AlertsController.shelve')).toBe('operator');
    expect(role('AlertRulesController.create')).toBe('engineer');
    expect(role('SensorsController.update')).toBe('engineer');
    expect(role('MqttController.publish')).toBe('engineer');
    expect(role('SimulatorController.start')).toBe('engineer');
    expect(role('MqttController.connect')).toBe('admin');
    expect(role('MqttController.disconnect')).toBe('admin');
    expect(role('ApiKeysController.create')).toBe('admin');
    expect(role('AuditController.list')).toBe('admin');
    expect(role('OpcuaController.connect')).toBe('admin');
    expect(role('OpcuaController.disconnect')).toBe('admin');
    expect(role('OpcuaController.subscribe')).toBe('engineer');
    expect(role('OpcuaController.unsubscribe')).toBe('engineer');
    expect(role('OpcuaController.browse')).toBe('engineer');
    expect(role('OpcuaController.read')).toBe('engineer');
    expect(role('TelemetryController.historyJson')).toBe('viewer');
    expect(role('TelemetryController.historyCsv')).toBe('viewer');
  });
});
