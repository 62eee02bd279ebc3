import { jest } from '@jest/globals';
import type { Server, Socket } from 'socket.io';
import type { AppConfig } from '../config/app-config.js';
import { ClientDelivery } from './client-delivery.service.js';
import { GatewayCounters } from './gateway-counters.js';
import type { LiveReading, SensorDataEvent } from './live-reading.js';
import { unitRoom } from './room.js';

const MAX_QUEUED = 4;
const TIMEOUT_MS = 1000;

/** A connection as ClientDelivery sees it: its engine send buffer, what it was sent, whether it was cut off. */
class FakeSocket {
  readonly received: SensorDataEvent[] = [];
  readonly conn = {
    writeBuffer: [] as unknown[],
    transport: { name: 'polling' },
    closed: false,
    close: () => (this.conn.closed = true),
  };
  readonly handshake = { address: '127.0.0.1' };
  disconnected = false;
  /** Like a WebSocket transport busy with its previous write: what is emitted waits in the buffer. */
  buffersEmits = false;
  constructor(readonly id: string) {}
  emit(event: string, payload: SensorDataEvent): void {
    if (event === 'sensor_data') this.received.push(payload);
    if (this.buffersEmits) this.conn.writeBuffer.push(payload);
  }
  disconnect(): void {
    this.disconnected = true;
  }
  /** The client stops reading: this many packets wait in its buffer. */
  stall(packets: number): void {
    this.conn.writeBuffer = new Array<unknown>(packets).fill('packet');
  }
}

/** Rooms and the local broadcast of a Socket.IO server, over fake sockets. */
class FakeServer {
  readonly rooms = new Map<string, Set<string>>();
  readonly sockets = { adapter: { rooms: this.rooms } };
  constructor(private readonly all: Map<string, FakeSocket>) {}
  join(socket: FakeSocket, unitId: string): void {
    const room = unitRoom(unitId);
    if (!this.rooms.has(room)) this.rooms.set(room, new Set());
    this.rooms.get(room)!.add(socket.id);
  }
  readonly local = {
    to: (room: string) => {
      const send = (except: string[]) => ({
        emit: (event: string, payload: SensorDataEvent) => {
          for (const id of this.rooms.get(room) ?? []) if (!except.includes(id)) this.all.get(id)?.emit(event, payload);
        },
      });
      return { ...send([]), except: (ids: string[]) => send(ids) };
    },
  };
}

const value = (sensor_type: string, v: number): LiveReading => ({
  sensor_type,
  value: v,
  quality: 'GOOD',
  timestamp: new Date(Date.UTC(2025, 0, 1, 0, 0, v)).toISOString(),
});

function setUp() {
  const sockets = new Map<string, FakeSocket>();
  const server = new FakeServer(sockets);
  const counters = new GatewayCounters();
  const config = {
    websocketSlowClientMaxQueued: MAX_QUEUED,
    websocketSlowClientTimeoutMs: TIMEOUT_MS,
    websocketRecoveryWindowMs: 0,
  } as AppConfig;
  const delivery = new ClientDelivery(config, counters);
  delivery.attach(server as unknown as Server);
  const connect = (id: string, ...units: string[]) => {
    const socket = new FakeSocket(id);
    sockets.set(id, socket);
    delivery.add(socket as unknown as Socket);
    for (const unit of units) server.join(socket, unit);
    return socket;
  };
  return { delivery, counters, connect };
}

const valuesOf = (socket: FakeSocket, unitId: string) =>
  socket.received
    .filter((e) => e.unit_id === unitId)
    .flatMap((e) => e.readings.map((r) => `${r.sensor_type}=${r.value}`));

