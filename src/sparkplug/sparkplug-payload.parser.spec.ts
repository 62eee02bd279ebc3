import { deflateSync, gzipSync } from 'node:zlib';
import { COMPRESSED_UUID, DataType, encodeWire, type WireMetric } from './sparkplug.codec.js';
import {
  birthRefusal,
  MAX_METRICS,
  MAX_STRING_BYTES,
  metricValue,
  parseSparkplugPayload,
} from './sparkplug-payload.parser.js';

const payload = (metrics: WireMetric[], extra: object = {}): Uint8Array =>
  encodeWire({ timestamp: 1_700_000_000_000, seq: 3, metrics, ...extra });

function value(datatype: number, metric: WireMetric): unknown {
  const parsed = parseSparkplugPayload(payload([{ name: 'm', datatype, ...metric }]));
  if (!parsed.ok) throw new Error(parsed.reason);
  const r = metricValue(datatype, parsed.payload.metrics[0].wire);
  return r.ok ? r.value : r.reason;
}

describe('parseSparkplugPayload / metricValue', () => {
  it('reads every numeric datatype, two’s complement signed integers included', () => {
    expect(value(DataType.Int8, { int_value: 0xfffffff9 })).toBe(-7);
    expect(value(DataType.Int16, { int_value: 0xffff8000 })).toBe(-32768);
    expect(value(DataType.Int32, { int_value: 0xffffffd6 })).toBe(-42);
    expect(value(DataType.Int64, { long_value: '18446744073709551615' })).toBe(-1);
    expect(value(DataType.UInt8, { int_value: 255 })).toBe(255);
    expect(value(DataType.UInt16, { int_value: 65535 })).toBe(65535);
    expect(value(DataType.UInt32, { int_value: 4294967295 })).toBe(4294967295);
    expect(value(DataType.UInt64, { long_value: 9007199254740991 })).toBe(9007199254740991);
    expect(value(DataType.Float, { float_value: 1.5 })).toBe(1.5);
    expect(value(DataType.Double, { double_value: 1510.25 })).toBe(1510.25);
    expect(value(DataType.Boolean, { boolean_value: true })).toBe(1);
    expect(value(DataType.Boolean, { boolean_value: false })).toBe(0);
    expect(value(DataType.DateTime, { long_value: 1_700_000_000_123 })).toBe(1_700_000_000_123);
  });

  it('reads String and Text metrics as state names (the sensor state table gives the number)', () => {
    expect(metricValue(DataType.String, { string_value: 'Running' })).toEqual({
      ok: true,
      value: Number.NaN,
      stateName: 'Running',
    });
    expect(metricValue(DataType.Text, { string_value: 'fault' })).toMatchObject({ ok: true, stateName: 'fault' });
    expect(value(DataType.String, { int_value: 1 })).toBe('sparkplug_value_mismatch');
    expect(value(DataType.String, { is_null: true })).toBe('sparkplug_null_value');
  });

  it('counts what is not a point instead of storing it', () => {
    for (const datatype of [DataType.UUID, DataType.Bytes, DataType.DataSet]) {
      expect(value(datatype, { string_value: 'x' })).toBe('sparkplug_unsupported_datatype');
    }
    expect(value(DataType.Template, { template_value: { metrics: [] } })).toBe('sparkplug_unsupported_datatype');
    expect(value(DataType.Int8Array, { bytes_value: new Uint8Array([1, 2]) })).toBe('sparkplug_unsupported_datatype');
    expect(value(DataType.Double, { is_null: true })).toBe('sparkplug_null_value');
    expect(value(DataType.Double, { int_value: 3 })).toBe('sparkplug_value_mismatch');
    expect(value(DataType.UInt8, { int_value: 256 })).toBe('sparkplug_value_out_of_range');
    expect(value(DataType.Int8, { int_value: 300 })).toBe('sparkplug_value_out_of_range');
    expect(value(DataType.Int8, { int_value: 0xffffff80 })).toBe(-128);
    expect(value(DataType.Int16, { int_value: 0x8000 })).toBe('sparkplug_value_out_of_range');
    expect(value(DataType.UInt16, { int_value: 70000 })).toBe('sparkplug_value_out_of_range');
    expect(value(DataType.UInt32, { long_value: '4294967296' })).toBe('sparkplug_value_out_of_range');
    expect(value(DataType.Double, { double_value: Number.NaN })).toBe('value_not_finite');
    expect(value(DataType.Float, { float_value: Number.POSITIVE_INFINITY })).toBe('value_not_finite');
    expect(value(DataType.Double, { double_value: Number.NEGATIVE_INFINITY })).toBe('value_not_finite');
    expect(value(99, { int_value: 1 })).toBe('sparkplug_datatype_unknown');
    expect(value(DataType.Unknown, { int_value: 1 })).toBe('sparkplug_datatype_unknown');
    expect(value(DataType.StringArray, { bytes_value: new Uint8Array([0x61, 0]) })).toBe(
      'sparkplug_unsupported_datatype',
    );
  });

  it('keeps absent fields absent and reads engineering unit and quality properties', () => {
    const parsed = parseSparkplugPayload(
      payload([
        {
          name: 'Motor/Speed',
          datatype: DataType.Double,
          double_value: 1,
          properties: {
            keys: ['engUnit', 'Quality'],
            values: [
              { type: DataType.String, string_value: 'rpm' },
              { type: DataType.Int32, int_value: 500 },
            ],
          },
        },
      ]),
    );
    expect(parsed.ok && parsed.payload).toMatchObject({ timestamp: 1_700_000_000_000, seq: 3 });
    const metric = parsed.ok ? parsed.payload.metrics[0] : undefined;
    expect(metric).toMatchObject({ name: 'Motor/Speed', engineeringUnit: 'rpm', quality: 'UNCERTAIN' });
    expect(metric?.alias).toBeUndefined();
    expect(metric?.timestamp).toBeUndefined();
  });

  it('rejects and names hostile protobuf, never throwing', () => {
    const good = payload([{ name: 'a', datatype: DataType.Double, double_value: 1 }]);
    // Templates nested `levels` deep, built byte by byte (protobufjs refuses to encode it): Metric.template_value
    // (field 18) holding Template.metrics (field 2) holding the next Metric.
    const deep = (levels: number): Uint8Array => {
      const varint = (n: number): number[] => (n < 128 ? [n] : [(n & 127) | 128, ...varint(n >>> 7)]);
      let inner: number[] = [];
      for (let i = 0; i < levels; i++) {
        const metric = [0x92, 0x01, ...varint(inner.length), ...inner];
        inner = [0x12, ...varint(metric.length), ...metric];
      }
      return Uint8Array.from(inner);
    };
    const cases: [Uint8Array, string][] = [
      [good.subarray(0, good.length - 3), 'sparkplug_payload_invalid'],
      [Uint8Array.from([0x0f]), 'sparkplug_payload_invalid'],
      [Uint8Array.from([0x12, 0x7f, 0x01]), 'sparkplug_payload_invalid'],
      [Uint8Array.from([0x00, 0x00]), 'sparkplug_payload_invalid'],
      [deep(120), 'sparkplug_nesting_too_deep'],
      [new Uint8Array(1024 * 1024 + 1), 'sparkplug_payload_too_large'],
      [payload(Array.from({ length: MAX_METRICS + 1 }, () => ({}))), 'sparkplug_too_many_metrics'],
    ];
    const tenFF = [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff];
    cases.push(
      [new Uint8Array(0), 'sparkplug_payload_empty'],
      [deep(20), 'sparkplug_nesting_too_deep'],
      // A metric's alias (field 2, a varint) sent length-delimited; the payload's seq (3) as a fixed64.
      [Uint8Array.from([0x12, 0x04, 0x12, 0x02, 0x41, 0x42]), 'sparkplug_wire_type_invalid'],
      [Uint8Array.from([0x19, 1, 2, 3, 4, 5, 6, 7, 8]), 'sparkplug_wire_type_invalid'],
      // metrics (field 2) as a varint.
      [Uint8Array.from([0x10, 0x05]), 'sparkplug_wire_type_invalid'],
      // An 11-byte varint, and a 10-byte one carrying more than 64 bits.
      [Uint8Array.from([0x18, ...tenFF, 0xff, 0x01]), 'sparkplug_payload_invalid'],
      [Uint8Array.from([0x18, ...tenFF, 0x7f]), 'sparkplug_payload_invalid'],
      // Field number 0, a start-group, a wire type 7, a length past the end.
      [Uint8Array.from([0x00, 0x01]), 'sparkplug_payload_invalid'],
      [Uint8Array.from([0x13]), 'sparkplug_payload_invalid'],
      [Uint8Array.from([0x0f]), 'sparkplug_payload_invalid'],
      [Buffer.from('{"value": 1}'), 'sparkplug_payload_invalid'],
      [
        payload([{ name: 'x'.repeat(MAX_STRING_BYTES + 1), datatype: DataType.Double, double_value: 1 }]),
        'sparkplug_string_too_long',
      ],
      // seq is a uint64: a negative one (-1) arrives as 2^64 - 1.
      [payload([], { seq: '18446744073709551615' }), 'sparkplug_seq_invalid'],
      [payload([], { seq: 256 }), 'sparkplug_seq_invalid'],
    );
    for (const [bytes, reason] of cases) expect(parseSparkplugPayload(bytes)).toEqual({ ok: false, reason });
    // Unknown field numbers (extensions) are skipped, as protobuf intends.
    const extension = parseSparkplugPayload(Uint8Array.from([...good, 0x30, 0x01]));
    expect(extension.ok && extension.payload.metrics[0].name).toBe('a');
    // The bound is configurable.
    expect(parseSparkplugPayload(payload([{}, {}, {}]), { maxBytes: 1024, maxMetrics: 2 })).toEqual({
      ok: false,
      reason: 'sparkplug_too_many_metrics',
    });
    // Metrics inside templates count too.
    expect(parseSparkplugPayload(deep(3), { maxBytes: 1024, maxMetrics: 2 })).toEqual({
      ok: false,
      reason: 'sparkplug_too_many_metrics',
    });
  });

  it('inflates compressed payloads (DEFLATE by default, GZIP) within the bound, and refuses bombs', () => {
    const inner = payload([{ name: 'a', datatype: DataType.Double, double_value: 7.5 }]);
    const wrap = (body: Uint8Array, algorithm?: string): Uint8Array =>
      encodeWire({
        uuid: COMPRESSED_UUID,
        body,
        metrics:
          algorithm === undefined ? [] : [{ name: 'algorithm', datatype: DataType.String, string_value: algorithm }],
      });
    for (const bytes of [
      wrap(deflateSync(inner)),
      wrap(deflateSync(inner), 'DEFLATE'),
      wrap(gzipSync(inner), 'gzip'),
    ]) {
      const parsed = parseSparkplugPayload(bytes);
      expect(parsed.ok && parsed.payload).toMatchObject({ timestamp: 1_700_000_000_000, seq: 3 });
      expect(parsed.ok && metricValue(DataType.Double, parsed.payload.metrics[0].wire)).toEqual({
        ok: true,
        value: 7.5,
      });
    }
    // 64 MiB of zeros deflate to about 64 KiB; inflating stops at the 1 MiB bound.
    const bomb = deflateSync(Buffer.alloc(64 * 1024 * 1024));
    expect(bomb.length).toBeLessThan(1024 * 1024);
    const refused: [Uint8Array, string][] = [
      [wrap(bomb), 'sparkplug_compressed_too_large'],
      [wrap(gzipSync(Buffer.alloc(2 * 1024 * 1024)), 'GZIP'), 'sparkplug_compressed_too_large'],
      [wrap(deflateSync(inner), 'LZ4'), 'sparkplug_compression_invalid'],
      [wrap(gzipSync(inner)), 'sparkplug_compression_invalid'],
      [wrap(Uint8Array.from([1, 2, 3, 4])), 'sparkplug_compression_invalid'],
      [encodeWire({ uuid: COMPRESSED_UUID }), 'sparkplug_compression_invalid'],
      [wrap(deflateSync(wrap(deflateSync(inner)))), 'sparkplug_compression_invalid'],
      [wrap(deflateSync(Uint8Array.from([0x12, 0x7f]))), 'sparkplug_payload_invalid'],
      [wrap(deflateSync(new Uint8Array(0))), 'sparkplug_payload_empty'],
    ];
    for (const [bytes, reason] of refused) expect(parseSparkplugPayload(bytes)).toEqual({ ok: false, reason });
  });

  it('refuses a birth that gives one alias to two metrics', () => {
    const parse = (metrics: WireMetric[]) => {
      const parsed = parseSparkplugPayload(payload(metrics));
      if (!parsed.ok) throw new Error(parsed.reason);
      return birthRefusal(parsed.payload);
    };
    expect(
      parse([
        { name: 'a', alias: 1 },
        { name: 'b', alias: 1 },
      ]),
    ).toBe('sparkplug_alias_duplicate');
    expect(parse([{ name: 'a', alias: 1 }, { name: 'b', alias: 2 }, { name: 'c' }])).toBeUndefined();
  });
});
