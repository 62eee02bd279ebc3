import { DataType, decodeWire, encodeWire } from './sparkplug.codec.js';
import { commandMetric, rawCommandValue } from './sparkplug-command.encoder.js';
import { metricValue } from './sparkplug-payload.parser.js';

const AT = 1_800_000_000_000;

/** Encodes, sends through protobuf and reads back with the host's own decoder: what an edge node would get. */
function roundTrip(datatype: number, value: number, uint32InLong = false): number | string {
  const encoded = commandMetric({ name: 'P', datatype, uint32InLong }, value, AT);
  if (!encoded.ok) return encoded.reason;
  const [metric] = decodeWire(encodeWire({ timestamp: AT, metrics: [encoded.metric] })).metrics!;
  const read = metricValue(datatype, metric);
  return read.ok ? read.value : read.reason;
}

describe('commandMetric', () => {
  it('carries name, alias, datatype and timestamp, the value in the datatype’s field', () => {
    expect(commandMetric({ name: 'Motor/Speed', alias: 7, datatype: DataType.Double }, 12.5, AT)).toEqual({
      ok: true,
      metric: { name: 'Motor/Speed', alias: 7, datatype: DataType.Double, timestamp: AT, double_value: 12.5 },
    });
    expect(commandMetric({ name: 'Run', datatype: DataType.Boolean }, 1, AT)).toEqual({
      ok: true,
      metric: { name: 'Run', datatype: DataType.Boolean, timestamp: AT, boolean_value: true },
    });
    const int8 = commandMetric({ name: 'T', datatype: DataType.Int8 }, -1, AT);
    expect(int8.ok && int8.metric.int_value).toBe(0xffffffff);
    const u32 = commandMetric({ name: 'C', datatype: DataType.UInt32, uint32InLong: true }, 7, AT);
    expect(u32.ok && u32.metric.long_value).toBe(7);
  });

  it('round-trips every commandable datatype at the edges of its range', () => {
    const cases: [number, number][] = [
      [DataType.Int8, -128],
      [DataType.Int8, 127],
      [DataType.Int16, -32768],
      [DataType.Int32, -2147483648],
      [DataType.Int32, 2147483647],
      [DataType.Int64, -Number.MAX_SAFE_INTEGER],
      [DataType.Int64, Number.MAX_SAFE_INTEGER],
      [DataType.UInt8, 255],
      [DataType.UInt16, 65535],
      [DataType.UInt32, 4294967295],
      [DataType.UInt64, Number.MAX_SAFE_INTEGER],
      [DataType.DateTime, AT],
      [DataType.Float, 0.5],
      [DataType.Double, -1e300],
      [DataType.Boolean, 0],
      [DataType.Boolean, 1],
    ];
    for (const [datatype, value] of cases) expect([datatype, roundTrip(datatype, value)]).toEqual([datatype, value]);
    expect(roundTrip(DataType.UInt32, 4294967295, true)).toBe(4294967295);
    // A Float holds 0.1 as the nearest float32: a readback tolerance must cover that rounding.
    expect(roundTrip(DataType.Float, 0.1)).toBe(Math.fround(0.1));
  });

  it('refuses a value the datatype cannot hold, with the reason, instead of truncating it', () => {
    const reason = (datatype: number, value: number) => {
      const r = commandMetric({ name: 'P', datatype }, value, AT);
      return r.ok ? 'sent' : r.reason;
    };
    expect(reason(DataType.UInt8, 256)).toBe("metric 'P': 256 does not fit UInt8 (whole numbers 0 to 255)");
    expect(reason(DataType.UInt16, -1)).toBe("metric 'P': -1 does not fit UInt16 (whole numbers 0 to 65535)");
    expect(reason(DataType.Int8, 128)).toBe("metric 'P': 128 does not fit Int8 (whole numbers -128 to 127)");
    expect(reason(DataType.Int32, 2.5)).toBe(
      "metric 'P': 2.5 does not fit Int32 (whole numbers -2147483648 to 2147483647)",
    );
    expect(reason(DataType.Int64, 2 ** 60)).toMatch(/does not fit Int64/);
    expect(reason(DataType.Boolean, 2)).toBe("metric 'P': 2 does not fit Boolean (0 or 1)");
    expect(reason(DataType.Float, 1e39)).toMatch(/does not fit Float/);
    expect(reason(DataType.Double, Infinity)).toBe("metric 'P': Infinity is not a finite number");
    expect(reason(DataType.String, 1)).toBe("metric 'P': datatype 12 cannot be commanded");
  });
});

describe('rawCommandValue', () => {
  it('undoes the sensor’s scale and offset for analog points only, without float noise', () => {
    expect(rawCommandValue(20.5, { scaleFactor: 0.1, offset: 0, scaled: true })).toBe(205);
    expect(rawCommandValue(25, { scaleFactor: 2, offset: 5, scaled: true })).toBe(10);
    expect(rawCommandValue(1, { scaleFactor: 0.1, offset: 0, scaled: false })).toBe(1);
    expect(rawCommandValue(0.3, { scaleFactor: 1, offset: 0, scaled: true })).toBe(0.3);
  });
});
