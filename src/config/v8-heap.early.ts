/**
 * The entry point's first import (src/main.ts), so that it runs before the rest of the backend's modules are
 * evaluated: V8 sets the next full collection's trigger at the end of each one, and the collections of the
 * start-up, with V8's own factor (up to 4x), left a trigger near 160 MB of old space, so the first flood after a start
 * grew the heap that far before the embedded default ever applied (embedded bench: peaks of 400 MB against 325 when
 * the flood was slow enough for a collection to come in between). The embedded default applies from the start; main.ts then sets
 * the configured value (V8's own factor with an external database) once the configuration is read.
 */
import { applyV8HeapGrowingPercent, EMBEDDED_HEAP_GROWING_PERCENT } from './v8-heap.js';

applyV8HeapGrowingPercent(EMBEDDED_HEAP_GROWING_PERCENT);
