import type { MqttClient } from 'mqtt';
import type pg from 'pg';
import type { Quality } from '../../src/common/bus/event-map.js';
import type { RejectReason } from '../../src/pipeline/pipeline-stats.js';
import { BackendProcess } from '../support/backend.js';
import { connectDb, connectPublisher } from '../support/clients.js';
import { eventually } from '../support/eventually.js';
import { createTarget, TARGET, type TestTarget } from '../support/target.js';

/** A message the backend must refuse: counted under `expected`, or never delivered (outside its subscription). */
interface Hostile {
  what: string;
  topic: string;
  payload: string | Buffer;
  expected: RejectReason | 'not_delivered';
}

/** A message the backend must store as one row with exactly these fields. */
interface Valid {
  what: string;
  unitId: string;
  sensorType: string;
  payload: string;
  qos: 0 | 1;
  value: number;
  quality: Quality;
  /** Stored time to the microsecond, when the message sent one. */
  time?: string;
}

interface StoredRow {
  unit_id: string;
  sensor_type: string;
  value: number;
  quality: string;
  time: string;
}

/** The parts of GET /api/v1/scada/status this spec reads. */
interface ScadaStatus {
  mqtt: { pending_acks: number; reconnects: number };
  pipeline: {
    received: number;
    accepted: number;
    stored: number;
    dropped: number;
    write_errors: number;
    rejected: number;
    rejected_by_reason: Record<string, number>;
  };
}

/** Three years: so a recent but impossible date (30 February) is refused for what it is, not for its age. */
const MAX_AGE_S = 3 * 365 * 86_400;

/** `2024-06-01T10:00:00.123Z` with three more digits of microseconds. */
const isoMicros = (ms: number, micros: string): string => new Date(ms).toISOString().replace('Z', `${micros}Z`);

/**
 * Hostile and malformed MQTT input, interleaved with valid readings: every bad message is refused, counted under
 * its reason and acknowledged; every good one is stored exactly once; the backend stays up and ready.
 */
