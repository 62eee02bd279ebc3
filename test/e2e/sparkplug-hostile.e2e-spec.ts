import { deflateSync, gzipSync } from 'node:zlib';
import type { MqttClient } from 'mqtt';
import type pg from 'pg';
import type { RejectReason } from '../../src/pipeline/pipeline-stats.js';
import { COMPRESSED_UUID, DataType, encodeWire, type WireMetric } from '../../src/sparkplug/sparkplug.codec.js';
import { BackendProcess } from '../support/backend.js';
import { connectDb, connectPublisher, registerUnits, storedReadings } from '../support/clients.js';
import { type EdgeNode, tahuEdgeNode } from '../support/sparkplug.js';
import { eventually } from '../support/eventually.js';
import { createTarget, TARGET, testId, type TestTarget } from '../support/target.js';

/** A message the host must refuse, counted under each of `expected` (once each). */
interface Hostile {
  what: string;
  /** `NDATA`, `NBIRTH`, `NDEATH` (of the edge node) or `DBIRTH/<device>`, `DDATA/<device>`; or a whole topic. */
  type: string;
  bytes: Buffer;
  expected: RejectReason[];
}

interface ScadaStatus {
  pipeline: { rejected_by_reason: Record<string, number> };
}

const MAX_BYTES = 128 * 1024;
const MAX_METRICS = 50;

/** Templates nested `levels` deep, byte by byte: Metric.template_value (18) holding Template.metrics (2). */
function deepTemplates(levels: number): Buffer {
  const varint = (n: number): number[] => (n < 128 ? [n] : [(n & 127) | 128, ...varint(n >>> 7)]);
  let inner: number[] = [];
  for (let i = 0; i < levels; i++) {
    const metric = [0x92, 0x01, ...varint(inner.length), ...inner];
    inner = [0x12, ...varint(metric.length), ...metric];
  }
  return Buffer.from(inner);
}

/**
 * The Sparkplug B decode path under hostile protobuf, end to end on the real broker (Mosquitto on the services
 * target, the embedded aedes broker by default): each bad message is refused and counted under its named reason in
 * the status endpoint and /metrics, the backend stays up and ready, and the good messages published between the bad
 * ones (plain, DEFLATE- and GZIP-compressed, by an edge node the project did not write: Eclipse Tahu's `sparkplug-client`) are stored exactly.
 */
