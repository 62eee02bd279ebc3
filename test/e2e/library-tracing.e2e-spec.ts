import { BackendProcess } from '../support/backend.js';
import { connectSocket } from '../support/clients.js';
import { createTarget, TARGET, type TestTarget } from '../support/target.js';

/** A line engine.io's `debug` logger prints when a Socket.IO client connects (namespace `engine`). */
const ENGINE_TRACE = /engine (handshaking client|connecting)/;
/** mqtt.js's client logger, which traces every packet of the backend's ingest connection. */
const MQTT_TRACE = /mqttjs:client /;

/**
 * Without DEBUG the backend replaces the `debug` package with a no-op before the libraries load (their trace calls
 * allocated on every packet); DEBUG set as the `debug` package reads it must still bring their tracing back.
 */
describe(`library tracing through DEBUG (${TARGET})`, () => {
  let target: TestTarget;
  let backend: BackendProcess | undefined;

  beforeAll(async () => {
    target = await createTarget('tracing');
  });

  afterEach(async () => {
    await backend?.stop();
    backend = undefined;
  });

  afterAll(async () => {
    await target?.dispose();
  });

  async function connectOnce(env: Record<string, string>): Promise<string> {
    backend = await BackendProcess.start({ env: { ...target.env, ...env } });
    const socket = await connectSocket(backend.url, backend.token);
    socket.disconnect();
    return backend.logs;
  }

  it('prints engine.io and mqtt.js traces when DEBUG names them', async () => {
    const logs = await connectOnce({ DEBUG: 'engine*,mqttjs*' });
    expect(logs).toMatch(ENGINE_TRACE);
    expect(logs).toMatch(MQTT_TRACE);
  }, 120_000);

  it('prints none without DEBUG', async () => {
    const logs = await connectOnce({});
    expect(logs).not.toMatch(ENGINE_TRACE);
    expect(logs).not.toMatch(MQTT_TRACE);
    // The backend itself still logs: the quiet `debug` took only the libraries' traces.
    expect(logs).toMatch(/Connected to MQTT broker/);
  }, 120_000);
});
