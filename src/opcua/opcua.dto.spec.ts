import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import { BrowseOpcuaQuery, ConnectOpcuaDto, NODE_ID, ReadOpcuaDto, SubscribeOpcuaDto } from './opcua.dto.js';
import { endpointUrlProblem, opcuaSecurityProblem } from './opcua-security.js';

/** Runs the global ValidationPipe's rules: the property names that failed, or [] when the body is valid. */
function problems<T extends object>(type: new () => T, body: object): string[] {
  const errors = validateSync(plainToInstance(type, body), { whitelist: true, forbidNonWhitelisted: true });
  return errors.map((e) => e.property);
}

describe('OPC UA DTOs', () => {
  it("accept the seed's mapping and fill the defaults", () => {
    const body = {
      node_id: 'ns=2;i=123',
      unit_id: 'UNIT001',
      sensor_type: 'temperature',
      scale_factor: 0.1,
      offset: -273.15,
    };
    expect(problems(SubscribeOpcuaDto, body)).toEqual([]);
    const dto = plainToInstance(SubscribeOpcuaDto, { node_id: 'ns=2;i=123', unit_id: 'U1', sensor_type: 'level' });
    expect(dto).toMatchObject({ scale_factor: 1, offset: 0, sampling_interval_ms: 1000 });
  });

  it('refuse mappings a user must fix, naming the field', () => {
    const ok = { node_id: 'ns=2;i=123', unit_id: 'UNIT001', sensor_type: 'temperature' };
    expect(problems(SubscribeOpcuaDto, { ...ok, node_id: 'UNIT001.temperature' })).toEqual(['node_id']);
    expect(problems(SubscribeOpcuaDto, { ...ok, unit_id: 'UNIT 1' })).toEqual(['unit_id']);
    expect(problems(SubscribeOpcuaDto, { ...ok, sensor_type: '' })).toEqual(['sensor_type']);
    expect(problems(SubscribeOpcuaDto, { ...ok, scale_factor: 'x' })).toEqual(['scale_factor']);
    expect(problems(SubscribeOpcuaDto, { ...ok, offset: Number.NaN })).toEqual(['offset']);
    expect(problems(SubscribeOpcuaDto, { ...ok, sampling_interval_ms: 1.5 })).toEqual(['sampling_interval_ms']);
    expect(problems(SubscribeOpcuaDto, { ...ok, sampling_interval_ms: -1 })).toEqual(['sampling_interval_ms']);
    expect(problems(SubscribeOpcuaDto, { ...ok, extra: 1 })).toEqual(['extra']);
    expect(problems(SubscribeOpcuaDto, {}).sort()).toEqual(['node_id', 'sensor_type', 'unit_id']);
  });

  it('know the node id forms of OPC UA text syntax', () => {
    for (const id of [
      'i=85',
      'ns=2;i=123',
      'ns=1;s=UNIT001.temperature',
      'ns=3;s=Line 1/Pump "A"',
      'nsu=urn:plant:plc;i=7',
      'ns=2;g=09087e75-8e5e-499b-954f-f2a9603db28a',
      'ns=2;b=M/RbKBsRVkePCePcx24oRA==',
    ]) {
      expect(`${id}: ${NODE_ID.test(id)}`).toBe(`${id}: true`);
    }
    for (const id of ['', 'ns=2', 'ns=2;x=1', 'i=abc', 'ns=-1;i=1', 'ns=2;g=not-a-guid', 's=']) {
      expect(`${id}: ${NODE_ID.test(id)}`).toBe(`${id}: false`);
    }
  });

  it('bound reads and browses', () => {
    expect(problems(ReadOpcuaDto, { node_ids: ['i=85'] })).toEqual([]);
    expect(problems(ReadOpcuaDto, { node_ids: [] })).toEqual(['node_ids']);
    expect(problems(ReadOpcuaDto, { node_ids: Array.from({ length: 101 }, (_, i) => `i=${i}`) })).toEqual(['node_ids']);
    expect(problems(ReadOpcuaDto, { node_ids: ['i=85', 'oops'] })).toEqual(['node_ids']);
    expect(plainToInstance(BrowseOpcuaQuery, {})).toMatchObject({ node_id: 'i=85', depth: 1 });
    expect(problems(BrowseOpcuaQuery, { node_id: 'ns=1;s=Units', depth: '3' })).toEqual([]);
    expect(problems(BrowseOpcuaQuery, { depth: '6' })).toEqual(['depth']);
    expect(problems(BrowseOpcuaQuery, { depth: 'deep' })).toEqual(['depth']);
  });

  it('check connection settings', () => {
    expect(problems(ConnectOpcuaDto, {})).toEqual([]);
    expect(problems(ConnectOpcuaDto, { endpoint_url: 'opc.tcp://plc:4840/UA/Server', security_mode: 'Sign' })).toEqual(
      [],
    );
    expect(problems(ConnectOpcuaDto, { endpoint_url: 'http://plc:4840' })).toEqual(['endpoint_url']);
    expect(problems(ConnectOpcuaDto, { endpoint_url: 'opc.tcp://user:pw@plc:4840' })).toEqual(['endpoint_url']);
    expect(problems(ConnectOpcuaDto, { security_mode: 'Encrypt' })).toEqual(['security_mode']);
    expect(problems(ConnectOpcuaDto, { security_policy: 'Basic512' })).toEqual(['security_policy']);
    expect(opcuaSecurityProblem('None', 'None')).toBeUndefined();
    expect(opcuaSecurityProblem('SignAndEncrypt', 'Basic256Sha256')).toBeUndefined();
    expect(opcuaSecurityProblem('None', 'Basic256Sha256')).toContain('goes with security policy None');
    expect(opcuaSecurityProblem('Sign', 'None')).toContain('needs a security policy other than None');
    expect(endpointUrlProblem('opc.tcp://127.0.0.1:4840')).toBeUndefined();
    expect(endpointUrlProblem('opc.tcp://')).toContain('must look like');
  });
});
