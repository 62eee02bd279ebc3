/**
 * Settings of third-party libraries that must be in place before those libraries are first loaded or used, so
 * src/main.ts imports this module right after v8-heap.early.ts. It reads process.env itself because the
 * configuration is loaded later, by when the libraries hold their loggers.
 */
import { createRequire } from 'node:module';
import { quietDebugUnlessTracing } from './quiet-debug.js';

quietDebugUnlessTracing(process.env.DEBUG);

/**
 * mqtt-packet (the parser and writer of mqtt.js and of the embedded aedes broker) otherwise builds, on the first
 * packet it writes, a cache of one Buffer for each of the 65,536 two-byte numbers: 6 MB of the backend's old space
 * (heap snapshot at rest: 65,740 Buffers), which V8 then lets grow by V8_HEAP_GROWING_PERCENT more before collecting.
 * Without it, each packet id or length it writes is a new two-byte Buffer. After quietDebugUnlessTracing, so that
 * mqtt-packet's modules take the quiet `debug`.
 */
(
  createRequire(import.meta.url)('mqtt-packet') as { writeToStream: { cacheNumbers: boolean } }
).writeToStream.cacheNumbers = false;
