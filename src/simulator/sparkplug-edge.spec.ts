import type { RejectReason } from '../pipeline/pipeline-stats.js';
import { DataType, decodeWire, encodeWire } from '../sparkplug/sparkplug.codec.js';
import { type PointDeclaration, SparkplugHost } from '../sparkplug/sparkplug-host.state.js';
import { PlantModel } from './plant-model.js';
import { type ControlReadout, type EdgeMessage, REBIRTH_METRIC, SparkplugEdgeNode } from './sparkplug-edge.js';
import { ALWAYS_ONLINE } from './unit-status.js';
import { NO_ANOMALIES } from './unit-model.js';

const T0 = Date.UTC(2026, 0, 5, 8);

/** The simulator's edge node feeding the backend's own host state machine, as on the wire (encoded, decoded). */
function harness(units = 2) {
  const plant = new PlantModel({ seed: 7, units, anomalies: NO_ANOMALIES, status: ALWAYS_ONLINE });
  const controls = new Map<string, ControlReadout>();
  const edge = new SparkplugEdgeNode('Plant', 'Simulator', plant.unitIds, (id) => ({
    setpoint: controls.get(id)?.setpoint,
    pumpOn: controls.get(id)?.pumpOn ?? true,
  }));
  const rejects: RejectReason[] = [];
  const declared: PointDeclaration[] = [];
  const rebirths: string[] = [];
  const host = new SparkplugHost(
    { hostId: 'h', reorderTimeoutMs: 1000, rebirthIntervalMs: 1, maxNodes: 10 },
    {
      reject: (r) => rejects.push(r),
      rebirth: (n) => rebirths.push(n.edgeNode),
      declare: (p) => declared.push(...p),
      republishState: () => undefined,
    },
  );
  const deliver = (messages: EdgeMessage[], now: number) => messages.map((m) => host.take(m.topic, m.payload, now));
  const tick = (t: number) => {
    const out: EdgeMessage[] = [];
    edge.tick(plant.tick(t), out);
    return out;
  };
  return { plant, controls, edge, host, rejects, declared, rebirths, deliver, tick };
}

