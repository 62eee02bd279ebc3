import { jest } from '@jest/globals';
import type { Namespace } from 'socket.io';
import { RecoveryAdapter, PRUNE_EVERY_MS } from './recovery.adapter.js';

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

/** Broadcasts one event and answers the offset the adapter appended to it (what the client keeps). */
function broadcast(
  adapter: RecoveryAdapter,
  n: number,
  rooms: string[] = ['unit:U1'],
  extra: { except?: string[]; volatile?: boolean; ackId?: number } = {},
): string {
  const data: unknown[] = ['sensor_data', { n }];
  adapter.broadcast(
    { type: 2, data, ...(extra.ackId !== undefined ? { id: extra.ackId } : {}) },
    {
      rooms: new Set(rooms),
      except: new Set(extra.except ?? []),
      ...(extra.volatile ? { flags: { volatile: true } } : {}),
    },
  );
  return data[data.length - 1] as string;
}

describe('RecoveryAdapter', () => {
  beforeEach(() => jest.useFakeTimers({ now: 1_000_000 }));
  afterEach(() => jest.useRealTimers());

  it('keeps broadcasts for the recovery window and lets them go within a second after it, not a minute', () => {
    const adapter = new RecoveryAdapter(namespace(10_000));
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

  it('replays what a returning client missed in its rooms, with the offsets, as the original arguments', async () => {
    const adapter = new RecoveryAdapter(namespace(10_000));
    adapter.persistSession({ sid: 's1', pid: 'p1', rooms: ['s1', 'unit:U1'], data: { principal: 'x' } });
    const offset = broadcast(adapter, 1);
    const second = broadcast(adapter, 2);
    broadcast(adapter, 3, ['unit:U2']); // another room: not missed by this client
    broadcast(adapter, 4, []); // to everyone
    broadcast(adapter, 5, ['unit:U1'], { except: ['s1'] }); // skipped this client (it was behind)
    jest.advanceTimersByTime(3 * PRUNE_EVERY_MS);
    const session = await adapter.restoreSession('p1', offset);
    expect(session).toMatchObject({ sid: 's1', pid: 'p1', rooms: ['s1', 'unit:U1'], data: { principal: 'x' } });
    expect(session.missedPackets).toEqual([
      ['sensor_data', { n: 2 }, second],
      ['sensor_data', { n: 4 }, expect.any(String)],
    ]);
    void adapter.close();
  });

  it('keeps neither acknowledged nor volatile events, and gives them no offset', () => {
    const adapter = new RecoveryAdapter(namespace(10_000));
    expect(broadcast(adapter, 1, ['unit:U1'], { volatile: true })).toEqual({ n: 1 });
    expect(broadcast(adapter, 2, ['unit:U1'], { ackId: 7 })).toEqual({ n: 2 });
    expect(adapter.keptBroadcasts).toBe(0);
    void adapter.close();
  });

  it('refuses to restore an unknown session, an expired one, and an offset it does not hold', async () => {
    const adapter = new RecoveryAdapter(namespace(10_000));
    const old = broadcast(adapter, 1);
    adapter.persistSession({ sid: 's1', pid: 'p1', rooms: ['unit:U1'], data: {} });
    expect(await adapter.restoreSession('nobody', old)).toBeNull();
    // From another process (or an earlier start): never matches, whatever its number.
    expect(await adapter.restoreSession('p1', `deadbeef-${old.split('-')[1]}`)).toBeNull();
    expect(await adapter.restoreSession('p1', 'garbage')).toBeNull();
    jest.advanceTimersByTime(11_000); // the offset's broadcast and the session are past the window
    adapter.persistSession({ sid: 's2', pid: 'p2', rooms: ['unit:U1'], data: {} });
    expect(await adapter.restoreSession('p2', old)).toBeNull();
    expect(await adapter.restoreSession('p1', old)).toBeNull();
    void adapter.close();
  });

  it('finds the offset among many kept broadcasts', async () => {
    const adapter = new RecoveryAdapter(namespace(10_000));
    adapter.persistSession({ sid: 's1', pid: 'p1', rooms: ['unit:U1'], data: {} });
    const offsets = Array.from({ length: 1000 }, (_, n) => broadcast(adapter, n));
    for (const at of [0, 1, 499, 998, 999]) {
      const session = await adapter.restoreSession('p1', offsets[at]);
      expect(session.missedPackets.length).toBe(999 - at);
      if (at < 999) expect(session.missedPackets[0][1]).toEqual({ n: at + 1 });
    }
    void adapter.close();
  });
});
