import { describeOpcuaError } from './opcua-errors.js';

const settings = {
  endpointUrl: 'opc.tcp://plc:4840',
  securityMode: 'Sign',
  securityPolicy: 'Basic256Sha256',
  password: 'hunter2-secret',
};

describe('describeOpcuaError', () => {
  it("classifies node-opcua's failures into errors a user can act on", () => {
    expect(
      describeOpcuaError(
        new Error(
          'The connection cannot be established with server opc.tcp://plc:4840 .\nErr = (connect ECONNREFUSED)',
        ),
        settings,
      ),
    ).toMatchObject({ kind: 'unreachable', message: expect.stringContaining('opc.tcp://plc:4840 is not reachable') });
    expect(
      describeOpcuaError(
        new Error(
          'Cannot find an Endpoint matching  security mode: 2 policy: http://opcfoundation.org/UA/SecurityPolicy#Basic256Sha256',
        ),
        settings,
      ),
    ).toMatchObject({
      kind: 'security_rejected',
      message: expect.stringContaining('mode Sign with policy Basic256Sha256'),
    });
    expect(describeOpcuaError(new Error('BadCertificateUntrusted (0x801a0000)'), settings).kind).toBe('certificate');
    expect(describeOpcuaError(new Error('BadUserAccessDenied (0x801f0000)'), settings).kind).toBe('identity_rejected');
    expect(
      describeOpcuaError(new Error('Cannot find USERNAME user token policy in end point description'), settings),
    ).toMatchObject({ kind: 'identity_rejected', message: expect.stringContaining('rejected the user identity') });
    expect(describeOpcuaError(new Error('getaddrinfo ENOTFOUND plc'), settings).kind).toBe('unreachable');
    expect(describeOpcuaError(new Error('something odd'), settings).kind).toBe('server_error');
  });

  it('never repeats the password, and keeps messages to one bounded line', () => {
    const problem = describeOpcuaError(
      new Error(`BadUserAccessDenied for hunter2-secret\n${'x'.repeat(1000)}`),
      settings,
    );
    expect(problem.message).not.toContain('hunter2-secret');
    expect(problem.message).not.toContain('\n');
    expect(problem.message.length).toBeLessThan(500);
  });
});
