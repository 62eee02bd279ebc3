import type { MqttClient } from 'mqtt';
import type { Socket } from 'socket.io-client';
import { BackendProcess } from '../support/backend.js';
import { connectPublisher, connectSocket, registerUnits, request } from '../support/clients.js';
import { eventually } from '../support/eventually.js';
import { createTarget, TARGET, type TestTarget } from '../support/target.js';

/** One scrape: every sample line, keyed `name{labels}` exactly as Prometheus prints it. */
type Scrape = Map<string, number>;

function parse(text: string): Scrape {
  const samples: Scrape = new Map();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const at = line.lastIndexOf(' ');
    samples.set(line.slice(0, at), Number(line.slice(at + 1)));
  }
  return samples;
}

/** Sum of the samples of one metric whose labels include every `label="value"` given. */
function sum(scrape: Scrape, name: string, ...labels: string[]): number {
  let total = 0;
  for (const [key, value] of scrape) {
    const bare = key.split('{')[0];
    if (bare === name && labels.every((l) => key.includes(l))) total += value;
  }
  return total;
}

/**
 * /metrics on the real backend: Prometheus text, public, and values that move when readings flow, a Socket.IO
 * client connects and an alarm is raised.
 */
describe(`GET /metrics (${TARGET})`, () => {
  let target: TestTarget;
  let backend: BackendProcess;
  let publisher: MqttClient;
  let socket: Socket | undefined;

  async function scrape(): Promise<Scrape> {
    const reply = await backend.request('GET', '/metrics');
    expect(reply.status).toBe(200);
    return parse(reply.text);
  }

  beforeAll(async () => {
    target = await createTarget('metrics');
    backend = await BackendProcess.start({ env: target.env });
    publisher = await connectPublisher(target.mqttHost, target.mqttPort);
  });

  afterAll(async () => {
    socket?.close();
    await publisher?.endAsync(true);
    await backend?.stop();
    await target?.dispose();
  });

  it('serves the Prometheus text format without credentials, process metrics included', async () => {
    const res = await fetch(`${backend.url}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
    const text = await res.text();
    expect(text).toContain('# TYPE scada_readings_received_total counter');
    expect(text).toContain('# TYPE scada_writer_write_duration_seconds histogram');
    const samples = parse(text);
    expect(samples.get('scada_mqtt_connected')).toBe(1);
    expect(samples.get('scada_mqtt_connection_state{state="connected"}')).toBe(1);
    expect(samples.get('process_cpu_user_seconds_total')).toBeGreaterThan(0);
    expect(samples.has('nodejs_eventloop_lag_p99_seconds')).toBe(true);
    expect(samples.get('process_resident_memory_bytes')).toBeGreaterThan(0);
  });

  it('moves with readings, rejects, Socket.IO clients and alarms', async () => {
    const before = await scrape();
    socket = await connectSocket(backend.url, backend.token);
    // The gateway refuses units it has never seen; MET1 has not reported yet.
    await registerUnits(target.databaseUrl, ['MET1']);
    expect(await request(socket, 'subscribe_unit', { unit_id: 'MET1' })).toMatchObject({ ok: true, unit_id: 'MET1' });

    const prefix = target.topicPrefix;
    const base = Date.now() - 60_000;
    const good = Array.from({ length: 40 }, (_, i) =>
      publisher.publishAsync(
        `${prefix}/MET1/pressure`,
        JSON.stringify({ value: 2 + i / 100, timestamp: new Date(base + i).toISOString() }),
        { qos: 1 },
      ),
    );
    await Promise.all(good);
    // Over the seeded high-temperature limit (85 °C): one alarm, active and unacknowledged.
    await publisher.publishAsync(`${prefix}/MET1/temperature`, '97', { qos: 1 });
    await publisher.publishAsync(`${prefix}/MET1/temperature`, 'hot', { qos: 1 });
    await publisher.publishAsync(`${prefix}/MET1/temperature`, '{"value": ', { qos: 1 });

    const after = await eventually(
      async () => {
        const now = await scrape();
        expect(sum(now, 'scada_readings_stored_total') - sum(before, 'scada_readings_stored_total')).toBe(41);
        return now;
      },
      30_000,
      200,
    );
    const delta = (name: string, ...labels: string[]): number =>
      sum(after, name, ...labels) - sum(before, name, ...labels);
    expect({
      received: delta('scada_readings_received_total'),
      accepted: delta('scada_readings_accepted_total'),
      rejectedInvalidJson: delta('scada_readings_rejected_total', 'reason="payload_invalid_json"'),
      rejectedNotNumber: delta('scada_readings_rejected_total', 'reason="value_not_number"'),
      mqttMessages: delta('scada_mqtt_messages_received_total'),
      activeUnacknowledgedAlarms: sum(after, 'scada_alarms', 'state="active_unacknowledged"'),
      transitions: delta('scada_alarm_transitions_total'),
      socketClients: sum(after, 'scada_socketio_clients'),
    }).toEqual({
      received: 43,
      accepted: 41,
      rejectedInvalidJson: 1,
      rejectedNotNumber: 1,
      mqttMessages: 43,
      activeUnacknowledgedAlarms: 1,
      transitions: 1,
      socketClients: 1,
    });
    // The writer observed its batches: as many rows as were stored, in at least one statement.
    expect(delta('scada_writer_batch_rows_sum')).toBe(41);
    expect(delta('scada_writer_batch_rows_count')).toBeGreaterThanOrEqual(1);
    expect(delta('scada_writer_write_duration_seconds_count')).toBe(delta('scada_writer_batch_rows_count'));
    expect(delta('scada_socketio_events_sent_total', 'event="sensor_data"')).toBeGreaterThanOrEqual(1);
    expect(delta('scada_socketio_events_sent_total', 'event="system_alert"')).toBe(1);
    expect(sum(after, 'scada_writer_queue_readings')).toBe(0);
    expect(sum(after, 'scada_mqtt_pending_acks')).toBe(0);

    // A client that leaves is no longer counted.
    socket.close();
    socket = undefined;
    await eventually(async () => expect(sum(await scrape(), 'scada_socketio_clients')).toBe(0), 10_000, 100);
  });
});
