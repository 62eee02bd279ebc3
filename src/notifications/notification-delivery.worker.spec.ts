import { jest } from '@jest/globals';
import { Logger } from '@nestjs/common';
import type { AlarmWriter } from '../alerts/alarm.writer.js';
import type { FeatureRegistry, MetricSample } from '../common/feature/feature.registry.js';
import type { PeriodicJobs } from '../common/scheduling/periodic-jobs.js';
import type { AppConfig } from '../config/app-config.js';
import { type ChannelSender, SendError } from './channel.sender.js';
import type { NotificationChannel } from './notification-channel.js';
import type { NotificationChannelRepository } from './notification-channel.repository.js';
import type { Delivery, NotificationDeliveryRepository } from './notification-delivery.repository.js';
import { NotificationDeliveryWorker } from './notification-delivery.worker.js';
import type { NotificationRuleRepository } from './notification-rule.repository.js';
import type { QuietHours } from './quiet-hours.js';

const CHANNEL: NotificationChannel = {
  id: 'c1',
  name: 'hook',
  type: 'webhook',
  enabled: true,
  config: { url: 'http://127.0.0.1/', timeout_ms: 1000 },
  secret: 'x'.repeat(16),
  createdAt: new Date(0),
  updatedAt: new Date(0),
};

function delivery(id: string, attempts: number, channelId = 'c1', severity = 'critical'): Delivery {
  return {
    id,
    dedupKey: `k${id}`,
    kind: 'transition',
    alarmId: 'a1',
    unitId: 'UNIT001',
    ruleId: 'r1',
    channelId,
    transition: 'raised',
    step: 0,
    status: 'sending',
    attempts,
    dueAt: new Date(0),
    subject: '{unit_id}',
    template: '{message}',
    payload: {
      alarm_id: 'a1',
      rule_id: 'r1',
      unit_id: 'UNIT001',
      sensor_type: 'temperature',
      severity,
      value: 90,
      threshold: 85,
      state: 'active_unacknowledged',
      message: 'hot',
      raised_at: '',
      at: '',
      actor: null,
    },
    lastError: null,
    summaryId: null,
    createdAt: new Date(0),
    finishedAt: null,
  };
}

/**
 * The outbox, faked to hand out chosen claims and record how rows were finished; the sender, faked to fail on cue
 * (fault injection). The SQL itself runs in test/e2e/notifications.e2e-spec.ts.
 */
class FakeOutbox {
  claims: Delivery[][] = [];
  finished: { id: string; outcome: string; retryIn?: number | null; error?: string }[] = [];
  async cancelSettledEscalations() {
    return Promise.resolve(0);
  }
  async claim() {
    return Promise.resolve(this.claims.shift() ?? []);
  }
  async delivered(id: string) {
    this.finished.push({ id, outcome: 'delivered' });
    return Promise.resolve(true);
  }
  async failed(id: string, _token: string, error: string, retryIn: number | null) {
    this.finished.push({ id, outcome: 'failed', retryIn, error });
    return Promise.resolve(true);
  }
  async countByStatus() {
    return Promise.resolve(new Map([['pending', 2] as const]));
  }
  /** Distinct alarms in the flood window up to each row, as the SQL would count them. */
  floodCount = new Map<string, number>();
  held: { id: string; untilMs: number }[] = [];
  folded: string[] = [];
  async openMissingSummaries() {
    return Promise.resolve(0);
  }
  async floodedChannels() {
    return Promise.resolve(1);
  }
  async hold(rows: { id: string; untilMs: number }[]) {
    this.held.push(...rows.map(({ id, untilMs }) => ({ id, untilMs })));
    return Promise.resolve(rows.length);
  }
  async floodCounts(ids: string[]) {
    return Promise.resolve(new Map(ids.map((id) => [id, this.floodCount.get(id) ?? 0])));
  }
  async fold(ids: string[]) {
    this.folded.push(...ids);
    return Promise.resolve(ids.length);
  }
}

