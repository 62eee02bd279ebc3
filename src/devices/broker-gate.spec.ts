import type { AuthenticateError, Client, PublishPacket } from 'aedes';
import { hashSecret } from '../common/auth/api-key.js';
import { BrokerGate } from './broker-gate.js';

interface FakeClient {
  id: string;
  closed: boolean;
  closes: number;
  close(): void;
}

function client(id: string): FakeClient & Client {
  const c: FakeClient = {
    id,
    closed: false,
    closes: 0,
    close() {
      this.closes++;
      this.closed = true;
    },
  };
  return c as FakeClient & Client;
}

function gate(allowAnonymous = false): BrokerGate {
  const g = new BrokerGate({ topicPrefix: 'scada', backendClientId: 'backend-1', allowAnonymous });
  g.setDevices([{ name: 'gw', units: ['U1'], publishStatus: false, sparkplugNodes: [], secretHash: hashSecret('pw') }]);
  return g;
}

/** The CONNACK return code aedes would send: 0 accepted. */
function connect(g: BrokerGate, c: Client, username?: string, password?: string): number {
  let code = -1;
  g.handlers().authenticate(c, username, password === undefined ? undefined : Buffer.from(password), (err, ok) => {
    code = ok === true ? 0 : (err as AuthenticateError).returnCode;
  });
  return code;
}

function publish(g: BrokerGate, c: Client, topic: string, retain = false): boolean {
  let allowed = false;
  g.handlers().authorizePublish(c, { topic, retain } as PublishPacket, (err) => (allowed = !err));
  return allowed;
}

function subscribe(g: BrokerGate, c: Client, topic: string): boolean {
  let granted = false;
  g.handlers().authorizeSubscribe(c, { topic, qos: 1 }, (_err, sub) => (granted = !!sub));
  return granted;
}

describe('BrokerGate', () => {
  it('accepts known devices and its own identities, refuses the rest with the 3.1.1 return codes, and counts', () => {
    const g = gate();
    expect(connect(g, client('c1'), 'gw', 'pw')).toBe(0);
    expect(connect(g, client('c2'), g.backend.username, g.backend.password)).toBe(0);
    expect(connect(g, client('c3'), g.simulator.username, g.simulator.password)).toBe(0);
    expect(connect(g, client('c4'))).toBe(5);
    expect(connect(g, client('c5'), 'gw', 'wrong')).toBe(4);
    expect(connect(g, client('c6'), 'gw')).toBe(4);
    expect(connect(g, client('c7'), 'nobody', 'pw')).toBe(4);
    expect(connect(g, client('c8'), g.backend.username, g.simulator.password)).toBe(4);
    expect(g.refused.get('connect_anonymous')).toBe(1);
    expect(g.refused.get('connect_bad_credentials')).toBe(4);
  });

  it("reserves the backend's and the simulator's client ids, also with anonymous access on", () => {
    const g = gate(true);
    expect(connect(g, client('backend-1'), 'gw', 'pw')).toBe(2);
    expect(connect(g, client('backend-1'))).toBe(2);
    expect(connect(g, client('backend-1_simulator'), g.backend.username, g.backend.password)).toBe(2);
    expect(connect(g, client('backend-1'), g.backend.username, g.backend.password)).toBe(0);
    expect(connect(g, client('lab'))).toBe(0);
    expect(g.refused.get('connect_client_id_reserved')).toBe(3);
  });

  it('applies the device rules to publishes and subscriptions of the identity it authenticated', () => {
    const g = gate();
    const device = client('d');
    connect(g, device, 'gw', 'pw');
    expect(publish(g, device, 'scada/U1/temperature')).toBe(true);
    expect(publish(g, device, 'scada/U2/temperature')).toBe(false);
    expect(publish(g, device, 'scada/U1/status')).toBe(false);
    expect(subscribe(g, device, 'scada/#')).toBe(false);
    expect(subscribe(g, device, 'scada/U1/+/set')).toBe(true);
    const backend = client('backend-1');
    connect(g, backend, g.backend.username, g.backend.password);
    expect(subscribe(g, backend, 'scada/#')).toBe(true);
    expect(publish(g, client('never-connected'), 'scada/U1/temperature')).toBe(false);
    expect(g.refused.get('publish_topic_denied')).toBe(2);
    expect(g.refused.get('publish_status_denied')).toBe(1);
    expect(g.refused.get('subscribe_denied')).toBe(1);
  });

  it('closes the connections of a device that is no longer in the list, and refuses it from then on', () => {
    const g = gate();
    const device = client('d');
    const other = client('o');
    connect(g, device, 'gw', 'pw');
    connect(g, other, g.backend.username, g.backend.password);
    g.setDevices([]);
    expect(device.closes).toBe(1);
    expect(other.closes).toBe(0);
    expect(connect(g, client('d2'), 'gw', 'pw')).toBe(4);
  });

  it('lets the simulator take the command topics of the units of the run it connected for, and no others', () => {
    const g = gate();
    const before = client('backend-1_simulator');
    connect(g, before, g.simulator.username, g.simulator.password);
    expect(subscribe(g, before, 'scada/UNIT001/+/set')).toBe(false);
    g.setSimulatorUnits(['UNIT001', 'UNIT002']);
    const run = client('backend-1_simulator');
    expect(connect(g, run, g.simulator.username, g.simulator.password)).toBe(0);
    expect(subscribe(g, run, 'scada/UNIT002/+/set')).toBe(true);
    expect(subscribe(g, run, 'scada/UNIT003/+/set')).toBe(false);
    expect(publish(g, run, 'scada/UNIT001/pump/set/ack')).toBe(true);
    expect(publish(g, run, 'scada/UNIT003/pump/set/ack')).toBe(false);
    expect(publish(g, run, 'scada/UNIT001/pump/set')).toBe(false);
    expect(publish(g, run, 'scada/UNIT050/temperature')).toBe(true);
  });
});
