import type { EventBus } from '../common/bus/event-bus.js';
import type { DatabasePool } from '../common/database/database.pool.js';
import type { HealthIndicator } from '../common/feature/health-indicator.js';
import { FeatureRegistry } from '../common/feature/feature.registry.js';
import { HealthService } from './health.service.js';

function setup(registered: HealthIndicator[]) {
  const database = { up: true };
  const db = {
    ping: () => (database.up ? Promise.resolve() : Promise.reject(new Error('connect ECONNREFUSED'))),
  } as unknown as DatabasePool;
  const bus = { errorCounts: () => ({}) } as unknown as EventBus;
  const features = new FeatureRegistry();
  for (const indicator of registered) features.registerHealth(indicator);
  return { database, health: new HealthService(db, bus, features) };
}

describe('HealthService (sections from registered indicators)', () => {
  const connection = { connected: true };
  const indicators: HealthIndicator[] = [
    // Registered out of order on purpose: positions decide, then registration order for the unpositioned.
    { name: 'late', summary: () => ({ n: 1 }), status: () => ({ n: 1 }) },
    {
      name: 'database',
      positions: { summary: 90, status: 30 },
      summary: ({ database }) => ({ connected: database.ok, last_error: database.error }),
      status: ({ database }) => ({ connected: database.ok }),
    },
    { name: 'websocket', positions: { summary: 20, status: 50 }, summary: () => ({}), status: () => ({}) },
    {
      name: 'mqtt',
      positions: { summary: 10, status: 10 },
      healthy: () => connection.connected,
      ready: () => (connection.connected ? { up: true } : { up: false, details: { message: 'not connected' } }),
      summary: () => ({ connected: connection.connected }),
      status: () => ({ connected: connection.connected }),
    },
    { name: 'simulator', positions: { summary: 60 }, summary: () => ({ running: false }) },
    { name: 'pipeline', positions: { status: 40 }, status: () => ({ received: 0 }) },
  ];

  it('orders each document by the sections’ positions, the health module’s own sections around them', async () => {
    const { health } = setup(indicators);
    expect(Object.keys(await health.summary())).toEqual([
      'status',
      'version',
      'timestamp',
      'mqtt',
      'websocket',
      'simulator',
      'database',
      'late',
    ]);
    expect(Object.keys(await health.status())).toEqual([
      'version',
      'server_time',
      'uptime_s',
      'mqtt',
      'database',
      'pipeline',
      'websocket',
      'late',
      'event_bus',
      'memory',
    ]);
  });

  it('is degraded while the database is unreachable or an indicator is unhealthy, and hands out the ping', async () => {
    const { database, health } = setup(indicators);
    expect(await health.summary()).toMatchObject({ status: 'healthy', database: { connected: true } });
    database.up = false;
    expect(await health.summary()).toMatchObject({
      status: 'degraded',
      database: { connected: false, last_error: 'connect ECONNREFUSED' },
    });
    database.up = true;
    connection.connected = false;
    expect(await health.summary()).toMatchObject({ status: 'degraded', mqtt: { connected: false } });
    connection.connected = true;
  });

  it('lets only the indicators with a readiness check decide readiness', () => {
    const { health } = setup(indicators);
    expect(health.readinessIndicators().map((indicator) => indicator.name)).toEqual(['mqtt']);
  });
});
