import { Injectable } from '@nestjs/common';
import { AppConfig } from '../config/app-config.js';
import type { FloodSummary } from './flood.policy.js';
import { channelTarget, type NotificationChannel } from './notification-channel.js';
import type { NotificationPayload, RenderedNotification } from './notification-message.js';
import { OutboundHostPolicy } from './outbound-host.policy.js';
import { SIGNATURE_HEADER, signWebhook } from './webhook-signature.js';

/** What is sent besides the rendered text: the alarm and what the delivery tells. */
export interface OutgoingNotification extends RenderedNotification {
  /** Stable across retries, so a receiver can drop a repeat (sending is at least once). */
  deliveryId: string;
  transition: string;
  step: number;
  alarm: NotificationPayload | null;
  /** A flood summary's figures (then `alarm` is null and `transition` is `flood_summary`). */
  summary?: FloodSummary;
}

/** A send that failed, with a message safe to store and show (no secret, no URL of a chat webhook). */
export class SendError extends Error {}

/**
 * Sends one notification over one channel: webhook (signed JSON POST), chat (`{"text": …}` to an incoming webhook)
 * or e-mail (SMTP through nodemailer). Every target is checked against NOTIFICATIONS_ALLOWED_HOSTS again at send
 * time (the list may have shrunk since the channel was saved), redirects are not followed (a receiver must not
 * bounce the backend elsewhere), and each send has the channel's timeout.
 */
@Injectable()
export class ChannelSender {
  private readonly policy: OutboundHostPolicy;
  /** No send outlives half a lease, so the row is never taken over while its first sender still waits. */
  private readonly maxTimeoutMs: number;

  constructor(config: AppConfig) {
    this.policy = new OutboundHostPolicy(config.notificationsAllowedHosts);
    this.maxTimeoutMs = Math.max(100, Math.floor(config.notificationsLeaseMs / 2));
  }

  get hostPolicy(): OutboundHostPolicy {
    return this.policy;
  }

  async send(channel: NotificationChannel, message: OutgoingNotification, now: Date = new Date()): Promise<void> {
    let target: { host: string; port: number };
    try {
      target = channelTarget(channel);
    } catch {
      throw new SendError('the channel has no valid target');
    }
    const refused = this.policy.problem(target.host, target.port);
    if (refused !== undefined) throw new SendError(refused);
    switch (channel.type) {
      case 'webhook': {
        const body = JSON.stringify({
          delivery_id: message.deliveryId,
          transition: message.transition,
          step: message.step,
          subject: message.subject,
          text: message.text,
          alarm: message.alarm,
          ...(message.summary === undefined ? {} : { summary: message.summary }),
        });
        const signature = signWebhook(channel.secret ?? '', body, Math.floor(now.getTime() / 1000));
        await this.post(channel.config.url, body, this.timeout(channel.config.timeout_ms), {
          [SIGNATURE_HEADER]: signature,
          'X-ThermaCore-Delivery': message.deliveryId,
        });
        return;
      }
      case 'chat':
        await this.post(
          channel.secret ?? '',
          JSON.stringify({ text: `*${message.subject}*\n${message.text}` }),
          this.timeout(channel.config.timeout_ms),
          {},
        );
        return;
      case 'email':
        await this.mail(channel, message);
        return;
    }
  }

  private timeout(channelMs: number): number {
    return Math.min(channelMs, this.maxTimeoutMs);
  }

  private async post(url: string, body: string, timeoutMs: number, headers: Record<string, string>): Promise<void> {
    let response: Response;
    try {
      response = await fetch(url, {
        method: 'POST',
        body,
        headers: { 'content-type': 'application/json', 'user-agent': 'ThermaCore-SCADA', ...headers },
        redirect: 'manual',
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (err) {
      const timedOut = err instanceof Error && (err.name === 'TimeoutError' || err.name === 'AbortError');
      throw new SendError(timedOut ? `no answer within ${timeoutMs} ms` : `connection failed (${causeOf(err)})`);
    }
    // The body is not needed; reading it frees the connection.
    await response.arrayBuffer().catch(() => undefined);
    if (response.status < 200 || response.status > 299) throw new SendError(`receiver answered ${response.status}`);
  }

  private async mail(channel: NotificationChannel & { type: 'email' }, message: OutgoingNotification): Promise<void> {
    const { config } = channel;
    const timeoutMs = this.timeout(config.timeout_ms);
    // Loaded with the first e-mail rather than by every start (about 3 MB of heap that most starts never use).
    const { default: nodemailer } = await import('nodemailer');
    const transport = nodemailer.createTransport({
      host: config.host,
      port: config.port,
      secure: config.security === 'tls',
      requireTLS: config.security === 'starttls',
      ignoreTLS: config.security === 'none',
      auth: config.username === null ? undefined : { user: config.username, pass: channel.secret ?? '' },
      connectionTimeout: timeoutMs,
      greetingTimeout: timeoutMs,
      socketTimeout: timeoutMs,
    });
    try {
      await transport.sendMail({
        from: config.from,
        to: config.to,
        subject: message.subject,
        text: message.text,
        headers: { 'X-ThermaCore-Delivery': message.deliveryId },
      });
    } catch (err) {
      throw new SendError(`SMTP: ${causeOf(err)}`);
    } finally {
      transport.close();
    }
  }
}

/** An error's code or first line, never a URL (a chat webhook's URL is its secret). */
function causeOf(err: unknown): string {
  const cause = (err as { cause?: unknown }).cause ?? err;
  const code = (cause as { code?: unknown } | null)?.code;
  if (typeof code === 'string') return code;
  const text = cause instanceof Error ? cause.message : String(cause);
  return text
    .split('\n')[0]
    .replace(/https?:\/\/\S+/g, '[url]')
    .slice(0, 200);
}
