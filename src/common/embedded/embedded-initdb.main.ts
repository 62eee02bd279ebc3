/**
 * Creates a new embedded database cluster (PGlite's initdb) in the directory given as the only argument, then exits.
 * EmbeddedDatabase runs this in a child process on a first start: initdb's WebAssembly instance and the file-system
 * bundle it unpacks take about 500 MB that the backend's heap would keep for the rest of its life (V8 returns little
 * of it to the system), while the child's memory goes back with its exit.
 */
import { PGlite } from '@electric-sql/pglite';

const dataDir = process.argv[2];
if (!dataDir) {
  process.stderr.write('usage: embedded-initdb <data directory>\n');
  process.exit(2); // wrong usage: EmbeddedDatabase reports the exit code and this message
}
const db = await PGlite.create({ dataDir });
await db.close();
