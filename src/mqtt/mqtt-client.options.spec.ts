import { clientOptions, type BrokerSettings, type SessionTuning } from './mqtt-client.options.js';

describe('clientOptions', () => {
  const broker: BrokerSettings = {
    host: 'broker.plant.local',
    port: 1883,
    embedded: false,
    tls: false,
    username: 'scada',
    password: 'secret',
    clientId: 'thermacore_backend',
    keepalive: 60,
  };
  const v5: SessionTuning = {
    protocolVersion: 5,
    sessionExpiry: 86_400,
    receiveMaximum: 20_000,
    maxPacketSize: 262_144,
    reconnectPeriod: 800,
  };

  it('asks for a persistent MQTT 5 session with a large Receive Maximum and a bounded packet size', () => {
    expect(clientOptions(broker, v5)).toMatchObject({
      host: 'broker.plant.local',
      port: 1883,
      protocol: 'mqtt',
      clientId: 'thermacore_backend',
      username: 'scada',
      password: 'secret',
      keepalive: 60,
      clean: false,
      protocolVersion: 5,
      properties: { sessionExpiryInterval: 86_400, receiveMaximum: 20_000, maximumPacketSize: 262_144 },
      reconnectPeriod: 800,
      resubscribe: false,
    });
  });

  it('keeps reconnecting after a refused CONNACK, which the fallback to MQTT 3.1.1 relies on', () => {
    expect(clientOptions(broker, v5).reconnectOnConnackError).toBe(true);
  });

  it('sends no MQTT 5 properties with MQTT 3.1.1 (still a persistent session)', () => {
    const options = clientOptions(broker, { ...v5, protocolVersion: 4 });
    expect(options).toMatchObject({ protocolVersion: 4, clean: false });
    expect(options.properties).toBeUndefined();
  });

  it('connects over TLS with the CA, client certificate and key, verifying the broker unless told not to', () => {
    const tls = { ca: Buffer.from('CA'), cert: Buffer.from('CERT'), key: Buffer.from('KEY'), rejectUnauthorized: true };
    expect(clientOptions({ ...broker, tls: true, port: 8883 }, v5, tls)).toMatchObject({
      protocol: 'mqtts',
      port: 8883,
      ca: tls.ca,
      cert: tls.cert,
      key: tls.key,
      rejectUnauthorized: true,
    });
    expect(clientOptions({ ...broker, tls: true }, v5, { rejectUnauthorized: false })).toMatchObject({
      protocol: 'mqtts',
      rejectUnauthorized: false,
    });
  });

  it('ignores TLS material when TLS is off', () => {
    const options = clientOptions(broker, v5, { ca: Buffer.from('CA'), rejectUnauthorized: true });
    expect(options.protocol).toBe('mqtt');
    expect(options.ca).toBeUndefined();
  });
});
