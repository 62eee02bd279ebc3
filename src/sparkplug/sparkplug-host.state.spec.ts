import type { RejectReason } from '../pipeline/pipeline-stats.js';
import { DataType, encodeWire, type WireMetric } from './sparkplug.codec.js';
import { type HostEffects, type PointDeclaration, SparkplugHost } from './sparkplug-host.state.js';
import { sensorTypeOf, unitIdOf } from './sparkplug.mapping.js';

const T0 = 1_800_000_000_000;

function harness() {
  const rejects: RejectReason[] = [];
  const rebirths: string[] = [];
  const declared: PointDeclaration[] = [];
  let republished = 0;
  const effects: HostEffects = {
    reject: (r) => rejects.push(r),
    rebirth: (n) => rebirths.push(`${n.group}/${n.edgeNode}`),
    declare: (p) => declared.push(...p),
    republishState: () => republished++,
  };
  const host = new SparkplugHost(
    { hostId: 'h1', reorderTimeoutMs: 1000, rebirthIntervalMs: 5000, maxNodes: 10 },
    effects,
  );
  const send = (topic: string, metrics: WireMetric[], seq?: number, timestamp = T0, now = T0) =>
    host.take(`spBv1.0/G1/${topic}`, encodeWire({ timestamp, seq, metrics }), now);
  const birthMetrics = (bdSeq: number): WireMetric[] => [
    { name: 'bdSeq', datatype: DataType.UInt64, long_value: bdSeq },
    { name: 'Motor/Speed', alias: 1, datatype: DataType.Double, double_value: 10 },
    { name: 'Running', alias: 2, datatype: DataType.Boolean, boolean_value: true },
  ];
  return { host, send, birthMetrics, rejects, rebirths, declared, republished: () => republished };
}

