import { DataType, encodeWire, type WireMetric } from './sparkplug.codec.js';
import { SparkplugHost } from './sparkplug-host.state.js';
import { MappingOverrides } from './sparkplug-overrides.js';

const T0 = 1_800_000_000_000;

function harness() {
  const overrides = new MappingOverrides();
  const declared: string[] = [];
  const host = new SparkplugHost(
    { hostId: 'h1', reorderTimeoutMs: 1000, rebirthIntervalMs: 5000, maxNodes: 10, overrides },
    {
      reject: () => undefined,
      rebirth: () => undefined,
      declare: (points) => declared.push(...points.map((p) => `${p.unitId}/${p.sensorType}`)),
      republishState: () => undefined,
    },
  );
  let seq = 0;
  const send = (topic: string, metrics: WireMetric[], now = T0) =>
    host.take(`spBv1.0/G1/${topic}`, encodeWire({ timestamp: now, seq: seq++ % 256, metrics }), now);
  const nodeBirth = (now = T0) => {
    seq = 0;
    return send(
      'NBIRTH/E1',
      [
        { name: 'bdSeq', datatype: DataType.UInt64, long_value: now - T0 },
        { name: 'Setpoint', alias: 5, datatype: DataType.Float, float_value: 20 },
        { name: 'Counter', datatype: DataType.UInt32, long_value: 3 },
      ],
      now,
    );
  };
  const deviceBirth = () =>
    send('DBIRTH/E1/Pump', [
      { name: 'Run', alias: 9, datatype: DataType.Boolean, boolean_value: false },
      { name: 'Speed', datatype: DataType.Int16, int_value: 100 },
      { name: 'speed', datatype: DataType.Int16, int_value: 100 },
    ]);
  const override = (unitId: string, metrics: Record<string, string> = {}, deviceId?: string) =>
    overrides.put({
      id: `${deviceId ?? 'node'}-override`,
      groupId: 'G1',
      edgeNodeId: 'E1',
      deviceId,
      unitId,
      metrics,
      createdAt: new Date(T0),
      updatedAt: new Date(T0),
    });
  return { host, send, nodeBirth, deviceBirth, override, declared };
}

describe('SparkplugHost command targets', () => {
  it('finds the birth metric of a point, by node or device, with alias and datatype', () => {
    const h = harness();
    expect(h.host.commandTarget('G1_E1', 'setpoint')).toEqual({
      ok: false,
      reason: "no Sparkplug birth seen for unit 'G1_E1' since the backend started",
    });
    h.nodeBirth();
    h.deviceBirth();
    expect(h.host.commandTarget('G1_E1', 'setpoint')).toEqual({
      ok: true,
      target: { group: 'G1', edgeNode: 'E1', metric: { name: 'Setpoint', alias: 5, datatype: DataType.Float } },
    });
    expect(h.host.commandTarget('G1_E1', 'counter')).toMatchObject({
      ok: true,
      target: { metric: { name: 'Counter', datatype: DataType.UInt32, uint32InLong: true } },
    });
    expect(h.host.commandTarget('G1_E1_Pump', 'run')).toEqual({
      ok: true,
      target: {
        group: 'G1',
        edgeNode: 'E1',
        device: 'Pump',
        metric: { name: 'Run', alias: 9, datatype: DataType.Boolean },
      },
    });
    expect(h.host.commandTarget('G1_E1', 'nope')).toEqual({
      ok: false,
      reason: "no numeric metric of the birth of G1/E1 feeds 'nope'",
    });
    expect(h.host.commandTarget('G1_E1_Pump', 'speed')).toEqual({
      ok: false,
      reason: "metrics 'Speed' and 'speed' of G1/E1/Pump both feed 'speed'",
    });
  });

  it('refuses points of a dead node or device', () => {
    const h = harness();
    h.nodeBirth();
    h.deviceBirth();
    h.send('DDEATH/E1/Pump', []);
    expect(h.host.commandTarget('G1_E1_Pump', 'run')).toEqual({
      ok: false,
      reason: 'Sparkplug device G1/E1/Pump is offline',
    });
    h.send('NDEATH/E1', [{ name: 'bdSeq', datatype: DataType.UInt64, long_value: 0 }]);
    expect(h.host.commandTarget('G1_E1', 'setpoint')).toEqual({
      ok: false,
      reason: 'Sparkplug edge node G1/E1 is offline',
    });
  });

  it('applies an override at the next birth: another unit, renamed metrics', () => {
    const h = harness();
    h.nodeBirth();
    h.override('BOILER_1', { Setpoint: 'sp_main' });
    h.override('PUMP_7', {}, 'Pump');
    // Until the next birth, nothing changes.
    expect(h.send('NDATA/E1', [{ alias: 5, float_value: 21 }]).readings).toMatchObject([
      { unitId: 'G1_E1', sensorType: 'setpoint', value: 21 },
    ]);
    const birth = h.nodeBirth(T0 + 1000);
    expect(birth.readings.map((r) => `${r.unitId}/${r.sensorType}`)).toEqual(['BOILER_1/sp_main', 'BOILER_1/counter']);
    expect(birth.statuses).toMatchObject([{ unitId: 'BOILER_1', status: 'online' }]);
    expect(h.deviceBirth().readings[0]).toMatchObject({ unitId: 'PUMP_7', sensorType: 'run' });
    expect(h.declared).toContain('BOILER_1/sp_main');
    expect(h.host.commandTarget('BOILER_1', 'sp_main')).toMatchObject({ ok: true });
    expect(h.host.commandTarget('G1_E1', 'setpoint')).toMatchObject({ ok: false });
    expect(h.host.unitHolder('PUMP_7')).toEqual({ group: 'G1', edgeNode: 'E1', device: 'Pump' });
    expect(h.host.nodeViews()[0]).toMatchObject({ id: 'BOILER_1', devices: [{ device: 'Pump', unitId: 'PUMP_7' }] });
  });

  it('marks is_historical values as such, and a death repeats the last live value, not a historical one', () => {
    const h = harness();
    h.nodeBirth();
    const data = h.send('NDATA/E1', [
      { alias: 5, float_value: 22 },
      { alias: 5, float_value: 5, is_historical: true, timestamp: T0 - 60_000 },
    ]);
    expect(data.readings.map((r) => [r.value, r.historical])).toEqual([
      [22, undefined],
      [5, true],
    ]);
    const death = h.send('NDEATH/E1', [{ name: 'bdSeq', datatype: DataType.UInt64, long_value: 0 }]);
    expect(death.readings.find((r) => r.sensorType === 'setpoint')).toMatchObject({ value: 22, quality: 'UNCERTAIN' });
  });
});
