/**
 * Notification channels: where alarm notifications go. Config is stored and returned as the API writes it
 * (snake_case); the secret (webhook HMAC key, SMTP password, chat webhook URL, which carries its own token) is
 * kept apart so no response, log line or audit row can carry it by accident.
 */
import type { OutboundHostPolicy } from './outbound-host.policy.js';

export const CHANNEL_TYPES = ['webhook', 'email', 'chat'] as const;
/** webhook: signed JSON POST; email: SMTP; chat: a Slack/Teams-compatible incoming webhook (`{"text": …}`). */
export type ChannelType = (typeof CHANNEL_TYPES)[number];

export const EMAIL_SECURITY = ['starttls', 'tls', 'none'] as const;
/** starttls: upgrade required (port 587); tls: TLS from the first byte (465); none: plaintext (a local relay only). */
export type EmailSecurity = (typeof EMAIL_SECURITY)[number];

export const DEFAULT_TIMEOUT_MS = 5000;
/** The longest a channel may wait for its receiver (the sender also cuts a send off at half the lease). */
export const MAX_TIMEOUT_MS = 30_000;
export const MIN_WEBHOOK_SECRET_LENGTH = 16;
const MAX_RECIPIENTS = 50;
const EMAIL_ADDRESS = /^[^\s@<>"]+@[^\s@<>"]+$/;

export interface WebhookChannelConfig {
  /** Where the signed JSON body is POSTed. */
  url: string;
  timeout_ms: number;
}

export interface ChatChannelConfig {
  /** The incoming webhook URL is the secret; its host is shown here so an operator can tell channels apart. */
  host: string;
  timeout_ms: number;
}

export interface EmailChannelConfig {
  host: string;
  port: number;
  security: EmailSecurity;
  /** SMTP user; the password is the channel's secret. Null: no authentication. */
  username: string | null;
  from: string;
  to: string[];
  timeout_ms: number;
}

export type ChannelConfig =
  | { type: 'webhook'; config: WebhookChannelConfig }
  | { type: 'email'; config: EmailChannelConfig }
  | { type: 'chat'; config: ChatChannelConfig };

/** A stored channel, secret included: for the sender only, never for a response. */
export type NotificationChannel = ChannelConfig & {
  id: string;
  name: string;
  enabled: boolean;
  secret: string | null;
  createdAt: Date;
  updatedAt: Date;
};

/** The host and port a channel connects to. */
export function channelTarget(channel: ChannelConfig & { secret: string | null }): { host: string; port: number } {
  switch (channel.type) {
    case 'webhook':
      return urlTarget(channel.config.url);
    case 'chat':
      return urlTarget(channel.secret ?? '');
    case 'email':
      return { host: channel.config.host, port: channel.config.port };
  }
}

function urlTarget(text: string): { host: string; port: number } {
  const url = new URL(text);
  return { host: url.hostname, port: Number(url.port || (url.protocol === 'https:' ? 443 : 80)) };
}

/** Checks an http(s) URL a channel posts to: its shape and its host against the allow list. */
function urlProblems(what: string, text: unknown, policy: OutboundHostPolicy): string[] {
  if (typeof text !== 'string') return [`${what} must be an http(s) URL`];
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return [`${what} must be an http(s) URL`];
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return [`${what} must be an http(s) URL`];
  if (url.username !== '' || url.password !== '') return [`${what} must not carry credentials`];
  const { host, port } = urlTarget(text);
  const refused = policy.problem(host, port);
  return refused === undefined ? [] : [`${what}: ${refused}`];
}

function timeoutOf(raw: Record<string, unknown>, problems: string[]): number {
  const value = raw.timeout_ms ?? DEFAULT_TIMEOUT_MS;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 100 || value > MAX_TIMEOUT_MS) {
    problems.push(`config.timeout_ms must be an integer from 100 to ${MAX_TIMEOUT_MS}`);
    return DEFAULT_TIMEOUT_MS;
  }
  return value;
}