describe('ClientDelivery (slow-client policy)', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it("sends a unit's readings to the members of its room only", () => {
    const { delivery, counters, connect } = setUp();
    const member = connect('a', 'U1');
    const other = connect('b', 'U2');
    delivery.deliver('U1', [value('t', 1)]);
    delivery.deliver('U9', [value('t', 2)]);
    expect(valuesOf(member, 'U1')).toEqual(['t=1']);
    expect(other.received).toEqual([]);
    expect(counters.sensorDataBroadcasts).toBe(1);
    expect(counters.sensorDataSent).toBe(1);
  });

  it("judges a client's buffer once per round, so a round's own emits to many units never make it look behind", () => {
    const { delivery, counters, connect } = setUp();
    const units = Array.from({ length: 3 * MAX_QUEUED }, (_, i) => `U${i}`);
    const watcher = connect('watcher', ...units);
    watcher.buffersEmits = true;
    delivery.deliverRound(units.map((u) => [u, [value('t', 1)]] as const));
    expect(watcher.received).toHaveLength(units.length);
    expect(counters.clientsFellBehind).toBe(0);
    // The transport never wrote those out: the next round finds them still waiting, and the client is behind.
    delivery.deliverRound(units.map((u) => [u, [value('t', 2)]] as const));
    expect(watcher.received).toHaveLength(units.length);
    expect(counters.clientsFellBehind).toBe(1);
    expect(delivery.heldReadings).toBe(units.length);
  });

  it('holds the latest value per sensor for a client behind, without holding the others back', () => {
    const { delivery, counters, connect } = setUp();
    const slow = connect('slow', 'U1');
    const fast = connect('fast', 'U1');
    slow.stall(MAX_QUEUED);
    delivery.deliver('U1', [value('t', 1), value('p', 1)]);
    delivery.deliver('U1', [value('t', 2)]);
    expect(valuesOf(fast, 'U1')).toEqual(['t=1', 'p=1', 't=2']);
    expect(slow.received).toEqual([]);
    expect(delivery.behindCount).toBe(1);
    expect(delivery.heldReadings).toBe(2);
    expect(counters.clientsFellBehind).toBe(1);
    expect(counters.readingsCoalesced).toBe(1);
  });

  it('sends what it held, once per unit, when its buffer has drained', () => {
    const { delivery, counters, connect } = setUp();
    const slow = connect('slow', 'U1', 'U2');
    slow.stall(MAX_QUEUED);
    delivery.deliver('U1', [value('t', 1)]);
    delivery.deliver('U1', [value('t', 2)]);
    delivery.deliver('U2', [value('p', 3)]);
    jest.advanceTimersByTime(100);
    expect(slow.received).toEqual([]);
    slow.stall(0);
    jest.advanceTimersByTime(100);
    expect(slow.received).toHaveLength(2);
    expect(valuesOf(slow, 'U1')).toEqual(['t=2']);
    expect(valuesOf(slow, 'U2')).toEqual(['p=3']);
    expect(counters.clientsCaughtUp).toBe(1);
    expect(delivery.behindCount).toBe(0);
    // A member again: the next reading comes with the broadcast.
    delivery.deliver('U1', [value('t', 4)]);
    expect(valuesOf(slow, 'U1')).toEqual(['t=2', 't=4']);
  });

  it('disconnects a client behind for longer than the timeout, dropping what it held', () => {
    const { delivery, counters, connect } = setUp();
    const slow = connect('slow', 'U1');
    slow.stall(MAX_QUEUED);
    delivery.deliver('U1', [value('t', 1)]);
    jest.advanceTimersByTime(TIMEOUT_MS);
    expect(slow.disconnected).toBe(false);
    jest.advanceTimersByTime(200);
    expect(slow.disconnected).toBe(true);
    expect(slow.conn.closed).toBe(true);
    expect(counters.slowClientDisconnects).toBe(1);
    expect(counters.readingsDropped).toBe(1);
    expect(delivery.behindCount).toBe(0);
  });

  it('disconnects at once a client with more than 4 x the limit queued', () => {
    const { delivery, counters, connect } = setUp();
    const slow = connect('slow', 'U1');
    slow.stall(MAX_QUEUED);
    delivery.deliver('U1', [value('t', 1)]);
    slow.stall(4 * MAX_QUEUED + 1);
    jest.advanceTimersByTime(100);
    expect(slow.disconnected).toBe(true);
    expect(counters.slowClientDisconnects).toBe(1);
  });

  it('finds a client in no room that stops reading at the full check, and lets it catch up', () => {
    const { delivery, counters, connect } = setUp();
    const idle = connect('idle');
    idle.stall(MAX_QUEUED);
    jest.advanceTimersByTime(900);
    expect(counters.clientsFellBehind).toBe(0);
    jest.advanceTimersByTime(100);
    expect(counters.clientsFellBehind).toBe(1);
    expect(delivery.maxQueuedSeen).toBe(MAX_QUEUED);
    idle.stall(0);
    jest.advanceTimersByTime(100);
    expect(counters.clientsCaughtUp).toBe(1);
  });

  it('forgets what it held for a unit the client left, and counts it dropped', () => {
    const { delivery, counters, connect } = setUp();
    const slow = connect('slow', 'U1', 'U2');
    slow.stall(MAX_QUEUED);
    delivery.deliver('U1', [value('t', 1), value('p', 1)]);
    delivery.deliver('U2', [value('t', 2)]);
    delivery.left(slow as unknown as Socket, 'U1');
    expect(counters.readingsDropped).toBe(2);
    slow.stall(0);
    jest.advanceTimersByTime(100);
    expect(slow.received.map((e) => e.unit_id)).toEqual(['U2']);
  });
});