describe('SparkplugEdgeNode', () => {
  it('births every unit as a device with alias, datatype and engineering unit; data by alias is stored', () => {
    const h = harness();
    h.edge.startSession(0);
    h.deliver([h.edge.birth(T0)], T0);
    const births = h.tick(T0);
    expect(births.map((m) => m.topic)).toEqual([
      'spBv1.0/Plant/DBIRTH/Simulator/UNIT001',
      'spBv1.0/Plant/DBIRTH/Simulator/UNIT002',
    ]);
    const birth = decodeWire(births[0].payload);
    expect(
      birth.metrics?.map((m) => [m.name, m.alias === undefined ? undefined : Number(m.alias), m.datatype]),
    ).toEqual([
      ['temperature', 1, DataType.Double],
      ['pressure', 2, DataType.Double],
      ['flow_rate', 3, DataType.Double],
      ['power', 4, DataType.Double],
      ['temperature_setpoint', 5, DataType.Double],
      ['pump', 6, DataType.Boolean],
    ]);
    const [stored] = h.deliver(births, T0);
    // The setpoint is unset until commanded: its birth says so with is_null (counted, not stored).
    expect(stored.readings.map((r) => [r.unitId, r.sensorType])).toEqual([
      ['Plant_Simulator_UNIT001', 'temperature'],
      ['Plant_Simulator_UNIT001', 'pressure'],
      ['Plant_Simulator_UNIT001', 'flow_rate'],
      ['Plant_Simulator_UNIT001', 'power'],
      ['Plant_Simulator_UNIT001', 'pump'],
    ]);
    expect(h.declared).toContainEqual({
      unitId: 'Plant_Simulator_UNIT001',
      sensorType: 'temperature',
      engineeringUnit: '°C',
      digital: false,
    });
    expect(h.declared).toContainEqual({ unitId: 'Plant_Simulator_UNIT002', sensorType: 'pump', digital: true });

    const data = h.tick(T0 + 1000);
    expect(data.map((m) => m.topic)).toEqual([
      'spBv1.0/Plant/DDATA/Simulator/UNIT001',
      'spBv1.0/Plant/DDATA/Simulator/UNIT002',
    ]);
    expect(decodeWire(data[1].payload).metrics?.every((m) => m.name === undefined && m.alias !== undefined)).toBe(true);
    const readings = h.deliver(data, T0 + 1000).flatMap((g) => g.readings);
    expect(readings).toHaveLength(8);
    expect(readings[4]).toMatchObject({ unitId: 'Plant_Simulator_UNIT002', sensorType: 'temperature' });
    expect(h.rejects).toEqual(['sparkplug_null_value', 'sparkplug_null_value']);
    expect(h.rebirths).toEqual([]);
  });

  it('runs seq 0–255 over every message and wraps; the host sees no gap', () => {
    const h = harness(1);
    h.edge.startSession(0);
    h.deliver([h.edge.birth(T0)], T0);
    const seqs: number[] = [];
    for (let i = 0; i < 300; i++) {
      const out = h.tick(T0 + i * 1000);
      seqs.push(...out.map((m) => Number(decodeWire(m.payload).seq)));
      h.deliver(out, T0 + i * 1000);
    }
    expect(seqs.slice(0, 3)).toEqual([1, 2, 3]);
    expect(seqs.slice(254, 257)).toEqual([255, 0, 1]);
    h.host.tick(T0 + 400_000);
    expect(h.rebirths).toEqual([]);
    expect(h.host.nodeViews()[0]).toMatchObject({ state: 'online', lastSeq: 300 % 256 });
  });

  it('answers a Rebirth with a new NBIRTH (same bdSeq, later birth time) and DBIRTHs with the next readings', () => {
    const h = harness(1);
    h.edge.startSession(3);
    const first = decodeWire(h.edge.birth(T0).payload);
    const rebirthNcmd = encodeWire({
      metrics: [{ name: REBIRTH_METRIC, datatype: DataType.Boolean, boolean_value: true }],
    });
    expect(h.edge.isRebirthRequest(rebirthNcmd)).toBe(true);
    expect(h.edge.isRebirthRequest(Buffer.from('not protobuf at all, ff'))).toBe(false);
    const again = decodeWire(h.edge.birth(T0).payload);
    expect(again.metrics?.find((m) => m.name === 'bdSeq')?.long_value).toBe('3');
    expect(Number(again.timestamp)).toBeGreaterThan(Number(first.timestamp));
    expect(Number(again.seq)).toBe(0);
    expect(h.tick(T0 + 1000).map((m) => m.topic)).toEqual(['spBv1.0/Plant/DBIRTH/Simulator/UNIT001']);
  });

  it('turns DCMDs into commands of the writable points (by name or alias) and reports the value in the next DDATA', () => {
    const h = harness(1);
    h.edge.startSession(0);
    h.deliver([h.edge.birth(T0)], T0);
    h.deliver(h.tick(T0), T0);
    const commands = h.edge.deviceCommands(
      'UNIT001',
      encodeWire({
        metrics: [
          { name: 'temperature_setpoint', datatype: DataType.Double, double_value: 21.5 },
          { alias: 6, datatype: DataType.Boolean, boolean_value: false },
          { name: 'temperature', datatype: DataType.Double, double_value: 3 },
          { name: 'nonsense', double_value: 3 },
        ],
      }),
    );
    expect(commands).toEqual([
      { ok: true, unitId: 'UNIT001', point: 'temperature_setpoint', value: 21.5 },
      { ok: true, unitId: 'UNIT001', point: 'pump', value: 0 },
      { ok: false, unitId: 'UNIT001', reason: 'not_writable' },
      { ok: false, unitId: 'UNIT001', reason: 'malformed' },
    ]);
    expect(h.edge.deviceCommands('UNIT001', Buffer.from([0xff, 0xff]))).toEqual([
      { ok: false, unitId: 'UNIT001', reason: 'malformed' },
    ]);
    expect(h.edge.deviceCommands('UNIT999', Buffer.alloc(0))).toEqual([]);
    h.edge.report('UNIT001', 'temperature_setpoint', 21.5);
    h.edge.report('UNIT001', 'pump', 0);
    const readings = h.deliver(h.tick(T0 + 1000), T0 + 1000).flatMap((g) => g.readings);
    expect(readings.slice(4).map((r) => [r.sensorType, r.value])).toEqual([
      ['temperature_setpoint', 21.5],
      ['pump', 0],
    ]);
    // Reported once: the following DDATA carries the four measurements only.
    expect(decodeWire(h.tick(T0 + 2000)[0].payload).metrics).toHaveLength(4);
  });

  it('a stop sends DDEATH then NDEATH of the session: the host marks the points stale and the units offline', () => {
    const h = harness(2);
    h.edge.startSession(5);
    h.deliver([h.edge.birth(T0)], T0);
    h.deliver(h.tick(T0), T0);
    const deaths = [...h.edge.deviceDeaths(T0 + 500), h.edge.death(5, T0 + 500)];
    expect(deaths.map((m) => m.topic)).toEqual([
      'spBv1.0/Plant/DDEATH/Simulator/UNIT001',
      'spBv1.0/Plant/DDEATH/Simulator/UNIT002',
      'spBv1.0/Plant/NDEATH/Simulator',
    ]);
    const gathered = h.deliver(deaths, T0 + 500);
    expect(gathered[0].readings.every((r) => r.quality === 'UNCERTAIN')).toBe(true);
    expect(gathered.flatMap((g) => g.statuses).map((s) => [s.unitId, s.status])).toEqual([
      ['Plant_Simulator_UNIT001', 'offline'],
      ['Plant_Simulator_UNIT002', 'offline'],
      ['Plant_Simulator', 'offline'],
    ]);
    expect(h.host.nodeViews()[0]).toMatchObject({ state: 'offline', bdSeq: 5 });
    // The will of the next session carries the next bdSeq, and its birth is taken as a new session.
    expect(h.edge.startSession(5)).toBe(6);
    h.edge.startSession(6);
    h.deliver([h.edge.birth(T0 + 1000)], T0 + 1000);
    expect(h.host.nodeViews()[0]).toMatchObject({ state: 'online', bdSeq: 6 });
  });

  it('a unit gone offline sends a DDEATH, and a DBIRTH when it reports again', () => {
    const h = harness(1);
    h.edge.startSession(0);
    h.edge.birth(T0);
    h.tick(T0);
    const out: EdgeMessage[] = [];
    h.edge.tick(
      {
        readings: [],
        statusChanges: [
          { unit_id: 'UNIT001', status: 'offline', previous_status: 'online', timestamp: new Date(T0).toISOString() },
        ],
      },
      out,
    );
    expect(out.map((m) => m.topic)).toEqual(['spBv1.0/Plant/DDEATH/Simulator/UNIT001']);
    expect(h.tick(T0 + 1000).map((m) => m.topic)).toEqual(['spBv1.0/Plant/DBIRTH/Simulator/UNIT001']);
  });
});