/** Refuses fields a type does not know, so a typo (`tiemout_ms`) is not silently ignored. */
function unknownFields(raw: Record<string, unknown>, known: readonly string[]): string[] {
  return Object.keys(raw)
    .filter((k) => !known.includes(k))
    .map((k) => `config.${k} is not a field of this channel type (known: ${known.join(', ')})`);
}

/**
 * Validates what the API was given for a channel of `type` and normalises it: the config to store, or one sentence
 * per problem. `secret` is the one the channel will have (new, or kept from before).
 */
export function parseChannelConfig(
  type: ChannelType,
  raw: unknown,
  secret: string | null,
  policy: OutboundHostPolicy,
): { ok: true; channel: ChannelConfig } | { ok: false; problems: string[] } {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    return { ok: false, problems: ['config must be an object'] };
  }
  const input = raw as Record<string, unknown>;
  const problems: string[] = [];
  switch (type) {
    case 'webhook': {
      problems.push(...unknownFields(input, ['url', 'timeout_ms']));
      problems.push(...urlProblems('config.url', input.url, policy));
      const timeout_ms = timeoutOf(input, problems);
      if (secret === null || secret.length < MIN_WEBHOOK_SECRET_LENGTH) {
        problems.push(`secret (the HMAC key) must be at least ${MIN_WEBHOOK_SECRET_LENGTH} characters`);
      }
      return problems.length > 0
        ? { ok: false, problems }
        : { ok: true, channel: { type, config: { url: input.url as string, timeout_ms } } };
    }
    case 'chat': {
      problems.push(...unknownFields(input, ['timeout_ms', 'host']));
      const timeout_ms = timeoutOf(input, problems);
      if (secret === null) problems.push('secret must be the incoming webhook URL');
      else problems.push(...urlProblems('secret (the incoming webhook URL)', secret, policy));
      return problems.length > 0
        ? { ok: false, problems }
        : { ok: true, channel: { type, config: { host: urlTarget(secret ?? '').host, timeout_ms } } };
    }
    case 'email': {
      problems.push(...unknownFields(input, ['host', 'port', 'security', 'username', 'from', 'to', 'timeout_ms']));
      const { host, port, security, username, from, to } = input;
      if (typeof host !== 'string' || !/^[A-Za-z0-9.:[\]-]{1,253}$/.test(host)) {
        problems.push('config.host must be a host name or IP address');
      }
      if (typeof port !== 'number' || !Number.isInteger(port) || port < 1 || port > 65535) {
        problems.push('config.port must be an integer from 1 to 65535');
      }
      if (typeof host === 'string' && typeof port === 'number' && problems.length === 0) {
        const refused = policy.problem(host, port);
        if (refused !== undefined) problems.push(`config.host: ${refused}`);
      }
      const sec = security ?? 'starttls';
      if (!(EMAIL_SECURITY as readonly unknown[]).includes(sec)) {
        problems.push(`config.security must be one of ${EMAIL_SECURITY.join(', ')}`);
      }
      if (username !== undefined && username !== null && (typeof username !== 'string' || username === '')) {
        problems.push('config.username must be a non-empty string or null');
      }
      if (typeof from !== 'string' || !EMAIL_ADDRESS.test(from)) problems.push('config.from must be an e-mail address');
      if (
        !Array.isArray(to) ||
        to.length === 0 ||
        to.length > MAX_RECIPIENTS ||
        !to.every((a) => typeof a === 'string' && EMAIL_ADDRESS.test(a))
      ) {
        problems.push(`config.to must list 1 to ${MAX_RECIPIENTS} e-mail addresses`);
      }
      const timeout_ms = timeoutOf(input, problems);
      if (problems.length > 0) return { ok: false, problems };
      return {
        ok: true,
        channel: {
          type,
          config: {
            host: host as string,
            port: port as number,
            security: sec as EmailSecurity,
            username: (username as string | undefined) ?? null,
            from: from as string,
            to: to as string[],
            timeout_ms,
          },
        },
      };
    }
  }
}
