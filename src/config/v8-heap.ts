import { setFlagsFromString } from 'node:v8';

/** V8_HEAP_GROWING_PERCENT's value when it is unset and the embedded database runs. */
export const EMBEDDED_HEAP_GROWING_PERCENT = 30;

/**
 * The heap growing percent the backend gives V8, or undefined to leave V8's own adaptive factor. V8 lets the old
 * generation grow to up to 4 times what its last full collection kept before it collects again; under an ingest
 * flood the main thread promotes in-flight objects (a batch waits for its commit across several scavenges), and in
 * the embedded bench its old space went from about 65 to 150 MB of mostly garbage before one full collection freed
 * it, on top of a backend already holding PGlite. Measured side by side (2026-12-04, embedded bench, quiet runs):
 * V8's own factor 20,957 and 20,008 readings/s at 64 and 70 us/reading, peak 376 and 379 MB; 50 %: 22,308/s at 63 us,
 * peak 325 and 327 MB; 20 %: 16,359 and 18,465/s at 83 and 76 us, peak 309 and 310 MB (collections every second cost
 * CPU that the flood needs). Once the flood allocated a quarter less (no `debug` argument arrays, see
 * library-tuning.early.ts), 30 % cost no measurable CPU (2026-12-08, interleaved: 30 %: 62, 62, 77 us/reading, peak
 * 297, 296, 299 MB; 50 %: 60, 77 us, peak 304, 302 MB; 20 %: 82, 73 us, peak 292, 297 MB), so 30 % it is. With an
 * external database the backend is small and V8's default is kept.
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
