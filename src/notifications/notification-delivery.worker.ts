import { randomUUID } from 'node:crypto';
import { type BeforeApplicationShutdown, Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { AlarmWriter } from '../alerts/alarm.writer.js';
import { Backoff } from '../common/backoff.js';
import { ThrottledLogger } from '../common/logging/throttled-logger.js';
import { FeatureRegistry, type MetricSample } from '../common/feature/feature.registry.js';
import { PeriodicJobs } from '../common/scheduling/periodic-jobs.js';
import { AppConfig } from '../config/app-config.js';
import { ChannelSender, type OutgoingNotification, SendError } from './channel.sender.js';
import { foldsIntoSummary, renderFloodSummary, summarizeFlood } from './flood.policy.js';
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
import { NotificationRuleRepository } from './notification-rule.repository.js';
import { quietHoursEnd } from './quiet-hours.js';

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
  private readonly summariesSent = new Map<string, number>();
  /** Notifications this instance folded into flood summaries. */
  private suppressed = 0;
  /** Channels in a flood, as of the last look. */
  private floodedChannels = 0;
  private running: Promise<void> | null = null;
  private stopping = false;
  /** Looks at the outbox that failed (database away). */
  workerErrors = 0;

  constructor(
    private readonly deliveries: NotificationDeliveryRepository,
    private readonly channels: NotificationChannelRepository,
    private readonly rules: NotificationRuleRepository,
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
      const flood = this.config.notificationsFlood;
      await this.deliveries.cancelSettledEscalations();
      if (flood.threshold > 0) await this.deliveries.openMissingSummaries(flood.summaryMs);
      for (;;) {
        const token = randomUUID();
        const claimed = await this.deliveries.claim(token, this.config.notificationsLeaseMs, CLAIM_BATCH);
        if (claimed.length === 0) break;
        const now = await this.triage(claimed, token);
        const channels = await this.channels.findMany([...new Set(now.map((d) => d.channelId))]);
        await Promise.all(now.map((d) => this.deliver(d, channels.get(d.channelId), token)));
        if (claimed.length < CLAIM_BATCH || this.stopping) break;
      }
      this.byStatus = await this.deliveries.countByStatus();
      this.floodedChannels =
        flood.threshold > 0 ? await this.deliveries.floodedChannels(flood.threshold, flood.windowMs) : 0;
    } catch (err) {
      this.workerErrors++;
      this.errorLog.error('work', `Notification outbox: ${err instanceof Error ? err.message : String(err)}`);
    }
  }

  /**
   * Of the claimed rows, holds the non-critical ones whose rule is in its quiet hours (due again when they end) and
   * folds the non-critical transitions of flooded channels into their summaries; returns what is to be sent now.
   * Both decisions are taken by the lease holder and stored in one statement each, so a crash before them leaves
   * the rows to be claimed and decided again, and one after them leaves nothing to redo.
   */
  private async triage(claimed: readonly Delivery[], token: string): Promise<Delivery[]> {
    const nonCritical = claimed.filter((d) => d.payload !== null && d.payload.severity !== 'critical');
    if (nonCritical.length === 0) return [...claimed];
    const quiet = await this.rules.quietHoursOf([
      ...new Set(nonCritical.flatMap((d) => (d.ruleId === null ? [] : [d.ruleId]))),
    ]);
    const now = Date.now();
    const held: { id: string; untilMs: number; reason: string }[] = [];
    for (const d of nonCritical) {
      const hours = d.ruleId === null ? undefined : quiet.get(d.ruleId);
      const until = hours === undefined ? null : quietHoursEnd(now, hours);
      if (until !== null) {
        held.push({ id: d.id, untilMs: until, reason: `held: quiet hours until ${new Date(until).toISOString()}` });
      }
    }
    await this.deliveries.hold(held, token);
    const skip = new Set(held.map((h) => h.id));

    const flood = this.config.notificationsFlood;
    if (flood.threshold > 0) {
      const candidates = nonCritical.filter((d) => d.kind === 'transition' && !skip.has(d.id));
      const counts = await this.deliveries.floodCounts(
        candidates.map((d) => d.id),
        flood.windowMs,
      );
      const folded = candidates.filter((d) =>
        foldsIntoSummary({ kind: d.kind, severity: d.payload?.severity ?? '' }, counts.get(d.id) ?? 0, flood),
      );
      this.suppressed += await this.deliveries.fold(
        folded.map((d) => d.id),
        token,
        flood.summaryMs,
      );
      for (const d of folded) skip.add(d.id);
    }
    return claimed.filter((d) => !skip.has(d.id));
  }

  /** What a row sends: its alarm's message, or for a summary the figures of what it adopts now. */
  private async messageOf(delivery: Delivery, channel: NotificationChannel, token: string) {
    if (delivery.payload === null) {
      const summary = summarizeFlood(await this.deliveries.summaryRows(delivery.id, token));
      if (summary.notifications === 0) return null;
      const message: OutgoingNotification = {
        ...renderFloodSummary(summary, channel.name, delivery.createdAt),
        deliveryId: delivery.dedupKey,
        transition: delivery.transition,
        step: 0,
        alarm: null,
        summary,
      };
      return message;
    }
    const message: OutgoingNotification = {
      ...renderNotification(delivery, delivery.payload, delivery.transition, delivery.step),
      deliveryId: delivery.dedupKey,
      transition: delivery.step > 0 ? 'escalated' : delivery.transition,
      step: delivery.step,
      alarm: delivery.payload,
    };
    return message;
  }

  private async deliver(delivery: Delivery, channel: NotificationChannel | undefined, token: string): Promise<void> {
    if (channel === undefined || !channel.enabled) {
      const reason = channel === undefined ? 'channel deleted' : 'channel disabled';
      await this.deliveries.failed(delivery.id, token, reason, null);
      this.count(channel?.name ?? delivery.channelId, channel?.type ?? 'unknown', 'failed');
      return;
    }
    try {
      const message = await this.messageOf(delivery, channel, token);
      if (message === null) {
        // A summary whose rows an earlier one reported (or that lost its lease): nothing to tell.
        await this.deliveries.cancel(delivery.id, token, 'nothing to summarize');
        return;
      }
      await this.sender.send(channel, message);
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
    if (delivery.kind === 'summary')
      this.summariesSent.set(channel.name, (this.summariesSent.get(channel.name) ?? 0) + 1);
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
      name: 'scada_notification_suppressed_total',
      help: 'Notifications folded into a flood summary by this instance instead of being sent one by one',
      type: 'counter',
      value: this.suppressed,
    });
    for (const [channel, n] of this.summariesSent) {
      out.push({
        name: 'scada_notification_flood_summaries_total',
        help: 'Flood summaries delivered by this instance, by channel',
        type: 'counter',
        value: n,
        labels: { channel },
      });
    }
    out.push({
      name: 'scada_notification_flood_active',
      help: 'Channels in an alarm flood (more than NOTIFICATIONS_FLOOD_THRESHOLD alarms in the window), as of the last worker look',
      type: 'gauge',
      value: this.floodedChannels,
    });
    out.push({
      name: 'scada_notification_worker_errors_total',
      help: 'Looks at the notification outbox that failed (the database was away)',
      type: 'counter',
      value: this.workerErrors,
    });
    return out;
  }
}
