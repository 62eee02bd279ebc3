import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/**
 * `npm run bench`: the ingest, embedded-default, alarm, realtime, command round-trip, Modbus polling and cost-curve
 * benchmarks one after the other, each in its own process. Every phase runs even when an earlier one misses a bar (a
 * missed bar is a figure to read, not a reason to measure less); the exit code is the first non-zero one, so a run
 * that missed anything still fails.
 */
const BENCHES = [
  'ingest.bench.js',
  'embedded.bench.js',
  'alarms.bench.js',
  'realtime.bench.js',
  'commands.bench.js',
  'modbus.bench.js',
  'cost-curve.bench.js',
];

const results = BENCHES.map((file) => {
  const script = fileURLToPath(new URL(file, import.meta.url));
  const run = spawnSync(process.execPath, [script], { stdio: 'inherit' });
  return { file, code: run.status ?? 1, signal: run.signal };
});

console.log('\nbench summary');
for (const r of results) {
  console.log(`  ${r.file.padEnd(20)} ${r.code === 0 ? 'ok' : `exit ${r.code}${r.signal ? ` (${r.signal})` : ''}`}`);
}
process.exit(results.find((r) => r.code !== 0)?.code ?? 0);