describe('SparkplugHost', () => {
  it('births define aliases; data resolves by alias and name; births declare digital points', () => {
    const h = harness();
    const birth = h.send('NBIRTH/E1', h.birthMetrics(1), 0);
    expect(birth.readings.map((r) => [r.unitId, r.sensorType, r.value])).toEqual([
      ['G1_E1', 'motor_speed', 10],
      ['G1_E1', 'running', 1],
    ]);
    expect(birth.statuses).toMatchObject([{ unitId: 'G1_E1', status: 'online' }]);
    expect(h.declared).toContainEqual({ unitId: 'G1_E1', sensorType: 'running', digital: true });
    const data = h.send(
      'NDATA/E1',
      [
        { alias: 1, double_value: 11 },
        { name: 'Running', boolean_value: false },
      ],
      1,
    );
    expect(data.readings.map((r) => [r.sensorType, r.value, r.source])).toEqual([
      ['motor_speed', 11, 'sparkplug'],
      ['running', 0, 'sparkplug'],
    ]);
    expect(h.rejects).toEqual([]);
  });

  it('passes String metrics on as state names, and a death repeats the last one', () => {
    const h = harness();
    const birth = h.send(
      'NBIRTH/E1',
      [...h.birthMetrics(1), { name: 'Mode', alias: 3, datatype: DataType.String, string_value: 'auto' }],
      0,
    );
    expect(birth.readings.find((r) => r.sensorType === 'mode')).toMatchObject({ stateName: 'auto' });
    expect(h.declared).toContainEqual({ unitId: 'G1_E1', sensorType: 'mode', digital: false });
    const data = h.send('NDATA/E1', [{ alias: 3, string_value: 'manual' }], 1);
    expect(data.readings).toMatchObject([{ sensorType: 'mode', stateName: 'manual' }]);
    expect(data.readings[0].historical).toBeUndefined();
    const death = h.send('NDEATH/E1', [{ name: 'bdSeq', datatype: DataType.UInt64, long_value: 1 }], undefined);
    expect(death.readings.find((r) => r.sensorType === 'mode')).toMatchObject({
      stateName: 'manual',
      quality: 'UNCERTAIN',
    });
    expect(death.readings.find((r) => r.sensorType === 'motor_speed')?.stateName).toBeUndefined();
    expect(h.rejects).toEqual([]);
  });

  it('data before a birth and unknown aliases ask for a Rebirth, throttled', () => {
    const h = harness();
    expect(h.send('NDATA/E1', [{ alias: 1, double_value: 1 }], 5).readings).toEqual([]);
    h.send('NDATA/E1', [{ alias: 1, double_value: 1 }], 6, T0, T0 + 100);
    expect(h.rebirths).toEqual(['G1/E1']);
    expect(h.rejects).toEqual(['sparkplug_no_birth', 'sparkplug_no_birth']);
    h.send('NBIRTH/E1', h.birthMetrics(1), 0, T0 + 6000, T0 + 6000);
    h.send('NDATA/E1', [{ alias: 9, double_value: 1 }], 1, T0 + 6000, T0 + 6000);
    expect(h.rebirths).toEqual(['G1/E1', 'G1/E1']);
    expect(h.rejects).toContain('sparkplug_unknown_metric');
  });

  it('a seq gap asks for a Rebirth only after the reorder timeout, and not when the message turns up', () => {
    const h = harness();
    h.send('NBIRTH/E1', h.birthMetrics(1), 0);
    h.send('NDATA/E1', [{ alias: 1, double_value: 1 }], 2, T0, T0 + 10); // 1 is missing
    h.host.tick(T0 + 500);
    h.send('NDATA/E1', [{ alias: 1, double_value: 1 }], 1, T0, T0 + 600); // late, within the timeout
    h.host.tick(T0 + 2000);
    expect(h.rebirths).toEqual([]);
    h.send('NDATA/E1', [{ alias: 1, double_value: 1 }], 5, T0, T0 + 2100); // 3 and 4 lost
    h.host.tick(T0 + 2500);
    expect(h.rebirths).toEqual([]);
    h.host.tick(T0 + 3200);
    expect(h.rebirths).toEqual(['G1/E1']);
    // seq wraps 255 → 0 without a gap.
    const w = harness();
    w.send('NBIRTH/E1', w.birthMetrics(1), 254);
    w.send('NDATA/E1', [{ alias: 1, double_value: 1 }], 255);
    w.send('NDATA/E1', [{ alias: 1, double_value: 1 }], 0);
    w.host.tick(T0 + 10_000);
    expect(w.rebirths).toEqual([]);
  });

  it('NDEATH with the matching bdSeq makes points stale and units offline; an old birth never revives', () => {
    const h = harness();
    h.send('NBIRTH/E1', h.birthMetrics(7), 0);
    h.send('DBIRTH/E1/D1', [{ name: 'Temp', alias: 5, datatype: DataType.Float, float_value: 20.5 }], 1);
    expect(h.send('NDEATH/E1', [{ name: 'bdSeq', long_value: 6 }]).readings).toEqual([]);
    expect(h.rejects).toEqual(['sparkplug_stale_death']);
    const death = h.send('NDEATH/E1', [{ name: 'bdSeq', long_value: 7 }], undefined, T0, T0 + 50);
    expect(death.readings.map((r) => [r.unitId, r.sensorType, r.value, r.quality, r.timestamp])).toEqual([
      ['G1_E1', 'motor_speed', 10, 'UNCERTAIN', T0 + 50],
      ['G1_E1', 'running', 1, 'UNCERTAIN', T0 + 50],
      ['G1_E1_D1', 'temp', 20.5, 'UNCERTAIN', T0 + 50],
    ]);
    expect(death.statuses.map((s) => [s.unitId, s.status])).toEqual([
      ['G1_E1', 'offline'],
      ['G1_E1_D1', 'offline'],
    ]);
    // The dead session's birth arriving late: refused, the node stays dead.
    expect(h.send('NBIRTH/E1', h.birthMetrics(7), 0, T0, T0 + 60).statuses).toEqual([]);
    expect(h.rejects).toContain('sparkplug_stale_birth');
    expect(h.host.nodeViews()[0]).toMatchObject({ id: 'G1_E1', state: 'offline', bdSeq: 7 });
    // A new session (next bdSeq) does.
    expect(h.send('NBIRTH/E1', h.birthMetrics(8), 0, T0 + 100, T0 + 100).statuses[0].status).toBe('online');
  });

  it('republishes our STATE when it is seen offline, and ignores commands and other groups', () => {
    const h = harness();
    h.host.take('spBv1.0/STATE/h1', Buffer.from('{"online":false,"timestamp":1}'), T0);
    h.host.take('spBv1.0/STATE/other', Buffer.from('{"online":false}'), T0);
    expect(h.republished()).toBe(1);
    expect(h.host.take('spBv1.0/G1/NCMD/E1', Buffer.from([]), T0)).toEqual({ readings: [], statuses: [] });
    expect(h.host.take('spBv1.0/G1/BOGUS/E1', Buffer.from([]), T0).readings).toEqual([]);
    expect(h.rejects).toEqual(['sparkplug_topic_invalid']);
  });

  it('refuses metrics that contradict the birth, and births with a duplicate alias, counting each', () => {
    const h = harness();
    h.send('NBIRTH/E1', [...h.birthMetrics(1), { name: 'Odd', datatype: 99, int_value: 1 }], 0);
    expect(h.rejects).toEqual(['sparkplug_datatype_unknown']);
    const data = h.send(
      'NDATA/E1',
      [
        { alias: 1, datatype: DataType.Float, float_value: 1 }, // the birth says Double
        { name: 'Running', alias: 1, boolean_value: true }, // alias 1 is Motor/Speed
        { double_value: 3 }, // neither name nor alias
        { alias: 1, double_value: 12 },
      ],
      1,
    );
    expect(data.readings.map((r) => [r.sensorType, r.value])).toEqual([['motor_speed', 12]]);
    expect(h.rejects.slice(1)).toEqual([
      'sparkplug_datatype_mismatch',
      'sparkplug_alias_conflict',
      'sparkplug_metric_invalid',
    ]);
    expect(h.rebirths).toEqual([]);
    const dup = h.send(
      'NBIRTH/E1',
      [...h.birthMetrics(2), { name: 'Other', alias: 2, datatype: DataType.Double, double_value: 1 }],
      0,
      T0 + 1,
    );
    expect(dup).toEqual({ readings: [], statuses: [] });
    expect(h.rejects.at(-1)).toBe('sparkplug_alias_duplicate');
    expect(h.rebirths).toEqual(['G1/E1']);
  });

  it('maps names to our identifiers stably', () => {
    expect(sensorTypeOf('Motor/Speed')).toBe('motor_speed');
    expect(sensorTypeOf('  Tank 1 / Level (%) ')).toBe('tank_1_level');
    expect(sensorTypeOf('///')).toBeUndefined();
    expect(unitIdOf('Plant 1', 'Line/2')).toBe('Plant_1_Line_2');
    const long = unitIdOf('G'.repeat(80), 'E');
    expect(long).toHaveLength(64);
    expect(unitIdOf('G'.repeat(80), 'E')).toBe(long);
    expect(unitIdOf('G'.repeat(80), 'F')).not.toBe(long);
  });
});