describe('NotificationDeliveryWorker', () => {
  beforeAll(() => {
    Logger.overrideLogger(false);
  });

  let outbox: FakeOutbox;
  let sent: string[];
  let failing: Set<string>;
  let collect: () => Iterable<MetricSample>;
  let worker: NotificationDeliveryWorker;
  let quiet: Map<string, QuietHours>;

  beforeEach(() => {
    outbox = new FakeOutbox();
    quiet = new Map();
    sent = [];
    failing = new Set();
    const sender = {
      send: (_c: NotificationChannel, m: { deliveryId: string }) => {
        if (failing.has(m.deliveryId)) return Promise.reject(new SendError('receiver answered 500'));
        sent.push(m.deliveryId);
        return Promise.resolve();
      },
    };
    const channels = {
      findMany: (ids: string[]) => Promise.resolve(new Map(ids.filter((id) => id === 'c1').map((id) => [id, CHANNEL]))),
    };
    const config = {
      notificationsRetryInitialMs: 1000,
      notificationsRetryMaxMs: 4000,
      notificationsMaxOutbox: 10,
      notificationsMaxAttempts: 3,
      notificationsLeaseMs: 60_000,
      notificationsPollMs: 1000,
      notificationsRetentionSeconds: 0,
      notificationsFlood: { threshold: 10, windowMs: 600_000, summaryMs: 300_000 },
    } as AppConfig;
    const rules = {
      quietHoursOf: (ids: string[]) => Promise.resolve(new Map([...quiet].filter(([id]) => ids.includes(id)))),
    };
    const metrics = { register: (_s: string, c: () => Iterable<MetricSample>) => (collect = c) };
    worker = new NotificationDeliveryWorker(
      outbox as unknown as NotificationDeliveryRepository,
      channels as unknown as NotificationChannelRepository,
      rules as unknown as NotificationRuleRepository,
      sender as unknown as ChannelSender,
      config,
      { every: () => undefined, stop: () => undefined } as unknown as PeriodicJobs,
      metrics as unknown as FeatureRegistry,
      { extend: () => undefined } as unknown as AlarmWriter,
    );
    worker.onModuleInit();
  });

  it('marks sent rows delivered, retries failures on the capped backoff of their stored attempts, gives up at the limit', async () => {
    failing = new Set(['k2', 'k3', 'k4']);
    outbox.claims = [[delivery('1', 1), delivery('2', 1), delivery('3', 2), delivery('4', 3)]];
    await worker.tick();
    expect(sent).toEqual(['k1']);
    const byId = new Map(outbox.finished.map((f) => [f.id, f]));
    expect(byId.get('1')).toEqual({ id: '1', outcome: 'delivered' });
    // Backoff with jitter 0.2: after 1 failure in [800, 1000], after 2 in [1600, 2000]; attempt 3 of 3 is final.
    expect(byId.get('2')?.retryIn).toBeGreaterThanOrEqual(800);
    expect(byId.get('2')?.retryIn).toBeLessThanOrEqual(1000);
    expect(byId.get('3')?.retryIn).toBeGreaterThanOrEqual(1600);
    expect(byId.get('3')?.retryIn).toBeLessThanOrEqual(2000);
    expect(byId.get('4')).toEqual({ id: '4', outcome: 'failed', retryIn: null, error: 'receiver answered 500' });
  });

  it('fails a row whose channel is gone at once, and counts every outcome for /metrics', async () => {
    failing = new Set(['k2']);
    outbox.claims = [[delivery('1', 1, 'gone'), delivery('2', 1), delivery('3', 1)]];
    await worker.tick();
    expect(outbox.finished.find((f) => f.id === '1')).toEqual({
      id: '1',
      outcome: 'failed',
      retryIn: null,
      error: 'channel deleted',
    });
    const samples = [...collect()];
    const sends = samples
      .filter((s) => s.name === 'scada_notification_sends_total')
      .map((s) => [s.labels?.channel, s.labels?.outcome, s.value]);
    expect(sends).toEqual(
      expect.arrayContaining([
        ['gone', 'failed', 1],
        ['hook', 'retried', 1],
        ['hook', 'delivered', 1],
      ]),
    );
    expect(samples.find((s) => s.name === 'scada_notification_outbox_depth')?.value).toBe(2);
  });

  it('folds non-critical transitions of a flooded channel, sends critical ones, and counts the suppressed', async () => {
    outbox.floodCount = new Map([
      ['1', 11],
      ['2', 11],
      ['3', 10],
    ]);
    // 1: critical in a flood (sent); 2: warning in a flood (folded); 3: warning, the 10th alarm: no flood yet.
    outbox.claims = [[delivery('1', 1), delivery('2', 1, 'c1', 'warning'), delivery('3', 1, 'c1', 'warning')]];
    await worker.tick();
    expect(outbox.folded).toEqual(['2']);
    expect(sent.sort()).toEqual(['k1', 'k3']);
    const samples = [...collect()];
    expect(samples.find((s) => s.name === 'scada_notification_suppressed_total')?.value).toBe(1);
    expect(samples.find((s) => s.name === 'scada_notification_flood_active')?.value).toBe(1);
  });

  it("holds a non-critical notification in its rule's quiet hours until they end, and sends a critical one", async () => {
    // Quiet all day but one minute, in UTC: whatever the date, now is quiet unless it is 23:59.
    jest.useFakeTimers({ now: Date.UTC(2026, 2, 10, 12, 0, 0), doNotFake: ['nextTick', 'setImmediate'] });
    try {
      quiet.set('r1', { start: '00:00', end: '23:59', timezone: 'UTC' });
      outbox.claims = [[delivery('1', 1), delivery('2', 1, 'c1', 'warning')]];
      await worker.tick();
      expect(outbox.held).toEqual([{ id: '2', untilMs: Date.UTC(2026, 2, 10, 23, 59) }]);
      expect(sent).toEqual(['k1']);
    } finally {
      jest.useRealTimers();
    }
  });
});
