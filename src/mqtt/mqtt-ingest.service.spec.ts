import { jest } from '@jest/globals';
import { EventBus } from '../common/bus/event-bus.js';
import type { RawReading, RawUnitStatus, ReadingBatch } from '../common/bus/event-map.js';
import { PipelineStats } from '../pipeline/pipeline-stats.js';
import type { AppConfig } from '../config/app-config.js';
import { FakeMqttClient, publish } from './fake-mqtt-client.fixture.js';
import { MqttIngestService } from './mqtt-ingest.service.js';

type Batch = ReadingBatch<RawReading, RawUnitStatus>;

function setUp(config: { batchSize?: number; maxPendingAcks?: number } = {}) {
  const bus = new EventBus();
  const batches: Batch[] = [];
  bus.on('readings.received', 'spec', (b) => void batches.push(b));
  const stats = new PipelineStats();
  const appConfig = {
    mqttTopicPrefix: 'scada',
    ingestBatchSize: config.batchSize ?? 100,
    ingestBatchWindowMs: 5,
    mqttMaxPendingAcks: config.maxPendingAcks ?? 1000,
  } as AppConfig;
  const ingest = new MqttIngestService(appConfig, bus, stats);
  const client = new FakeMqttClient();
  ingest.attach(client.asClient());
  return { ingest, client, batches, stats };
}

/** The "writer": commits batches in arrival order, settling each one's acknowledgement. */
function commit(batches: Batch[]): void {
  for (const b of batches.splice(0)) b.ack?.settle();
}

describe('MqttIngestService', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('parses, batches and holds every QoS 1 PUBACK until its batch commits', () => {
    const { ingest, client, batches } = setUp({ batchSize: 3 });
    client.deliver(
      publish('scada/U1/temperature', 1),
      publish('scada/U1/pressure', 2),
      publish('scada/U1/status', 3, { payload: 'online' }),
    );
    expect(batches).toHaveLength(1);
    expect(batches[0].readings.map((r) => `${r.unitId}/${r.sensorType}`)).toEqual(['U1/temperature', 'U1/pressure']);
    expect(batches[0].statuses?.map((s) => s.status)).toEqual(['online']);
    expect(ingest.pendingAcks).toBe(3);
    expect(client.pubacks).toEqual([]);
    commit(batches);
    expect(client.pubacks).toEqual([1, 2, 3]);
    expect(ingest.pendingAcks).toBe(0);
  });

  it('never holds anything for QoS 0: such a batch carries no acknowledgement', () => {
    const { ingest, client, batches } = setUp();
    client.deliver(publish('scada/U1/temperature', 0, { qos: 0 }), publish('scada/U1/temperature', 0, { qos: 0 }));
    jest.advanceTimersByTime(5);
    expect(batches).toHaveLength(1);
    expect(batches[0].readings).toHaveLength(2);
    expect(batches[0].ack).toBeUndefined();
    expect(ingest.pendingAcks).toBe(0);
  });

  it('acknowledges a rejected message with its batch: it will never become valid', () => {
    const { client, batches, stats } = setUp();
    client.deliver(publish('scada/U1/temperature', 1, { payload: 'not json' }), publish('scada/only-two', 2));
    jest.advanceTimersByTime(5);
    expect(batches[0].readings).toEqual([]);
    expect(stats.rejectedTotal()).toBe(2);
    commit(batches);
    expect(client.pubacks).toEqual([1, 2]);
  });

  it('splits batches at a reconnect: message ids of the old connection are never acknowledged on the new one', () => {
    const { ingest, client, batches } = setUp();
    client.deliver(publish('scada/U1/temperature', 1), publish('scada/U1/temperature', 2));
    client.drop(); // the gathered readings still go on (live data, storage)
    expect(batches).toHaveLength(1);
    client.reconnect();
    client.deliver(publish('scada/U1/temperature', 1)); // the broker redelivers id 1 on the new session
    jest.advanceTimersByTime(5);
    expect(batches).toHaveLength(2);
    expect(ingest.pendingAcks).toBe(1);
    commit(batches);
    // Only the new connection's copy is acknowledged; the old connection's ids died with it.
    expect(client.pubacks).toEqual([1]);
  });

  it('pauses intake at MQTT_MAX_PENDING_ACKS, sends what it gathered, and resumes at half of it', () => {
    const { ingest, client, batches } = setUp({ batchSize: 100, maxPendingAcks: 10 });
    client.deliver(...Array.from({ length: 25 }, (_, i) => publish('scada/U1/temperature', i + 1)));
    // Paused at 10: the open batch went out at once (no window wait) so that its commit can resume intake.
    expect(ingest.intakePaused).toBe(true);
    expect(ingest.intakePauses).toBe(1);
    expect(batches.map((b) => b.readings.length)).toEqual([10]);
    expect(client.unread).toHaveLength(15);
    commit(batches);
    // Resumed and paused again after 10 more; their batch went out too.
    expect(ingest.intakePauses).toBe(2);
    expect(client.pubacks).toHaveLength(10);
    commit(batches);
    jest.advanceTimersByTime(5);
    commit(batches);
    expect(ingest.intakePaused).toBe(false);
    expect(client.unread).toHaveLength(0);
    expect(client.pubacks).toEqual(Array.from({ length: 25 }, (_, i) => i + 1));
  });

  it('refuses what arrives while intake is held: not acknowledged, so the broker delivers it again', () => {
    const { ingest, client, batches } = setUp();
    client.deliver(publish('scada/U1/temperature', 1));
    ingest.hold();
    client.deliver(publish('scada/U1/temperature', 2), publish('scada/U1/temperature', 0, { qos: 0 }));
    commit(batches);
    expect(client.pubacks).toEqual([1]);
    expect({ withheld: ingest.messagesWithheld, dropped: ingest.messagesDroppedWhileHeld }).toEqual({
      withheld: 1,
      dropped: 1,
    });
  });
});
