import { createRequire } from 'node:module';

const requireHere = createRequire(import.meta.url);

/**
 * A CommonJS package loaded on the first call of the returned function (and kept), for libraries that only some
 * configurations use: each module the backend loads stays in its heap (source, functions, what it builds), so a
 * start that never talks to Redis or Modbus should not carry them. Synchronous, unlike loadNodeOpcua(), for callers
 * that cannot wait (the Socket.IO server asks for its adapter while it is built).
 */
export function lazyRequire<T>(specifier: string): () => T {
  let loaded: T | undefined;
  return () => (loaded ??= requireHere(specifier) as T);
}
