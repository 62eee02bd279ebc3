import { createRequire, Module } from 'node:module';

/** What a `debug` logger is to the libraries that call it: a function with a few fields. */
export interface QuietDebugger {
  (...args: unknown[]): void;
  namespace: string;
  enabled: boolean;
  useColors: boolean;
  color: string;
  diff: number;
  log: () => void;
  extend(sub: string, delimiter?: string): QuietDebugger;
  destroy(): boolean;
}

/** The `debug` package's factory as its callers use it: `debug(namespace)`, `debug.enabled(name)`, `debug.enable()`. */
export interface QuietDebugFactory {
  (namespace: string): QuietDebugger;
  debug: QuietDebugFactory;
  default: QuietDebugFactory;
  enable(namespaces?: string): void;
  disable(): string;
  enabled(name?: string): boolean;
  coerce<T>(value: T): T;
  humanize(ms: number): string;
  selectColor(namespace: string): string;
  names: string[];
  skips: string[];
  formatters: Record<string, unknown>;
  inspectOpts: Record<string, unknown>;
}

const nothing = (): void => undefined;

/** A logger that does nothing. It declares no parameters, so a call allocates nothing for its arguments. */
function quietDebugger(namespace: string): QuietDebugger {
  return Object.assign(() => undefined, {
    namespace,
    enabled: false,
    useColors: false,
    color: '',
    diff: 0,
    log: nothing,
    extend: (sub: string, delimiter = ':') => quietDebugger(`${namespace}${delimiter}${sub}`),
    destroy: () => false,
  });
}

/** Stands in for the `debug` package when nobody asked for library tracing. */
export function quietDebugFactory(): QuietDebugFactory {
  const createDebug = (namespace: string): QuietDebugger => quietDebugger(namespace);
  createDebug.debug = createDebug;
  createDebug.default = createDebug;
  createDebug.enable = nothing;
  createDebug.disable = () => '';
  createDebug.enabled = () => false;
  createDebug.coerce = <T>(value: T): T => value;
  createDebug.humanize = (ms: number) => `${ms}ms`;
  createDebug.selectColor = () => '';
  createDebug.names = [] as string[];
  createDebug.skips = [] as string[];
  createDebug.formatters = {};
  createDebug.inspectOpts = {};
  return createDebug;
}

/** DEBUG unset or blank: nobody asked for library tracing. */
export const tracingWanted = (debugEnv: string | undefined): boolean => (debugEnv ?? '').trim() !== '';

/**
 * Without DEBUG, replaces the `debug` package in the module cache by quietDebugFactory(), before any library
 * requires it; returns whether it did. `debug`'s loggers take their arguments as a rest parameter and only then look
 * whether they are enabled, so every call allocates an array even when nothing is printed, and mqtt-packet calls
 * one several times for every packet it parses or writes: in the embedded bench's flood (sampling heap profile, the
 * embedded broker and the ingest client both parsing) those arrays were 293 of 2,190 MB allocated, the largest
 * single item. Node documents require.cache as writable for this; only the copy the backend itself resolves is
 * replaced (nested copies under other packages load as usual).
 */
export function quietDebugUnlessTracing(
  debugEnv: string | undefined,
  requireFrom: Pick<NodeJS.Require, 'resolve' | 'cache'> = createRequire(import.meta.url),
): boolean {
  if (tracingWanted(debugEnv)) return false;
  const path = requireFrom.resolve('debug');
  // Already loaded: its callers hold the real loggers, and a second copy would only confuse.
  if (requireFrom.cache[path] !== undefined) return false;
  const stub = new Module(path);
  stub.filename = path;
  stub.loaded = true;
  stub.exports = quietDebugFactory();
  requireFrom.cache[path] = stub;
  return true;
}