describe(`Sparkplug hostile protobuf (${TARGET})`, () => {
  const id = testId('sph');
  const group = `g_${id}`;
  const hostId = `h_${id}`;
  const unitId = `${group}_edge1`;
  let target: TestTarget;
  let backend: BackendProcess;
  /** The hostile messages' own connection (mqtt.js): what Tahu's client would never send. */
  let publisher: MqttClient;
  let db: pg.Client;
  let seq = 0;
  const base = Math.floor(Date.now() / 1000) * 1000 - 600_000;
  const birthAt = base - 1000;

  const topic = (type: string): string =>
    type.startsWith('spBv1.0/')
      ? type
      : `spBv1.0/${group}/${type.split('/')[0]}/edge1${type.includes('/') ? `/${type.split('/')[1]}` : ''}`;
  const nextSeq = (): number => {
    const s = seq;
    seq = (seq + 1) % 256;
    return s;
  };
  /** A payload of ours (the hostile ones protobufjs can still encode), with the next seq. */
  const ours = (metrics: WireMetric[], extra: object = {}): Buffer =>
    Buffer.from(encodeWire({ timestamp: base, seq: nextSeq(), metrics, ...extra }));
  const compressed = (body: Uint8Array, algorithm?: string): Buffer =>
    Buffer.from(
      encodeWire({
        uuid: COMPRESSED_UUID,
        body,
        metrics:
          algorithm === undefined ? [] : [{ name: 'algorithm', datatype: DataType.String, string_value: algorithm }],
      }),
    );
  let edge: EdgeNode | undefined;

  async function publish(type: string, bytes: Buffer): Promise<void> {
    await publisher.publishAsync(topic(type), bytes, { qos: 1 });
  }

  async function rejected(): Promise<Record<string, number>> {
    return (await backend.getJson<ScadaStatus>('/api/v1/scada/status')).pipeline.rejected_by_reason;
  }

  beforeAll(async () => {
    target = await createTarget('sparkplug-hostile');
    backend = await BackendProcess.start({
      env: {
        ...target.env,
        SPARKPLUG_ENABLED: 'true',
        SPARKPLUG_HOST_ID: hostId,
        SPARKPLUG_GROUPS: group,
        // No Rebirth for the seq numbers the refused messages took: this spec is about the decode path.
        SPARKPLUG_REORDER_TIMEOUT_MS: '600000',
        SPARKPLUG_REBIRTH_INTERVAL_MS: '3600000',
        SPARKPLUG_MAX_PAYLOAD_BYTES: String(MAX_BYTES),
        SPARKPLUG_MAX_METRICS: String(MAX_METRICS),
      },
    });
    await registerUnits(target.databaseUrl, [unitId, ...[1, 2, 3, 4, 5].map((d) => `${unitId}_d${d}`)]);
    db = await connectDb(target.databaseUrl);
    db.on('error', () => undefined);
    publisher = await connectPublisher(target.mqttHost, target.mqttPort, { clientId: `${id}_hostile` });
    await eventually(async () => {
      const health = await backend.getJson<{ sparkplug?: { state_online?: boolean } }>('/health');
      expect(JSON.stringify(health)).toContain('"state_online":true');
    });
  });

  afterAll(async () => {
    // The shared Mosquitto keeps retained messages: this host's STATE goes with the test.
    edge?.stop();
    await publisher?.publishAsync(`spBv1.0/STATE/${hostId}`, '', { qos: 1, retain: true });
    await publisher?.endAsync();
    await db?.end().catch(() => undefined);
    await backend?.stop();
    await target?.dispose();
  });

  it('refuses and counts at least 20 kinds of hostile protobuf and stores every good message around them', async () => {
    // Tahu's client adds bdSeq (0 for its first session) and the seq of each message itself.
    edge = tahuEdgeNode({
      serverUrl: `mqtt://${target.mqttHost}:${target.mqttPort}`,
      group,
      edgeNode: 'edge1',
      clientId: `${id}_edge1`,
    });
    const node = edge;
    node.on('birth', () =>
      node.publishNodeBirth({
        timestamp: birthAt,
        metrics: [
          { name: 'Temp', alias: 1, type: 'Double', value: -1 },
          { name: 'Level', alias: 2, type: 'Int8', value: 5 },
          { name: 'Flag', alias: 3, type: 'Boolean', value: true },
          { name: 'Ratio', alias: 4, type: 'Float', value: 0.5 },
        ],
      }),
    );
    await eventually(async () => expect((await storedReadings(db, unitId, 'temp')).map((r) => r.value)).toEqual([-1]));
    const before = await rejected();

    /** NDATA by alias from Tahu's client: plain, compressed with its default (DEFLATE, no algorithm metric), GZIP. */
    const good = (i: number): void =>
      node.publishNodeData(
        { timestamp: base + i * 1000, metrics: [{ alias: 1, type: 'Double', value: i + 0.5 }] },
        i % 3 === 0 ? undefined : i % 3 === 1 ? { compress: true } : { compress: true, algorithm: 'GZIP' },
      );
    const valid = ours([{ alias: 1, datatype: DataType.Double, double_value: 1 }]);
    const bomb = deflateSync(Buffer.alloc(64 * MAX_BYTES));
    const hostile: Hostile[] = [
      {
        what: 'truncated',
        type: 'NDATA',
        bytes: valid.subarray(0, valid.length - 4),
        expected: ['sparkplug_payload_invalid'],
      },
      {
        what: 'metric name as a varint',
        type: 'NDATA',
        bytes: Buffer.from([0x12, 0x02, 0x08, 0x01]),
        expected: ['sparkplug_wire_type_invalid'],
      },
      {
        what: 'double_value as a varint',
        type: 'NDATA',
        bytes: Buffer.from([0x12, 0x04, 0x10, 0x01, 0x68, 0x01]),
        expected: ['sparkplug_wire_type_invalid'],
      },
      {
        what: 'varint of 11 bytes',
        type: 'NDATA',
        bytes: Buffer.from([0x18, ...Array(10).fill(0xff), 0x01]),
        expected: ['sparkplug_payload_invalid'],
      },
      {
        what: 'metrics above SPARKPLUG_MAX_METRICS',
        type: 'NDATA',
        bytes: ours(Array.from({ length: MAX_METRICS + 1 }, () => ({ alias: 1, double_value: 1 }))),
        expected: ['sparkplug_too_many_metrics'],
      },
      {
        what: 'payload above SPARKPLUG_MAX_PAYLOAD_BYTES',
        type: 'NDATA',
        bytes: ours([{ alias: 1, bytes_value: new Uint8Array(MAX_BYTES) }]),
        expected: ['sparkplug_payload_too_large'],
      },
      { what: 'templates 40 deep', type: 'NDATA', bytes: deepTemplates(40), expected: ['sparkplug_nesting_too_deep'] },
      {
        what: 'oversize metric name',
        type: 'NDATA',
        bytes: ours([{ name: 'x'.repeat(65 * 1024), double_value: 1 }]),
        expected: ['sparkplug_string_too_long'],
      },
      {
        what: 'dataset metric',
        type: 'DBIRTH/d1',
        bytes: ours([
          {
            name: 'Table',
            datatype: DataType.DataSet,
            dataset_value: {
              num_of_columns: 1,
              columns: ['a'],
              types: [DataType.Int32],
              rows: [{ elements: [{ int_value: 1 }] }],
            },
          },
        ]),
        expected: ['sparkplug_unsupported_datatype'],
      },
      {
        what: 'template metric',
        type: 'DBIRTH/d2',
        bytes: ours([
          {
            name: 'Motor',
            datatype: DataType.Template,
            template_value: { metrics: [{ name: 'rpm', datatype: DataType.Double, double_value: 1 }] },
          },
        ]),
        expected: ['sparkplug_unsupported_datatype'],
      },
      {
        what: 'array metric',
        type: 'DBIRTH/d3',
        bytes: ours([{ name: 'Vector', datatype: DataType.Int8Array, bytes_value: new Uint8Array([1, 2, 3]) }]),
        expected: ['sparkplug_unsupported_datatype'],
      },
      {
        what: 'unknown datatype number',
        type: 'DBIRTH/d4',
        bytes: ours([{ name: 'Odd', datatype: 77, int_value: 1 }]),
        expected: ['sparkplug_datatype_unknown'],
      },
      {
        what: 'NaN double',
        type: 'NDATA',
        bytes: ours([{ alias: 1, double_value: Number.NaN }]),
        expected: ['value_not_finite'],
      },
      {
        what: 'infinite float',
        type: 'NDATA',
        bytes: ours([{ alias: 4, float_value: Number.POSITIVE_INFINITY }]),
        expected: ['value_not_finite'],
      },
      {
        what: 'Int8 of 300',
        type: 'NDATA',
        bytes: ours([{ alias: 2, int_value: 300 }]),
        expected: ['sparkplug_value_out_of_range'],
      },
      {
        what: 'datatype other than the birth',
        type: 'NDATA',
        bytes: ours([{ alias: 1, datatype: DataType.Int32, int_value: 5 }]),
        expected: ['sparkplug_datatype_mismatch'],
      },
      {
        what: 'double sent in int_value',
        type: 'NDATA',
        bytes: ours([{ alias: 1, int_value: 5 }]),
        expected: ['sparkplug_value_mismatch'],
      },
      {
        what: 'negative seq',
        type: 'NDATA',
        bytes: Buffer.from(
          encodeWire({ timestamp: base, seq: '18446744073709551615', metrics: [{ alias: 1, double_value: 1 }] }),
        ),
        expected: ['sparkplug_seq_invalid'],
      },
      {
        what: 'seq of 300',
        type: 'NDATA',
        bytes: Buffer.from(encodeWire({ timestamp: base, seq: 300, metrics: [{ alias: 1, double_value: 1 }] })),
        expected: ['sparkplug_seq_invalid'],
      },
      {
        what: 'NDEATH of another bdSeq',
        type: 'NDEATH',
        bytes: ours([{ name: 'bdSeq', datatype: DataType.UInt64, long_value: 7 }]),
        expected: ['sparkplug_stale_death'],
      },
      {
        what: 'NBIRTH without bdSeq',
        type: 'NBIRTH',
        bytes: ours([{ name: 'Temp', alias: 1, datatype: DataType.Double, double_value: 9 }]),
        expected: ['sparkplug_birth_invalid'],
      },
      {
        what: 'NBIRTH of the same session, older',
        type: 'NBIRTH',
        bytes: Buffer.from(
          encodeWire({
            timestamp: birthAt - 1,
            seq: 0,
            metrics: [
              { name: 'bdSeq', datatype: DataType.UInt64, long_value: 0 },
              { name: 'Temp', alias: 1, datatype: DataType.Double, double_value: 9 },
            ],
          }),
        ),
        expected: ['sparkplug_stale_birth'],
      },
      {
        what: 'metric without name and alias',
        type: 'NDATA',
        bytes: ours([{ double_value: 3 }]),
        expected: ['sparkplug_metric_invalid'],
      },
      {
        what: 'duplicate alias in a birth',
        type: 'DBIRTH/d5',
        bytes: ours([
          { name: 'A', alias: 9, datatype: DataType.Double, double_value: 1 },
          { name: 'B', alias: 9, datatype: DataType.Double, double_value: 2 },
        ]),
        expected: ['sparkplug_alias_duplicate'],
      },
      {
        what: 'name and alias of different metrics',
        type: 'NDATA',
        bytes: ours([{ name: 'Flag', alias: 1, boolean_value: true }]),
        expected: ['sparkplug_alias_conflict'],
      },
      {
        what: 'unknown alias',
        type: 'NDATA',
        bytes: ours([{ alias: 42, double_value: 1 }]),
        expected: ['sparkplug_unknown_metric'],
      },
      {
        what: 'is_null',
        type: 'NDATA',
        bytes: ours([{ alias: 1, is_null: true }]),
        expected: ['sparkplug_null_value'],
      },
      {
        what: 'data of an unborn device',
        type: 'DDATA/ghost',
        bytes: ours([{ alias: 1, double_value: 1 }]),
        expected: ['sparkplug_no_birth'],
      },
      {
        what: 'JSON, not protobuf',
        type: 'NDATA',
        bytes: Buffer.from('{"value": 21.5}'),
        expected: ['sparkplug_payload_invalid'],
      },
      { what: 'empty payload', type: 'NDATA', bytes: Buffer.alloc(0), expected: ['sparkplug_payload_empty'] },
      {
        what: 'DEFLATE zip bomb',
        type: 'NDATA',
        bytes: compressed(bomb),
        expected: ['sparkplug_compressed_too_large'],
      },
      {
        what: 'GZIP zip bomb',
        type: 'NDATA',
        bytes: compressed(gzipSync(Buffer.alloc(64 * MAX_BYTES)), 'GZIP'),
        expected: ['sparkplug_compressed_too_large'],
      },
      {
        what: 'unknown compression algorithm',
        type: 'NDATA',
        bytes: compressed(deflateSync(valid), 'LZ4'),
        expected: ['sparkplug_compression_invalid'],
      },
      {
        what: 'compressed twice',
        type: 'NDATA',
        bytes: compressed(deflateSync(compressed(deflateSync(valid)))),
        expected: ['sparkplug_compression_invalid'],
      },
      {
        what: 'unknown message type',
        type: `spBv1.0/${group}/NFOO/edge1`,
        bytes: valid,
        expected: ['sparkplug_topic_invalid'],
      },
    ];
    expect(hostile.length).toBeGreaterThanOrEqual(20);
    expect(bomb.length).toBeLessThan(MAX_BYTES);

    for (const [i, h] of hostile.entries()) {
      await publish(h.type, h.bytes);
      good(i);
    }

    const expected = new Map<string, number>();
    for (const h of hostile) for (const r of h.expected) expected.set(r, (expected.get(r) ?? 0) + 1);
    await eventually(async () => {
      const after = await rejected();
      const delta = Object.fromEntries(
        [...new Set([...Object.keys(after), ...expected.keys()])]
          .map((r) => [r, (after[r] ?? 0) - (before[r] ?? 0)])
          .filter(([, n]) => n !== 0),
      );
      expect(delta).toEqual(Object.fromEntries(expected));
    });
    await eventually(async () => {
      const stored = await storedReadings(db, unitId, 'temp');
      expect(stored.map((r) => [r.time.getTime(), Number(r.value), r.quality])).toEqual([
        [birthAt, -1, 'GOOD'],
        ...hostile.map((_, i) => [base + i * 1000, i + 0.5, 'GOOD']),
      ]);
    });
    // Nothing of the hostile messages was stored on the other points.
    expect((await storedReadings(db, unitId, 'level')).map((r) => Number(r.value))).toEqual([5]);
    expect((await storedReadings(db, unitId, 'ratio')).map((r) => Number(r.value))).toEqual([0.5]);

    const metrics = await backend.request('GET', '/metrics');
    expect(metrics.text).toMatch(/scada_readings_rejected_total\{reason="sparkplug_compressed_too_large"\} 2/);
    expect(metrics.text).toMatch(/scada_readings_rejected_total\{reason="sparkplug_wire_type_invalid"\} 2/);
    expect((await backend.request('GET', '/health/ready')).status).toBe(200);
    const nodes = await backend.request<{ id: string; state: string; bd_seq: number }[]>(
      'GET',
      '/api/v1/scada/sparkplug/nodes',
    );
    expect(nodes.body.find((n) => n.id === unitId)).toMatchObject({ state: 'online', bd_seq: 0 });
  });
});
