import { randomUUID } from 'node:crypto';
import { type BeforeApplicationShutdown, Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { AlarmWriter } from '../alerts/alarm.writer.js';
import { Backoff } from '../common/backoff.js';
import { ThrottledLogger } from '../common/logging/throttled-logger.js';
import { FeatureRegistry, type MetricSample } from '../common/feature/feature.registry.js';
import { PeriodicJobs } from '../common/scheduling/periodic-jobs.js';
import { AppConfig } from '../config/app-config.js';
import { ChannelSender, SendError } from './channel.sender.js';
import type { NotificationChannel } from './notification-channel.js';
import {
  type Delivery,
  DELIVERY_STATUSES,
  type DeliveryStatus,
  NotificationDeliveryRepository,
} from './notification-delivery.repository.js';
import { NotificationChannelRepository } from './notification-channel.repository.js';
import { renderNotification } from './notification-message.js';
import { NotificationOutboxExtension } from './notification-outbox.extension.js';

const SEND_JOB = 'notification-sender';
const PRUNE_JOB = 'notification-prune';
const PRUNE_INTERVAL_MS = 300_000;
const PRUNE_BATCH = 5000;
/** Rows claimed per look: a few dozen sends at once is plenty and keeps a lease's work short. */
const CLAIM_BATCH = 25;

type Outcome = 'delivered' | 'retried' | 'failed';

/**
 * Sends the outbox: every NOTIFICATIONS_POLL_MS it cancels escalations that an acknowledgement made pointless, claims
 * the due rows under a lease (several instances: each row once, see NotificationDeliveryRepository), sends them and
 * records the outcome. A failure is retried after the one Backoff's delay for the row's stored attempt count, until
 * NOTIFICATIONS_MAX_ATTEMPTS; a row whose channel is gone fails at once. Also registers the outbox statement with the
 * alarm writer (so rows are queued with the transitions), prunes finished rows and reports to /metrics.
 */
@Injectable()
export class NotificationDeliveryWorker implements OnModuleInit, BeforeApplicationShutdown {
  private readonly logger = new Logger(NotificationDeliveryWorker.name);
  private readonly errorLog = new ThrottledLogger(this.logger);
  private readonly retry: Backoff;
  private readonly sends = new Map<string, { channel: string; type: string; outcome: Outcome; n: number }>();
  private byStatus = new Map<DeliveryStatus, number>();
  private running: Promise<void> | null = null;
  private stopping = false;
  /** Looks at the outbox that failed (database away). */
  workerErrors = 0;

  constructor(
    private readonly deliveries: NotificationDeliveryRepository,
    private readonly channels: NotificationChannelRepository,
    private readonly sender: ChannelSender,
    private readonly config: AppConfig,
    private readonly jobs: PeriodicJobs,
    private readonly metrics: FeatureRegistry,
    alarmWriter: AlarmWriter,
  ) {
    this.retry = new Backoff({ initialMs: config.notificationsRetryInitialMs, maxMs: config.notificationsRetryMaxMs });
    alarmWriter.extend(new NotificationOutboxExtension(config.notificationsMaxOutbox));
  }

  onModuleInit(): void {
    this.metrics.register('notifications', () => this.samples());
    this.jobs.every(SEND_JOB, this.config.notificationsPollMs, () => this.tick(), { immediately: true });
    if (this.config.notificationsRetentionSeconds > 0) {
      this.jobs.every(PRUNE_JOB, PRUNE_INTERVAL_MS, () => this.prune(), { immediately: true });
    }
  }

  /** Stops claiming and lets the sends in flight finish (for at most 5 s); what is left keeps its lease. */
  async beforeApplicationShutdown(): Promise<void> {
    this.stopping = true;
    this.jobs.stop(SEND_JOB);
    this.jobs.stop(PRUNE_JOB);
    if (this.running !== null) {
      await Promise.race([this.running, new Promise((r) => setTimeout(r, 5000).unref())]);
    }
  }

  /** One look at the outbox (the periodic job; specs call it directly). */
  tick(): Promise<void> {
    if (this.stopping) return Promise.resolve();
    this.running = this.work().finally(() => (this.running = null));
    return this.running;
  }

  private async work(): Promise<void> {
    try {
      await this.deliveries.cancelSettledEscalations();
      for (;;) {
        const token = randomUUID();
        const claimed = await this.deliveries.claim(token, this.config.notificationsLeaseMs, CLAIM_BATCH);
        if (claimed.length === 0) break;
        const channels = await this.channels.findMany([...new Set(claimed.map((d) => d.channelId))]);
        await Promise.all(claimed.map((d) => this.deliver(d, channels.get(d.channelId), token)));
        if (claimed.length < CLAIM_BATCH || this.stopping) break;
      }
      this.byStatus = await this.deliveries.countByStatus();
    } catch (err) {
      this.workerErrors++;
      this.errorLog.error('work', `Notification outbox: ${err instanceof Error ? err.message : String(err)}`);
    }
  }

  private async deliver(delivery: Delivery, channel: NotificationChannel | undefined, token: string): Promise<void> {
    if (channel === undefined || !channel.enabled) {
      const reason = channel === undefined ? 'channel deleted' : 'channel disabled';
      await this.deliveries.failed(delivery.id, token, reason, null);
      this.count(channel?.name ?? delivery.channelId, channel?.type ?? 'unknown', 'failed');
      return;
    }
    const rendered = renderNotification(delivery, delivery.payload, delivery.transition, delivery.step);
    try {
      await this.sender.send(channel, {
        ...rendered,
        deliveryId: delivery.dedupKey,
        transition: delivery.step > 0 ? 'escalated' : delivery.transition,
        step: delivery.step,
        alarm: delivery.payload,
      });
    } catch (err) {
      const reason = err instanceof SendError ? err.message : 'send failed';
      const final = delivery.attempts >= this.config.notificationsMaxAttempts;
      const retryIn = final ? null : this.retry.delayAfter(delivery.attempts - 1);
      await this.deliveries.failed(delivery.id, token, reason, retryIn);
      this.count(channel.name, channel.type, final ? 'failed' : 'retried');
      this.errorLog.warn(
        `send:${channel.id}`,
        `Notification ${delivery.id} over channel '${channel.name}' failed (attempt ${delivery.attempts}): ${reason}` +
          (retryIn === null ? ', giving up' : `, retrying in ${retryIn} ms`),
      );
      return;
    }
    // Sent; if the lease was lost meanwhile the row is another instance's now, and it may send it again (at least once).
    await this.deliveries.delivered(delivery.id, token);
    this.count(channel.name, channel.type, 'delivered');
  }

  private async prune(): Promise<void> {
    if (this.stopping) return;
    let removed: number;
    do {
      removed = await this.deliveries.prune(this.config.notificationsRetentionSeconds, PRUNE_BATCH);
    } while (removed === PRUNE_BATCH && !this.stopping);
  }

  private count(channel: string, type: string, outcome: Outcome): void {
    const key = `${channel}\u0000${type}\u0000${outcome}`;
    const entry = this.sends.get(key);
    if (entry) entry.n++;
    else this.sends.set(key, { channel, type, outcome, n: 1 });
  }

  private samples(): MetricSample[] {
    const out: MetricSample[] = [];
    for (const s of this.sends.values()) {
      out.push({
        name: 'scada_notification_sends_total',
        help: 'Notification send attempts by channel and outcome (delivered, retried, failed for good)',
        type: 'counter',
        value: s.n,
        labels: { channel: s.channel, channel_type: s.type, outcome: s.outcome },
      });
    }
    out.push({
      name: 'scada_notification_outbox_depth',
      help: 'Notification deliveries waiting in the outbox (pending or being sent), as of the last worker look',
      type: 'gauge',
      value: (this.byStatus.get('pending') ?? 0) + (this.byStatus.get('sending') ?? 0),
    });
    for (const status of DELIVERY_STATUSES) {
      out.push({
        name: 'scada_notification_deliveries',
        help: 'Rows of the notification outbox by status (rejected: refused because the outbox was full)',
        type: 'gauge',
        value: this.byStatus.get(status) ?? 0,
        labels: { status },
      });
    }
    out.push({
      name: 'scada_notification_worker_errors_total',
      help: 'Looks at the notification outbox that failed (the database was away)',
      type: 'counter',
      value: this.workerErrors,
    });
    return out;
  }
}
