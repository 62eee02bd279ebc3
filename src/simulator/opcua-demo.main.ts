/**
 * The OPC UA demo server on its own, without the backend: `node dist/src/simulator/opcua-demo.main.js`.
 * Serves SIMULATOR_UNITS units on OPCUA_DEMO_SERVER_PORT (default 4840), its certificate under OPCUA_PKI_DIR
 * (default ./data/opcua-pki), with values from a plant model ticking every SIMULATOR_INTERVAL_MS.
 *
 * Started by a parent process with an IPC channel (the end-to-end tests), it runs no plant model: the parent sets
 * values with `{ type: 'set', ... }` and ends it with `{ type: 'stop' }`, and each command is answered.
 */
import { join } from 'node:path';
import type { Quality } from '../common/bus/event-map.js';
import { OpcuaDemoServer } from './opcua-demo.server.js';
import { PlantModel, unitIdOf } from './plant-model.js';

/** A command from the parent process. */
export type DemoCommand =
  | { type: 'set'; id: number; unitId: string; sensorType: string; value: number; quality: Quality; time: string }
  | { type: 'stop'; id: number };

/** What the child tells its parent: that it listens, and that a command is done. */
export type DemoReply = { type: 'started'; endpointUrl: string } | { type: 'done'; id: number; ok: boolean };

function positiveInt(name: string, fallback: number): number {
  const raw = process.env[name];
  const value = raw === undefined || raw === '' ? fallback : Number(raw);
  if (!Number.isSafeInteger(value) || value < 0) throw new Error(`${name} must be a whole number ≥ 0, got '${raw}'`);
  return value;
}

async function main(): Promise<void> {
  const units = Math.max(1, positiveInt('SIMULATOR_UNITS', 5));
  const unitIds = Array.from({ length: units }, (_, i) => unitIdOf(i));
  const server = new OpcuaDemoServer({
    port: positiveInt('OPCUA_DEMO_SERVER_PORT', 4840),
    pkiDir: join(process.env.OPCUA_PKI_DIR || join(process.env.DATA_DIR || './data', 'opcua-pki'), 'demo-server'),
    unitIds,
  });
  await server.start();
  const send = process.send?.bind(process);
  if (send) {
    process.on('message', (command: DemoCommand) => {
      if (command.type === 'set') {
        const ok = server.setValue(
          command.unitId,
          command.sensorType,
          command.value,
          command.quality,
          new Date(command.time),
        );
        send({ type: 'done', id: command.id, ok } satisfies DemoReply);
      } else {
        void server.stop().finally(() => {
          send({ type: 'done', id: command.id, ok: true } satisfies DemoReply, () => process.exit(0));
        });
      }
    });
    process.on('disconnect', () => void server.stop().finally(() => process.exit(0)));
    send({ type: 'started', endpointUrl: server.endpointUrl } satisfies DemoReply);
    return;
  }
  const plant = new PlantModel({ units });
  const intervalMs = Math.max(10, positiveInt('SIMULATOR_INTERVAL_MS', 1000));
  setInterval(() => server.update(plant.tick(Date.now()).readings), intervalMs);
  console.log(`OPC UA demo server on ${server.endpointUrl}: ${unitIds.length} units under Objects/Units`);
  const stop = () => void server.stop().finally(() => process.exit(0));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((err: unknown) => {
  console.error(`OPC UA demo server failed: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
