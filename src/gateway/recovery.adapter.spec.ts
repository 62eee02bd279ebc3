import { jest } from '@jest/globals';
import type { Namespace } from 'socket.io';
import { PromptlyPrunedSessionAdapter, PRUNE_EVERY_MS } from './recovery.adapter.js';

/** What the adapter reads of its namespace: the recovery window, an encoder, and the (here: no) sockets. */
function namespace(windowMs: number): Namespace {
  return {
    name: '/',
    sockets: new Map(),
    server: {
      opts: { connectionStateRecovery: { maxDisconnectionDuration: windowMs } },
      encoder: { encode: () => [] },
    },
  } as unknown as Namespace;
}

const broadcast = (adapter: PromptlyPrunedSessionAdapter, n: number): void =>
  adapter.broadcast(
    { type: 2, data: ['sensor_data', { n }], nsp: '/' },
    { rooms: new Set(['unit:U1']), except: new Set() },
  );

describe('PromptlyPrunedSessionAdapter', () => {
  beforeEach(() => jest.useFakeTimers({ now: 1_000_000 }));
  afterEach(() => jest.useRealTimers());

  it('keeps broadcasts for the recovery window and lets them go within a second after it, not a minute', () => {
    const adapter = new PromptlyPrunedSessionAdapter(namespace(10_000));
    broadcast(adapter, 1);
    jest.advanceTimersByTime(5_000);
    broadcast(adapter, 2);
    jest.advanceTimersByTime(5_000 - PRUNE_EVERY_MS);
    expect(adapter.keptBroadcasts).toBe(2); // the first is exactly 9 s old: a client may still ask for it

    jest.advanceTimersByTime(2 * PRUNE_EVERY_MS); // the first is past the window now, the second is not
    expect(adapter.keptBroadcasts).toBe(1);
    jest.advanceTimersByTime(5_000);
    expect(adapter.keptBroadcasts).toBe(0);
    void adapter.close();
  });

  it('still replays what a returning client missed within the window', async () => {
    const adapter = new PromptlyPrunedSessionAdapter(namespace(10_000));
    adapter.persistSession({ sid: 's1', pid: 'p1', rooms: ['unit:U1'], data: {} });
    broadcast(adapter, 1);
    const offset = (adapter as unknown as { packets: { id: string }[] }).packets[0].id;
    broadcast(adapter, 2);
    broadcast(adapter, 3);
    jest.advanceTimersByTime(3 * PRUNE_EVERY_MS);
    const session = await adapter.restoreSession('p1', offset);
    expect(session?.missedPackets).toEqual([
      ['sensor_data', { n: 2 }, expect.any(String)],
      ['sensor_data', { n: 3 }, expect.any(String)],
    ]);
    void adapter.close();
  });
});