describe(`hostile input end to end (${TARGET})`, () => {
  let target: TestTarget;
  let backend: BackendProcess;
  let publisher: MqttClient;
  let db: pg.Client;
  let p: string;
  let hostile: Hostile[];
  let valid: Valid[];

  beforeAll(async () => {
    target = await createTarget('hostile');
    p = target.topicPrefix;
    backend = await BackendProcess.start({ env: { ...target.env, READING_MAX_AGE_S: String(MAX_AGE_S) } });
    await subscribed();
    publisher = await connectPublisher(target.mqttHost, target.mqttPort, { clientId: `${p}_pub` });
    db = await openDb();
    ({ hostile, valid } = corpus(p, Date.now()));
  });

  afterAll(async () => {
    await publisher?.endAsync();
    await db?.end();
    await backend?.stop();
    await target?.dispose();
  });

  /** A SQL client; the embedded database goes down with its backend, so a restart needs a new one. */
  async function openDb(): Promise<pg.Client> {
    const client = await connectDb(target.databaseUrl);
    client.on('error', () => undefined);
    return client;
  }

  /** Readiness says the broker is connected; the subscription follows a moment later. */
  async function subscribed(): Promise<void> {
    await eventually(async () => {
      const health = await backend.getJson('/health');
      expect(health.mqtt.subscribed_topics).toEqual([`${p}/#`]);
    });
  }

  async function status(): Promise<ScadaStatus> {
    return backend.getJson<ScadaStatus>('/api/v1/scada/status');
  }

  async function storedRows(): Promise<StoredRow[]> {
    const { rows } = await db.query<StoredRow>(
      `SELECT s.unit_id, s.sensor_type, r.value, r.quality,
              to_char(r.time AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS time
       FROM sensor_readings r JOIN sensors s ON s.id = r.sensor_id
       ORDER BY r.time`,
    );
    return rows.sort((a, b) => byKey(a.unit_id, a.sensor_type, b.unit_id, b.sensor_type));
  }

  it('holds a corpus of at least 40 hostile messages, each kind of refusal among them', () => {
    expect(hostile.length).toBeGreaterThanOrEqual(40);
    const reasons = new Set(hostile.map((h) => h.expected));
    const every: (RejectReason | 'not_delivered')[] = [
      'topic_invalid',
      'payload_empty',
      'payload_too_large',
      'payload_invalid_json',
      'payload_not_object',
      'value_missing',
      'value_not_number',
      'value_not_finite',
      'quality_invalid',
      'quality_unknown',
      'timestamp_invalid',
      'timestamp_in_future',
      'timestamp_too_old',
      'not_delivered',
    ];
    expect([...reasons].sort()).toEqual([...every].sort());
  });

  it('refuses and counts every hostile message, acknowledges it, and stores every valid reading exactly once', async () => {
    // Interleaved: a few hostile messages, then a valid one, ending on a valid one.
    const sequence: ({ kind: 'hostile'; m: Hostile } | { kind: 'valid'; m: Valid })[] = [];
    const step = Math.ceil(hostile.length / valid.length);
    for (let i = 0, v = 0; i < hostile.length || v < valid.length; i += step, v++) {
      for (const m of hostile.slice(i, i + step)) sequence.push({ kind: 'hostile', m });
      if (v < valid.length) sequence.push({ kind: 'valid', m: valid[v] });
    }
    expect(sequence.at(-1)?.kind).toBe('valid');

    for (const item of sequence) {
      if (item.kind === 'hostile') {
        // Resolves on the broker's PUBACK: a hostile QoS 1 message is accepted like any other.
        const packet = await publisher.publishAsync(item.m.topic, item.m.payload, { qos: 1 });
        expect(packet).toMatchObject({ cmd: 'publish', qos: 1 });
      } else {
        await publisher.publishAsync(`${p}/${item.m.unitId}/${item.m.sensorType}`, item.m.payload, {
          qos: item.m.qos,
        });
      }
    }

    const expectedReasons: Record<string, number> = {};
    for (const h of hostile) {
      if (h.expected !== 'not_delivered') expectedReasons[h.expected] = (expectedReasons[h.expected] ?? 0) + 1;
    }
    const delivered = hostile.filter((h) => h.expected !== 'not_delivered').length + valid.length;

    const rows = await eventually(async () => {
      const r = await storedRows();
      expect(r).toHaveLength(valid.length);
      return r;
    }, 30_000);
    const expectedRows = [...valid]
      .sort((a, b) => byKey(a.unitId, a.sensorType, b.unitId, b.sensorType))
      .map((v) => ({
        unit_id: v.unitId,
        sensor_type: v.sensorType,
        value: v.value,
        quality: v.quality,
        time: v.time ?? expect.stringMatching(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/),
      }));
    expect(rows).toEqual(expectedRows);

    // Nothing refused left a trace: no unit or sensor was registered for it.
    const { rows: sensors } = await db.query<{ unit_id: string; sensor_type: string }>(
      'SELECT unit_id, sensor_type FROM sensors',
    );
    const validSensors = new Set(valid.map((v) => `${v.unitId}/${v.sensorType}`));
    expect(sensors.map((s) => `${s.unit_id}/${s.sensor_type}`).sort()).toEqual([...validSensors].sort());

    const pipeline = await eventually(async () => {
      const s = await status();
      expect(s.pipeline.rejected_by_reason).toEqual(expectedReasons);
      // Every QoS 1 message, hostile or not, was acknowledged to the broker: no PUBACK is held back.
      expect(s.mqtt.pending_acks).toBe(0);
      // No hostile message cost the backend its broker connection.
      expect(s.mqtt.reconnects).toBe(0);
      return s.pipeline;
    });
    expect(pipeline).toMatchObject({
      received: delivered,
      accepted: valid.length,
      stored: valid.length,
      dropped: 0,
      write_errors: 0,
      rejected: delivered - valid.length,
    });
  });

  it('is still alive and ready, and keeps storing readings', async () => {
    expect((await fetch(`${backend.url}/health/live`)).status).toBe(200);
    expect((await fetch(`${backend.url}/health/ready`)).status).toBe(200);
    expect(await backend.getJson('/health')).toMatchObject({ status: 'healthy' });

    await publisher.publishAsync(`${p}/AFTER01/temperature`, '21.5', { qos: 1 });
    await eventually(async () => {
      const rows = (await storedRows()).filter((r) => r.unit_id === 'AFTER01');
      expect(rows).toMatchObject([{ value: 21.5, quality: 'GOOD' }]);
    });
  });

  it('gets none of the hostile messages again after a restart: they were acknowledged, not left to redeliver', async () => {
    const before = (await storedRows()).length;
    await backend.stop();
    await db.end().catch(() => undefined);
    await backend.restart();
    db = await openDb();
    await subscribed();

    await publisher.publishAsync(`${p}/AFTER02/temperature`, '22.5', { qos: 1 });
    await eventually(async () => {
      expect(await storedRows()).toHaveLength(before + 1);
    });
    const { pipeline } = await status();
    expect(pipeline).toMatchObject({ received: 1, accepted: 1, rejected: 0 });
    expect(pipeline.rejected_by_reason).toEqual({});
  });
});

