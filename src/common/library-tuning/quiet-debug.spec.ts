import { quietDebugFactory, quietDebugUnlessTracing, tracingWanted } from './quiet-debug.js';

describe('quietDebugFactory', () => {
  it('hands out loggers that print nothing and say they are off', () => {
    const createDebug = quietDebugFactory();
    const log = createDebug('mqtt-packet:parser');
    expect(log('parse %o', { cmd: 'publish' })).toBeUndefined();
    // No declared parameters (not even a rest one): a call allocates nothing for its arguments.
    expect(log.length).toBe(0);
    expect(log.enabled).toBe(false);
    expect(log.namespace).toBe('mqtt-packet:parser');
    expect(log.extend('length').namespace).toBe('mqtt-packet:parser:length');
    expect(log.extend('x', '/').namespace).toBe('mqtt-packet:parser/x');
  });

  it('answers the factory calls libraries make', () => {
    const createDebug = quietDebugFactory();
    expect(createDebug.enabled('socket.io:server')).toBe(false);
    expect(createDebug.disable()).toBe('');
    expect(() => createDebug.enable('*')).not.toThrow();
    expect(createDebug.default).toBe(createDebug);
    expect(createDebug.debug).toBe(createDebug);
    expect(createDebug.coerce(3)).toBe(3);
  });
});

describe('tracingWanted', () => {
  it.each([
    [undefined, false],
    ['', false],
    ['  ', false],
    ['mqttjs*', true],
    ['*', true],
  ])('DEBUG=%p: %p', (value, wanted) => {
    expect(tracingWanted(value)).toBe(wanted);
  });
});

describe('quietDebugUnlessTracing', () => {
  const PATH = '/app/node_modules/debug/src/index.js';
  const requireFrom = (cache: NodeJS.Require['cache'] = {}) => ({
    resolve: Object.assign(() => PATH, { paths: () => null }) as unknown as NodeJS.RequireResolve,
    cache,
  });

  it('puts the quiet factory in the module cache where `debug` resolves', () => {
    const fake = requireFrom();
    expect(quietDebugUnlessTracing(undefined, fake)).toBe(true);
    const entry = fake.cache[PATH]!;
    expect(entry.loaded).toBe(true);
    expect(entry.filename).toBe(PATH);
    const createDebug = entry.exports as ReturnType<typeof quietDebugFactory>;
    expect(createDebug('aedes').enabled).toBe(false);
  });

  it('leaves `debug` alone when DEBUG asks for tracing', () => {
    const fake = requireFrom();
    expect(quietDebugUnlessTracing('socket.io*', fake)).toBe(false);
    expect(fake.cache[PATH]).toBeUndefined();
  });

  it('leaves a `debug` that is already loaded alone', () => {
    const loaded = { exports: 'real debug' } as unknown as NodeJS.Module;
    const fake = requireFrom({ [PATH]: loaded });
    expect(quietDebugUnlessTracing(undefined, fake)).toBe(false);
    expect(fake.cache[PATH]).toBe(loaded);
  });
});
