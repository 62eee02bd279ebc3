import { MqttSubscriptionSet } from './mqtt-subscription.set.js';

const CONFIGURED = 'scada/#';

function setOf(): MqttSubscriptionSet {
  return new MqttSubscriptionSet(CONFIGURED, 'scada/+/+');
}

describe('MqttSubscriptionSet', () => {
  it('always holds the configured filter first, at QoS 1, whatever was stored', () => {
    const set = setOf();
    set.load([{ filter: 'diag/#', qos: 0, configured: false }]);
    expect(set.all()).toEqual([
      { filter: CONFIGURED, qos: 1, configured: true },
      { filter: 'diag/#', qos: 0, configured: false },
    ]);
  });

  it('marks stored filters the configuration no longer wants as stale', () => {
    const set = setOf();
    set.load([
      { filter: '$share/old/scada/#', qos: 1, configured: true },
      { filter: 'scada/U1/+', qos: 1, configured: false },
      { filter: CONFIGURED, qos: 1, configured: true },
      { filter: 'diag/#', qos: 1, configured: false },
    ]);
    expect(set.stale).toEqual(['$share/old/scada/#', 'scada/U1/+']);
    expect(set.all().map((s) => s.filter)).toEqual([CONFIGURED, 'diag/#']);
    set.clearStale();
    expect(set.stale).toEqual([]);
  });

  it('starts over on every load: nothing of the previous client id stays', () => {
    const set = setOf();
    set.load([{ filter: 'diag/#', qos: 1, configured: false }]);
    set.confirm(CONFIGURED);
    set.load([]);
    expect(set.all().map((s) => s.filter)).toEqual([CONFIGURED]);
    expect(set.subscribedTopics(true)).toEqual([]);
  });

  it('refuses to change the configured filter or to add one that overlaps a subscription', () => {
    const set = setOf();
    set.want('diag/a/#', 0);
    expect(set.refusalToAdd([CONFIGURED])).toEqual({
      kind: 'conflict',
      message: `'${CONFIGURED}' is the configured subscription; it cannot be changed at run time`,
    });
    expect(set.refusalToAdd(['scada/U1/temperature'])?.message).toMatch(
      /^'scada\/U1\/temperature' overlaps the subscription 'scada\/#'/,
    );
    expect(set.refusalToAdd(['diag/+/x'])?.message).toMatch(/overlaps the subscription 'diag\/a\/#'/);
    // Two new filters overlapping each other are refused too, naming the earlier one.
    expect(set.refusalToAdd(['other/#', 'other/x'])?.message).toMatch(
      /^'other\/x' overlaps the subscription 'other\/#'/,
    );
    expect(set.refusalToAdd(['other/x', 'elsewhere/#'])).toBeUndefined();
  });

  it('lets a dynamic filter change its QoS: it does not overlap itself', () => {
    const set = setOf();
    set.want('diag/#', 0);
    expect(set.refusalToAdd(['diag/#'])).toBeUndefined();
    set.want('diag/#', 1);
    expect(set.all()[1]).toEqual({ filter: 'diag/#', qos: 1, configured: false });
  });

  it('removes only dynamic filters it holds', () => {
    const set = setOf();
    set.want('diag/#', 1);
    expect(set.refusalToRemove(['nope/#'])).toEqual({ kind: 'not_found', message: "Not subscribed to 'nope/#'" });
    expect(set.refusalToRemove([CONFIGURED])?.kind).toBe('conflict');
    expect(set.refusalToRemove(['diag/#'])).toBeUndefined();
    set.confirm('diag/#');
    set.drop('diag/#');
    expect(set.all().map((s) => s.filter)).toEqual([CONFIGURED]);
    expect(set.subscribedTopics(true)).toEqual([]);
  });

  it('reports confirmed filters in subscription order, and none once the connection is down', () => {
    const set = setOf();
    set.want('diag/#', 0);
    set.want('other/#', 1);
    set.confirm('other/#');
    set.confirm(CONFIGURED);
    expect(set.subscribedTopics(true)).toEqual([CONFIGURED, 'other/#']);
    expect(set.subscribedTopics(false)).toEqual([]);
    expect(set.states(true).map((s) => [s.filter, s.active, s.readingTopics])).toEqual([
      [CONFIGURED, true, true],
      ['diag/#', false, false],
      ['other/#', true, false],
    ]);
    expect(set.states(false).some((s) => s.active)).toBe(false);
    set.connectionDown();
    expect(set.subscribedTopics(true)).toEqual([]);
  });
});
