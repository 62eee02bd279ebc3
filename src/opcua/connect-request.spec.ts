import { decideConnect, sameEndpoint } from './connect-request.js';
import type { OpcuaConnectSettings } from './opcua-session.service.js';

const PLANT: OpcuaConnectSettings = {
  endpointUrl: 'opc.tcp://plc-1:4840',
  securityMode: 'None',
  securityPolicy: 'None',
};

describe('decideConnect', () => {
  it('opens a connection when there is none', () => {
    expect(decideConnect('disabled', undefined, PLANT)).toEqual({ action: 'open' });
    expect(decideConnect('disconnected', PLANT, { ...PLANT, endpointUrl: 'opc.tcp://plc-2:4840' })).toEqual({
      action: 'open',
    });
  });

  it('answers with the current connection when asked for the same one, connected or on its way', () => {
    for (const state of ['connecting', 'connected', 'reconnecting'] as const) {
      expect(decideConnect(state, PLANT, { ...PLANT })).toEqual({ action: 'current' });
      expect(decideConnect(state, PLANT, { ...PLANT, endpointUrl: 'OPC.TCP://PLC-1:4840/' })).toEqual({
        action: 'current',
      });
    }
  });

  it('refuses another endpoint while connected or connecting, naming the endpoint that holds the connection', () => {
    for (const state of ['connecting', 'connected', 'reconnecting'] as const) {
      const decision = decideConnect(state, PLANT, { ...PLANT, endpointUrl: 'opc.tcp://plc-2:4840' });
      expect(decision).toEqual({
        action: 'conflict',
        reason: expect.stringContaining(`OPC UA is ${state} to opc.tcp://plc-1:4840`) as string,
      });
      expect(decision).toMatchObject({ reason: expect.stringContaining('differs in endpoint_url') as string });
    }
  });

  it('refuses the same endpoint with other security or another user, without showing a password', () => {
    const signed = { ...PLANT, securityMode: 'Sign', securityPolicy: 'Basic256Sha256' } as const;
    expect(decideConnect('connected', PLANT, signed)).toMatchObject({
      action: 'conflict',
      reason: expect.stringContaining('security_mode, security_policy') as string,
    });
    const user = { ...PLANT, username: 'operator', password: 'old-secret' };
    expect(decideConnect('connected', user, { ...user })).toEqual({ action: 'current' });
    const changed = decideConnect('connected', user, { ...user, password: 'new-secret' });
    expect(changed).toMatchObject({ action: 'conflict', reason: expect.stringContaining('password') as string });
    expect(JSON.stringify(changed)).not.toMatch(/secret/);
    expect(decideConnect('connected', user, { ...PLANT })).toMatchObject({
      reason: expect.stringContaining('username') as string,
    });
  });
});

describe('sameEndpoint', () => {
  it('ignores the case of scheme and host and a trailing slash, not the port or path', () => {
    expect(sameEndpoint('opc.tcp://Plc:4840/', 'opc.tcp://plc:4840')).toBe(true);
    expect(sameEndpoint('opc.tcp://plc:4840', 'opc.tcp://plc:4841')).toBe(false);
    expect(sameEndpoint('opc.tcp://plc:4840/UA/Server', 'opc.tcp://plc:4840/ua/server')).toBe(false);
  });
});
