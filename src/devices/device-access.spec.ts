import { pbkdf2Sync } from 'node:crypto';
import {
  type BrokerIdentity,
  mosquittoAclFile,
  mosquittoHash,
  mosquittoPasswordFile,
  publishRefusal,
  subscribeAllowed,
} from './device-access.js';

const device = (publishStatus: boolean): BrokerIdentity => ({
  kind: 'device',
  name: 'gw',
  units: new Set(['U1', 'U2']),
  publishStatus,
  sparkplugNodes: new Set(['G1/E1']),
});
const backend: BrokerIdentity = { kind: 'backend', name: 'backend' };
const simulator: BrokerIdentity = { kind: 'simulator', name: 'simulator', units: new Set(['UNIT001', 'UNIT002']) };

describe('publishRefusal', () => {
  it.each([
    ['scada/U1/temperature', false, true, undefined],
    ['scada/U2/pressure', false, false, undefined],
    ['scada/U1/temperature/set/ack', false, false, undefined],
    ['scada/U1/status', false, true, undefined],
    ['scada/U1/status', false, false, 'publish_status_denied'],
    ['scada/U3/temperature', false, true, 'publish_topic_denied'],
    ['scada/U1/temperature', true, true, 'publish_retain_denied'],
    ['scada/U1/temperature/set', false, true, 'publish_topic_denied'],
    ['scada/U1/status/set/ack', false, true, 'publish_topic_denied'],
    ['scada/U1', false, true, 'publish_topic_denied'],
    ['scada/U1/', false, true, 'publish_topic_denied'],
    ['scada/U1/a/b', false, true, 'publish_topic_denied'],
    ['other/U1/temperature', false, true, 'publish_topic_denied'],
    ['scadaX/U1/temperature', false, true, 'publish_topic_denied'],
    ['$SYS/broker/x', false, true, 'publish_topic_denied'],
  ] as const)('device: %s (retain %s, status right %s) → %s', (topic, retain, status, expected) => {
    expect(publishRefusal(device(status), 'scada', topic, retain)).toBe(expected);
  });

  it('lets the backend publish anywhere but $ topics, and the simulator readings and statuses of any unit', () => {
    expect(publishRefusal(backend, 'scada', 'scada/X/t/set', true)).toBeUndefined();
    expect(publishRefusal(backend, 'scada', '$SYS/x', false)).toBe('publish_topic_denied');
    expect(publishRefusal(simulator, 'scada', 'scada/UNIT999/status', false)).toBeUndefined();
    expect(publishRefusal(simulator, 'scada', 'scada/UNIT999/pump', false)).toBeUndefined();
    expect(publishRefusal(simulator, 'scada', 'scada/UNIT001/t', true)).toBe('publish_retain_denied');
  });

  it.each([
    ['scada/UNIT001/pump/set/ack', undefined],
    ['scada/UNIT002/temperature_setpoint/set/ack', undefined],
    ['scada/UNIT003/pump/set/ack', 'publish_topic_denied'],
    ['scada/UNIT001/pump/set', 'publish_topic_denied'],
    ['scada/UNIT001/status/set/ack', 'publish_topic_denied'],
    ['scada/UNIT001/pump/set/ack/x', 'publish_topic_denied'],
    ['other/UNIT001/pump/set/ack', 'publish_topic_denied'],
  ] as const)('simulator: command acks of its run’s units only: %s → %s', (topic, expected) => {
    expect(publishRefusal(simulator, 'scada', topic, false)).toBe(expected);
  });

  it.each([
    ['spBv1.0/Plant/NBIRTH/Simulator', undefined],
    ['spBv1.0/Plant/NDEATH/Simulator', undefined],
    ['spBv1.0/Plant/DDATA/Simulator/UNIT001', undefined],
    ['spBv1.0/Plant/DBIRTH/Simulator/UNIT002', undefined],
    ['spBv1.0/Plant/DDATA/Simulator/UNIT003', 'publish_topic_denied'],
    ['spBv1.0/Plant/NCMD/Simulator', 'publish_topic_denied'],
    ['spBv1.0/Plant/DCMD/Simulator/UNIT001', 'publish_topic_denied'],
    ['spBv1.0/Plant/NBIRTH/Other', 'publish_topic_denied'],
    ['spBv1.0/Other/NBIRTH/Simulator', 'publish_topic_denied'],
    ['spBv1.0/STATE/thermacore', 'publish_topic_denied'],
    ['spBv1.0/Plant/DDATA/Simulator/UNIT001/x', 'publish_topic_denied'],
  ] as const)('simulator as Sparkplug edge node: its own node and devices only: %s → %s', (topic, expected) => {
    const edge: BrokerIdentity = {
      ...simulator,
      sparkplug: { group: 'Plant', edgeNode: 'Simulator' },
    };
    expect(publishRefusal(edge, 'scada', topic, false)).toBe(expected);
    expect(publishRefusal(edge, 'scada', topic, true)).toBe('publish_retain_denied');
    // A simulator speaking JSON, and a device, publish nothing under spBv1.0/.
    expect(publishRefusal(simulator, 'scada', topic, false)).toBe('publish_topic_denied');
    expect(publishRefusal(device(true), 'scada', topic, false)).toBe('publish_topic_denied');
  });

  it.each([
    ['spBv1.0/Plant/NCMD/Simulator', true],
    ['spBv1.0/Plant/DCMD/Simulator/+', true],
    ['spBv1.0/Plant/DCMD/Simulator/UNIT001', true],
    ['spBv1.0/Plant/DCMD/Simulator/UNIT009', false],
    ['spBv1.0/Plant/DDATA/Simulator/+', false],
    ['spBv1.0/Plant/#', false],
    ['spBv1.0/#', false],
    ['spBv1.0/Other/NCMD/Simulator', false],
  ] as const)('simulator as Sparkplug edge node subscribes to its own commands only: %s → %s', (filter, allowed) => {
    const edge: BrokerIdentity = {
      ...simulator,
      sparkplug: { group: 'Plant', edgeNode: 'Simulator' },
    };
    expect(subscribeAllowed(edge, 'scada', filter)).toBe(allowed);
    expect(subscribeAllowed(simulator, 'scada', filter)).toBe(false);
  });

  it('lets a simulator with no run (no units) acknowledge nothing', () => {
    const idle: BrokerIdentity = { kind: 'simulator', name: 'simulator', units: new Set() };
    expect(publishRefusal(idle, 'scada', 'scada/UNIT001/pump/set/ack', false)).toBe('publish_topic_denied');
    expect(publishRefusal(idle, 'scada', 'scada/UNIT001/pump', false)).toBeUndefined();
  });
});

