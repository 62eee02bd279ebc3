import { setFlagsFromString } from 'node:v8';

/** V8_HEAP_GROWING_PERCENT's value when it is unset and the embedded database runs. */
export const EMBEDDED_HEAP_GROWING_PERCENT = 20;

/**
 * The heap growing percent the backend gives V8, or undefined to leave V8's own adaptive factor. V8 lets the old
 * generation grow to up to 4 times what its last full collection kept before it collects again; under an ingest
 * flood the main thread promotes in-flight objects (a batch waits for its commit across several scavenges), and in
 * the embedded bench its old space went from about 90 to 160 MB of mostly garbage (one full collection then freed
 * 60 MB) on top of a backend already holding PGlite. With 20 % the flood's peak was 70-80 MB lower at the same
 * 67 us/reading (quiet runs); with an external database the backend is small and V8's default is kept.
 */
export function v8HeapGrowingPercent(setting: number | undefined, embeddedDatabase: boolean): number | undefined {
  if (setting === 0) return undefined;
  return setting ?? (embeddedDatabase ? EMBEDDED_HEAP_GROWING_PERCENT : undefined);
}

/**
 * Applies v8HeapGrowingPercent (undefined: 0, which is V8's own adaptive factor). V8 reads the flag at the end of
 * every full collection, so it holds from the next one on.
 */
export function applyV8HeapGrowingPercent(percent: number | undefined): void {
  setFlagsFromString(`--heap-growing-percent=${percent ?? 0}`);
}
