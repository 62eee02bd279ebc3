import { ClusterPeers } from './cluster-peers.registry.js';

const EXPIRY = 6000;

describe('ClusterPeers', () => {
  let peers: ClusterPeers;
  beforeEach(() => (peers = new ClusterPeers('self', 3, EXPIRY)));

  it('watches nothing until a peer reports, then the union of what the peers list', () => {
    expect(peers.watchesAny).toBe(false);
    expect(peers.accept({ instance: 'a', clients: 2, watch: { units: ['U1', 'U2'] } }, 0)).toBe('accepted');
    expect(peers.accept({ instance: 'b', clients: 1, watch: { units: ['U2', 'U3'] } }, 0)).toBe('accepted');
    expect(['U1', 'U2', 'U3', 'U4'].map((u) => peers.watches(u))).toEqual([true, true, true, false]);
    expect(peers.watchedUnits).toBe(3);
  });

  it('follows a peer that stops watching a unit, keeping what another peer still watches', () => {
    peers.accept({ instance: 'a', clients: 1, watch: { units: ['U1', 'U2'] } }, 0);
    peers.accept({ instance: 'b', clients: 1, watch: { units: ['U2'] } }, 0);
    peers.accept({ instance: 'a', clients: 1, watch: { units: [] } }, 100);
    expect(peers.watches('U1')).toBe(false);
    expect(peers.watches('U2')).toBe(true);
    peers.accept({ instance: 'b', clients: 0, watch: { units: [] } }, 100);
    expect(peers.watchesAny).toBe(false);
  });

  it('ignores its own reports', () => {
    peers.accept({ instance: 'self', clients: 4, watch: { units: ['U1'] } }, 0);
    expect(peers.watchesAny).toBe(false);
    expect(peers.list(0)).toEqual([]);
  });

  it('takes a peer that announces every unit, or reports without a watch set (an older version), to watch all', () => {
    peers.accept({ instance: 'a', clients: 1, watch: { all: true } }, 0);
    expect(peers.watches('ANY')).toBe(true);
    peers.accept({ instance: 'a', clients: 1, watch: { units: ['U1'] } }, 10);
    expect(peers.watches('ANY')).toBe(false);
    peers.accept({ instance: 'old', clients: 1 }, 10);
    expect(peers.watches('ANY')).toBe(true);
    expect(peers.list(10)).toEqual([
      { instance: 'a', clients: 1, watched_units: 1 },
      { instance: 'old', clients: 1, watched_units: 'all' },
    ]);
  });

  it('does not keep a list past the cap: the peer watches all, and the truncation is counted', () => {
    expect(peers.accept({ instance: 'a', clients: 1, watch: { units: ['U1', 'U2', 'U3', 'U4'] } }, 0)).toBe(
      'truncated',
    );
    expect(peers.truncated).toBe(1);
    expect(peers.watches('U9')).toBe(true);
    expect(peers.watchedUnits).toBe(0);
  });

  it.each<[string, unknown]>([
    ['null', null],
    ['no instance', { clients: 1, watch: { units: [] } }],
    ['clients not a count', { instance: 'a', clients: -1, watch: { units: [] } }],
    ['a watch that is no object', { instance: 'a', clients: 1, watch: 'U1' }],
    ['units not a list', { instance: 'a', clients: 1, watch: { units: 'U1' } }],
    ['a unit id that is no identifier', { instance: 'a', clients: 1, watch: { units: ['U1', 'bad id'] } }],
  ])('refuses a report with %s and keeps the last good one', (_name, report) => {
    peers.accept({ instance: 'a', clients: 1, watch: { units: ['U1'] } }, 0);
    expect(peers.accept(report, 10)).toBe('malformed');
    expect(peers.watches('U1')).toBe(true);
    expect(peers.list(10)).toEqual([{ instance: 'a', clients: 1, watched_units: 1 }]);
  });

  it('forgets a peer that stopped reporting, and what it watched', () => {
    peers.accept({ instance: 'a', clients: 1, watch: { units: ['U1'] } }, 0);
    peers.accept({ instance: 'b', clients: 1, watch: { all: true } }, 0);
    peers.accept({ instance: 'a', clients: 1, watch: { units: ['U1'] } }, 5000);
    peers.expire(EXPIRY + 1);
    expect(peers.watches('U1')).toBe(true);
    expect(peers.watches('U2')).toBe(false);
    peers.expire(5000 + EXPIRY + 1);
    expect(peers.watchesAny).toBe(false);
    expect(peers.list(5000 + EXPIRY + 1)).toEqual([]);
  });
});