describe('subscribeAllowed', () => {
  it.each([
    ['scada/U1/+/set', true],
    ['scada/U2/temperature/set', true],
    ['scada/U1/status/set', false],
    ['scada/U3/+/set', false],
    ['scada/#', false],
    ['scada/U1/#', false],
    ['scada/+/+/set', false],
    ['#', false],
    ['$share/g/scada/U1/+/set', false],
    ['scada/U1/+/set/ack', false],
  ])('device: %s → %s', (filter, allowed) => {
    expect(subscribeAllowed(device(true), 'scada', filter)).toBe(allowed);
  });

  it('lets the backend subscribe to anything', () => {
    expect(subscribeAllowed(backend, 'scada', '$share/g/scada/#')).toBe(true);
  });

  it.each([
    ['scada/UNIT001/+/set', true],
    ['scada/UNIT002/pump/set', true],
    ['scada/UNIT003/+/set', false],
    ['scada/+/+/set', false],
    ['scada/#', false],
    ['scada/UNIT001/#', false],
    ['scada/UNIT001/+', false],
    ['scada/UNIT001/status/set', false],
    ['scada/UNIT001/+/set/ack', false],
    ['$share/g/scada/UNIT001/+/set', false],
  ])('simulator: the command topics of its run’s units only: %s → %s', (filter, allowed) => {
    expect(subscribeAllowed(simulator, 'scada', filter)).toBe(allowed);
  });
});

