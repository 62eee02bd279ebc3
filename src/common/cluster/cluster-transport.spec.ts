import { redisTransportOptions } from './cluster-transport.js';

describe('redisTransportOptions', () => {
  it('reads host, port, credentials, database and TLS from REDIS_URL', () => {
    expect(redisTransportOptions('redis://127.0.0.1:6380')).toMatchObject({ host: '127.0.0.1', port: 6380 });
    expect(redisTransportOptions('redis://cache')).toMatchObject({ host: 'cache', port: 6379 });
    const full = redisTransportOptions('rediss://app:p%40ss@cache.internal:6390/2');
    expect(full).toMatchObject({ host: 'cache.internal', port: 6390, username: 'app', password: 'p@ss', db: 2 });
    expect(full.tls).toEqual({});
    expect(redisTransportOptions('redis://cache')).not.toHaveProperty('tls');
  });

  it('keeps reconnecting and never queues events while Redis is away', () => {
    const options = redisTransportOptions('redis://cache');
    expect(options.retryAttempts).toBe(Number.MAX_SAFE_INTEGER);
    expect(options).toMatchObject({ enableOfflineQueue: false });
  });
});
