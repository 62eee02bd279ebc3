import { DataType, encodeWire, type WireMetric } from './sparkplug.codec.js';
import { MAX_METRICS, metricValue, parseSparkplugPayload } from './sparkplug-payload.parser.js';

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

  it('counts what is not a numeric point instead of storing it', () => {
    for (const datatype of [DataType.String, DataType.Text, DataType.UUID, DataType.Bytes, DataType.DataSet]) {
      expect(value(datatype, { string_value: 'x' })).toBe('sparkplug_unsupported_datatype');
    }
    expect(value(DataType.Template, { template_value: { metrics: [] } })).toBe('sparkplug_unsupported_datatype');
    expect(value(DataType.Int8Array, { bytes_value: new Uint8Array([1, 2]) })).toBe('sparkplug_unsupported_datatype');
    expect(value(DataType.Double, { is_null: true })).toBe('sparkplug_null_value');
    expect(value(DataType.Double, { int_value: 3 })).toBe('sparkplug_value_mismatch');
    expect(value(DataType.UInt8, { int_value: 256 })).toBe('sparkplug_value_mismatch');
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
      [deep(120), 'sparkplug_payload_invalid'],
      [new Uint8Array(1024 * 1024 + 1), 'sparkplug_payload_too_large'],
      [payload(Array.from({ length: MAX_METRICS + 1 }, () => ({}))), 'sparkplug_too_many_metrics'],
    ];
    for (const [bytes, reason] of cases) expect(parseSparkplugPayload(bytes)).toEqual({ ok: false, reason });
    // A field sent with the wrong wire type is skipped: the metric arrives without it.
    const wrongWire = parseSparkplugPayload(Uint8Array.from([0x12, 0x04, 0x12, 0x02, 0x41, 0x42]));
    expect(wrongWire.ok && wrongWire.payload.metrics[0].alias).toBeUndefined();
  });
});