describe('Mosquitto files', () => {
  it('hashes in the $7$ format of mosquitto_passwd: PBKDF2-SHA512, 101 iterations, 12-byte salt, 64-byte key', () => {
    const salt = Buffer.alloc(12, 7);
    const hash = mosquittoHash('s3cret', salt);
    const [, seven, iterations, saltB64, keyB64] = hash.split('$');
    expect([seven, iterations, saltB64]).toEqual(['7', '101', salt.toString('base64')]);
    expect(keyB64).toBe(pbkdf2Sync('s3cret', salt, 101, 64, 'sha512').toString('base64'));
    expect(mosquittoHash('s3cret')).not.toBe(mosquittoHash('s3cret'));
  });

  it('writes one user line per device after the backend, and an ACL with exactly the allowed topics', () => {
    const devices = [
      { name: 'gw', units: ['U1'], publishStatus: false, sparkplugNodes: [], mosquittoHash: '$7$h1' },
      { name: 'gw2', units: ['U2'], publishStatus: true, sparkplugNodes: ['G1/E1'], mosquittoHash: '$7$h2' },
    ];
    expect(mosquittoPasswordFile(devices, { user: 'be', hash: '$7$hb' })).toBe('be:$7$hb\ngw:$7$h1\ngw2:$7$h2\n');
    const acl = mosquittoAclFile('scada', devices, 'be').split('\n');
    expect(acl).toEqual(
      expect.arrayContaining(['user be', 'topic readwrite scada/#', 'user gw', 'topic write scada/U1/+']),
    );
    expect(acl).toContain('topic deny scada/U1/status');
    expect(acl).not.toContain('topic deny scada/U2/status');
    expect(acl).toContain('topic read scada/U2/+/set');
    expect(acl.filter((l) => l.startsWith('topic readwrite'))).toEqual([
      'topic readwrite scada/#',
      'topic readwrite spBv1.0/#',
    ]);
    // gw2's Sparkplug edge node: its own messages out, its commands and the host STATE in; gw has none.
    const gw2 = acl.slice(acl.indexOf('user gw2'));
    expect(gw2).toEqual(
      expect.arrayContaining([
        'topic write spBv1.0/G1/NBIRTH/E1',
        'topic write spBv1.0/G1/NDATA/E1',
        'topic write spBv1.0/G1/NDEATH/E1',
        'topic write spBv1.0/G1/DDATA/E1/+',
        'topic read spBv1.0/G1/NCMD/E1/#',
        'topic read spBv1.0/G1/DCMD/E1/#',
        'topic read spBv1.0/STATE/+',
      ]),
    );
    expect(gw2.filter((l) => l.includes('CMD') && l.startsWith('topic write'))).toEqual([]);
    expect(acl.slice(0, acl.indexOf('user gw2')).filter((l) => l.includes('spBv1.0/G1'))).toEqual([]);
  });
});

describe('Sparkplug rights of a device', () => {
  const gw = device(false);
  const none: BrokerIdentity = { ...gw, sparkplugNodes: new Set() } as BrokerIdentity;
  it.each([
    ['spBv1.0/G1/NBIRTH/E1', false, undefined],
    ['spBv1.0/G1/NDATA/E1', false, undefined],
    ['spBv1.0/G1/NDEATH/E1', false, undefined],
    ['spBv1.0/G1/DBIRTH/E1/D1', false, undefined],
    ['spBv1.0/G1/DDATA/E1/D1', false, undefined],
    ['spBv1.0/G1/NDATA/E1', true, 'publish_retain_denied'],
    ['spBv1.0/G1/NDATA/E2', false, 'publish_topic_denied'],
    ['spBv1.0/G2/NDATA/E1', false, 'publish_topic_denied'],
    ['spBv1.0/G1/NCMD/E1', false, 'publish_topic_denied'],
    ['spBv1.0/G1/DCMD/E1/D1', false, 'publish_topic_denied'],
    ['spBv1.0/STATE/E1', false, 'publish_topic_denied'],
    ['spBv1.0/G1/NDATA/E1/D1', false, 'publish_topic_denied'],
    ['spBv1.0/G1/DDATA/E1', false, 'publish_topic_denied'],
    ['spBv1.0/G1/DDATA/E1/D1/x', false, 'publish_topic_denied'],
  ])('publish %s (retain %s): %s', (topic, retain, refusal) => {
    expect(publishRefusal(gw, 'scada', topic, retain)).toBe(refusal);
    expect(publishRefusal(none, 'scada', topic, false)).toBe('publish_topic_denied');
  });

  it.each([
    ['spBv1.0/G1/NCMD/E1', true],
    ['spBv1.0/G1/NCMD/E1/#', true],
    ['spBv1.0/G1/DCMD/E1/#', true],
    ['spBv1.0/G1/DCMD/E1/+', true],
    ['spBv1.0/G1/DCMD/E1/D1', true],
    ['spBv1.0/STATE/+', true],
    ['spBv1.0/STATE/host1', true],
    ['spBv1.0/STATE/#', false],
    ['spBv1.0/G1/NCMD/E2/#', false],
    ['spBv1.0/G1/NDATA/E1', false],
    ['spBv1.0/G1/#', false],
    ['spBv1.0/#', false],
    ['spBv1.0/+/NCMD/E1', false],
  ])('subscribe %s: %s', (filter, allowed) => {
    expect(subscribeAllowed(gw, 'scada', filter)).toBe(allowed);
    expect(subscribeAllowed(none, 'scada', filter)).toBe(false);
  });
});