function byKey(unitA: string, sensorA: string, unitB: string, sensorB: string): number {
  const a = `${unitA}/${sensorA}`;
  const b = `${unitB}/${sensorB}`;
  return a < b ? -1 : a > b ? 1 : 0;
}

/** The messages, with timestamps relative to `now` so they stay inside the accepted window on any day. */
function corpus(p: string, now: number): { hostile: Hostile[]; valid: Valid[] } {
  const bad = `${p}/HOSTILE/temperature`;
  const year = new Date(now).getUTCFullYear();
  const zoneless = new Date(now - 60_000).toISOString().replace('Z', '');
  const nested = (depth: number): string => '['.repeat(depth) + ']'.repeat(depth);

  const hostile: Hostile[] = [
    // Topics under the prefix whose levels are not {unit_id}/{sensor_type}.
    { what: 'prefix alone', topic: p, payload: '1', expected: 'topic_invalid' },
    { what: 'missing level', topic: `${p}/UNIT001`, payload: '1', expected: 'topic_invalid' },
    { what: 'extra level', topic: `${p}/UNIT001/temperature/extra`, payload: '1', expected: 'topic_invalid' },
    { what: 'trailing slash', topic: `${p}/UNIT001/temperature/`, payload: '1', expected: 'topic_invalid' },
    { what: 'empty unit id', topic: `${p}//temperature`, payload: '1', expected: 'topic_invalid' },
    { what: 'empty sensor type', topic: `${p}/UNIT001/`, payload: '1', expected: 'topic_invalid' },
    { what: 'both levels empty', topic: `${p}//`, payload: '1', expected: 'topic_invalid' },
    { what: 'empty levels only', topic: `${p}///`, payload: '1', expected: 'topic_invalid' },
    {
      what: '65-character unit id',
      topic: `${p}/${'U'.repeat(65)}/temperature`,
      payload: '1',
      expected: 'topic_invalid',
    },
    {
      what: '1000-character sensor type',
      topic: `${p}/UNIT001/${'t'.repeat(1000)}`,
      payload: '1',
      expected: 'topic_invalid',
    },
    { what: 'path traversal', topic: `${p}/../temperature`, payload: '1', expected: 'topic_invalid' },
    { what: 'deep traversal', topic: `${p}/../../etc/passwd`, payload: '1', expected: 'topic_invalid' },
    { what: 'dot', topic: `${p}/UNIT.1/temperature`, payload: '1', expected: 'topic_invalid' },
    { what: 'space', topic: `${p}/UNIT 1/temperature`, payload: '1', expected: 'topic_invalid' },
    { what: 'SQL', topic: `${p}/U1';DROP TABLE sensors;--/temperature`, payload: '1', expected: 'topic_invalid' },
    { what: 'backslash', topic: `${p}/UNIT\\1/temperature`, payload: '1', expected: 'topic_invalid' },
    { what: 'dollar', topic: `${p}/$SYS/temperature`, payload: '1', expected: 'topic_invalid' },
    { what: 'accented letter', topic: `${p}/UNITÉ/temperature`, payload: '1', expected: 'topic_invalid' },
    { what: 'emoji', topic: `${p}/UNIT001/🔥`, payload: '1', expected: 'topic_invalid' },
    { what: 'fullwidth digit', topic: `${p}/UNIT１/temperature`, payload: '1', expected: 'topic_invalid' },
    { what: 'right-to-left override', topic: `${p}/UNIT\u202e1/temperature`, payload: '1', expected: 'topic_invalid' },
    { what: 'zero-width space', topic: `${p}/UNIT\u200b1/temperature`, payload: '1', expected: 'topic_invalid' },
    // A sibling prefix is outside the subscription: the broker never delivers it, nothing counts it.
    { what: 'sibling prefix', topic: `${p}_other/UNIT001/temperature`, payload: '1', expected: 'not_delivered' },

    // Payloads on a valid topic.
    { what: 'empty', topic: bad, payload: '', expected: 'payload_empty' },
    { what: 'whitespace', topic: bad, payload: ' \t\r\n ', expected: 'payload_empty' },
    // 200 KiB: far past the 4 KiB payload limit, yet under MQTT_MAX_PACKET_SIZE (256 KiB), so an MQTT 5 broker still
    // delivers it to the backend (a larger packet the broker drops for it, and the backend never sees it).
    { what: '200 KiB of text', topic: bad, payload: 'A'.repeat(200 * 1024), expected: 'payload_too_large' },
    {
      what: 'valid JSON one byte too large',
      topic: bad,
      payload: '{"value": 1}'.padEnd(4097),
      expected: 'payload_too_large',
    },
    { what: '10,000 nested arrays', topic: bad, payload: nested(10_000), expected: 'payload_too_large' },
    { what: 'unclosed object', topic: bad, payload: '{"value": 1', expected: 'payload_invalid_json' },
    { what: 'unquoted key', topic: bad, payload: '{value: 1}', expected: 'payload_invalid_json' },
    { what: 'NaN in JSON', topic: bad, payload: '{"value": NaN}', expected: 'payload_invalid_json' },
    { what: 'two objects', topic: bad, payload: '{"value": 1}{"value": 2}', expected: 'payload_invalid_json' },
    { what: 'array', topic: bad, payload: '[25.5]', expected: 'payload_not_object' },
    { what: 'string', topic: bad, payload: '"25.5"', expected: 'payload_not_object' },
    { what: '1,000 nested arrays', topic: bad, payload: nested(1000), expected: 'payload_not_object' },
    { what: 'empty object', topic: bad, payload: '{}', expected: 'value_missing' },
    { what: 'null value', topic: bad, payload: '{"value": null}', expected: 'value_missing' },
    {
      what: 'value only under __proto__',
      topic: bad,
      payload: '{"__proto__": {"value": 1, "polluted": 1}}',
      expected: 'value_missing',
    },
    { what: 'bare NaN', topic: bad, payload: 'NaN', expected: 'value_not_number' },
    { what: 'bare Infinity', topic: bad, payload: 'Infinity', expected: 'value_not_number' },
    { what: 'hex', topic: bad, payload: '0x1A', expected: 'value_not_number' },
    { what: 'number then text', topic: bad, payload: '25.5abc', expected: 'value_not_number' },
    { what: 'bare null', topic: bad, payload: 'null', expected: 'value_not_number' },
    { what: 'text value', topic: bad, payload: '{"value": "abc"}', expected: 'value_not_number' },
    { what: 'array value', topic: bad, payload: '{"value": [1]}', expected: 'value_not_number' },
    { what: 'invalid UTF-8', topic: bad, payload: Buffer.from([0xff, 0xfe, 0x32, 0x35]), expected: 'value_not_number' },
    { what: 'overflowing number', topic: bad, payload: '1e999', expected: 'value_not_finite' },
    { what: 'overflowing JSON number', topic: bad, payload: '{"value": -1e999}', expected: 'value_not_finite' },
    { what: 'boolean quality', topic: bad, payload: '{"value": 1, "quality": true}', expected: 'quality_invalid' },
    {
      what: 'object quality',
      topic: bad,
      payload: '{"value": 1, "quality": {"__proto__": {}}}',
      expected: 'quality_invalid',
    },
    { what: 'object timestamp', topic: bad, payload: '{"value": 1, "timestamp": {}}', expected: 'timestamp_invalid' },
    {
      what: 'unknown quality',
      topic: bad,
      payload: '{"value": 1, "quality": "EXCELLENT"}',
      expected: 'quality_unknown',
    },
    {
      what: 'quality named constructor',
      topic: bad,
      payload: '{"value": 1, "quality": "constructor"}',
      expected: 'quality_unknown',
    },
    { what: 'negative status code', topic: bad, payload: '{"value": 1, "quality": -1}', expected: 'quality_unknown' },
    {
      what: 'status code over 32 bits',
      topic: bad,
      payload: '{"value": 1, "quality": 4294967296}',
      expected: 'quality_unknown',
    },
    {
      what: 'pollution keys and an unknown quality',
      topic: bad,
      payload:
        '{"value": 1, "__proto__": {"polluted": 1}, "constructor": {"prototype": {"polluted": 1}}, "quality": "x"}',
      expected: 'quality_unknown',
    },
    {
      what: 'unparseable timestamp',
      topic: bad,
      payload: '{"value": 1, "timestamp": "yesterday"}',
      expected: 'timestamp_invalid',
    },
    {
      what: 'zoneless timestamp',
      topic: bad,
      payload: `{"value": 1, "timestamp": "${zoneless}"}`,
      expected: 'timestamp_invalid',
    },
    {
      what: '30 February',
      topic: bad,
      payload: `{"value": 1, "timestamp": "${year - 1}-02-30T12:00:00Z"}`,
      expected: 'timestamp_invalid',
    },
    { what: 'negative epoch', topic: bad, payload: '{"value": 1, "timestamp": -5}', expected: 'timestamp_invalid' },
    {
      what: 'far future',
      topic: bad,
      payload: '{"value": 1, "timestamp": "2999-01-01T00:00:00Z"}',
      expected: 'timestamp_in_future',
    },
    {
      what: 'an hour ahead',
      topic: bad,
      payload: `{"value": 1, "timestamp": ${now + 3_600_000}}`,
      expected: 'timestamp_in_future',
    },
    { what: 'epoch second 1', topic: bad, payload: '{"value": 1, "timestamp": 1}', expected: 'timestamp_too_old' },
    {
      what: '1970',
      topic: bad,
      payload: '{"value": 1, "timestamp": "1970-01-01T00:00:00Z"}',
      expected: 'timestamp_too_old',
    },
  ];

  const u = 'VALID01';
  const t1 = now - 60_000;
  const t2 = now - 90_000;
  const t3 = Math.floor((now - 120_000) / 1000);
  const t4 = now - 150_000;
  const t5 = now - 180_000;
  const valid: Valid[] = [
    { what: 'bare integer', unitId: u, sensorType: 'bare_int', payload: '42', qos: 1, value: 42, quality: 'GOOD' },
    {
      what: 'bare decimal, blanks',
      unitId: u,
      sensorType: 'bare_dec',
      payload: ' 25.5\n',
      qos: 0,
      value: 25.5,
      quality: 'GOOD',
    },
    {
      what: 'bare exponent',
      unitId: u,
      sensorType: 'bare_exp',
      payload: '-1.5E+2',
      qos: 1,
      value: -150,
      quality: 'GOOD',
    },
    {
      what: 'JSON value alone',
      unitId: u,
      sensorType: 'json_plain',
      payload: '{"value": 4.2}',
      qos: 0,
      value: 4.2,
      quality: 'GOOD',
    },
    {
      what: 'quality name in any case, ISO time with microseconds',
      unitId: u,
      sensorType: 'json_uncertain',
      payload: `{"value": 3.3, "quality": "Uncertain", "timestamp": "${isoMicros(t1, '250')}"}`,
      qos: 1,
      value: 3.3,
      quality: 'UNCERTAIN',
      time: isoMicros(t1, '250'),
    },
    {
      what: 'ISO time with offset',
      unitId: u,
      sensorType: 'json_offset',
      payload: `{"value": 10, "timestamp": "${new Date(t2 + 7_200_000).toISOString().replace('Z', '+02:00')}"}`,
      qos: 1,
      value: 10,
      quality: 'GOOD',
      time: isoMicros(t2, '000'),
    },
    {
      what: 'OPC UA Bad status code, epoch seconds',
      unitId: u,
      sensorType: 'opcua_bad',
      payload: `{"value": -0.5, "quality": ${0x80350000}, "timestamp": ${t3}}`,
      qos: 0,
      value: -0.5,
      quality: 'BAD',
      time: isoMicros(t3 * 1000, '000'),
    },
    {
      what: 'OPC UA Uncertain status code, epoch milliseconds',
      unitId: u,
      sensorType: 'opcua_uncertain',
      payload: `{"value": 7, "quality": ${0x40000000}, "timestamp": ${t4}}`,
      qos: 1,
      value: 7,
      quality: 'UNCERTAIN',
      time: isoMicros(t4, '000'),
    },
    {
      what: 'numeric string',
      unitId: u,
      sensorType: 'numeric_string',
      payload: '{"value": "12.5"}',
      qos: 1,
      value: 12.5,
      quality: 'GOOD',
    },
    {
      what: 'duplicate keys: the last wins',
      unitId: u,
      sensorType: 'duplicate_keys',
      payload: '{"value": 1, "value": 2, "quality": "BAD", "quality": "good"}',
      qos: 0,
      value: 2,
      quality: 'GOOD',
    },
    {
      what: 'prototype-pollution keys beside a valid reading',
      unitId: u,
      sensorType: 'proto_keys',
      payload:
        '{"__proto__": {"quality": "BAD", "polluted": 1}, "constructor": {"prototype": {"polluted": 1}}, "value": 9}',
      qos: 1,
      value: 9,
      quality: 'GOOD',
    },
    {
      what: 'first of two readings one microsecond apart',
      unitId: u,
      sensorType: 'microseconds',
      payload: `{"value": 1, "timestamp": "${isoMicros(t5, '456')}"}`,
      qos: 1,
      value: 1,
      quality: 'GOOD',
      time: isoMicros(t5, '456'),
    },
    {
      what: 'second of two readings one microsecond apart',
      unitId: u,
      sensorType: 'microseconds',
      payload: `{"value": 2, "timestamp": "${isoMicros(t5, '457')}"}`,
      qos: 0,
      value: 2,
      quality: 'GOOD',
      time: isoMicros(t5, '457'),
    },
    {
      what: 'smallest double',
      unitId: u,
      sensorType: 'tiny',
      payload: '5e-324',
      qos: 1,
      value: Number.MIN_VALUE,
      quality: 'GOOD',
    },
    {
      what: 'largest double',
      unitId: u,
      sensorType: 'huge',
      payload: '1.7976931348623157e308',
      qos: 0,
      value: Number.MAX_VALUE,
      quality: 'GOOD',
    },
    {
      what: 'unit named __proto__',
      unitId: '__proto__',
      sensorType: 'constructor',
      payload: '1',
      qos: 1,
      value: 1,
      quality: 'GOOD',
    },
    {
      what: 'unit named constructor',
      unitId: 'constructor',
      sensorType: '__proto__',
      payload: '2',
      qos: 1,
      value: 2,
      quality: 'GOOD',
    },
    {
      what: '64-character identifiers',
      unitId: 'U'.repeat(64),
      sensorType: 's'.repeat(64),
      payload: '3',
      qos: 1,
      value: 3,
      quality: 'GOOD',
    },
  ];
  return { hostile, valid };
}
