import { channelTarget, parseChannelConfig } from './notification-channel.js';
import { OutboundHostPolicy } from './outbound-host.policy.js';

const policy = new OutboundHostPolicy(['hooks.example.com', 'smtp.example.com:587']);
const SECRET = 'a-secret-of-16-chars';

describe('parseChannelConfig', () => {
  it('takes a webhook to an allowed host with a long enough secret, defaulting the timeout', () => {
    expect(parseChannelConfig('webhook', { url: 'https://hooks.example.com/x' }, SECRET, policy)).toEqual({
      ok: true,
      channel: { type: 'webhook', config: { url: 'https://hooks.example.com/x', timeout_ms: 5000 } },
    });
  });

  it('refuses hosts outside the allow list, URLs with credentials or other schemes, short secrets, unknown fields', () => {
    const problems = (type: 'webhook' | 'chat' | 'email', config: unknown, secret: string | null = SECRET) => {
      const result = parseChannelConfig(type, config, secret, policy);
      return result.ok ? [] : result.problems;
    };
    expect(problems('webhook', { url: 'http://10.0.0.1/' })).toEqual([
      "config.url: host '10.0.0.1' port 80 is not in NOTIFICATIONS_ALLOWED_HOSTS",
    ]);
    expect(problems('webhook', { url: 'https://u:p@hooks.example.com/' })).toEqual([
      'config.url must not carry credentials',
    ]);
    expect(problems('webhook', { url: 'file:///etc/passwd' })).toEqual(['config.url must be an http(s) URL']);
    expect(problems('webhook', { url: 'https://hooks.example.com/' }, 'short')[0]).toContain('at least 16');
    expect(problems('webhook', { url: 'https://hooks.example.com/', tiemout_ms: 1 })[0]).toContain('tiemout_ms');
    expect(problems('webhook', { url: 'https://hooks.example.com/', timeout_ms: 60_000 })[0]).toContain('timeout_ms');
    expect(problems('chat', {}, 'https://elsewhere.example.net/T000/B000/XXX')[0]).toContain('not in');
    expect(problems('email', { host: 'smtp.example.com', port: 25, from: 'a@b.c', to: ['d@e.f'] })[0]).toContain(
      'port 25',
    );
    expect(problems('email', { host: 'smtp.example.com', port: 587, from: 'nope', to: [] })).toEqual([
      'config.from must be an e-mail address',
      'config.to must list 1 to 50 e-mail addresses',
    ]);
  });

  it('keeps a chat webhook URL as the secret and shows only its host', () => {
    const result = parseChannelConfig('chat', {}, 'https://hooks.example.com/services/T0/B0/token', policy);
    expect(result).toEqual({
      ok: true,
      channel: { type: 'chat', config: { host: 'hooks.example.com', timeout_ms: 5000 } },
    });
  });

  it('normalises an e-mail channel: STARTTLS by default, no user means no authentication', () => {
    const result = parseChannelConfig(
      'email',
      { host: 'smtp.example.com', port: 587, from: 'scada@plant.example', to: ['oncall@plant.example'] },
      null,
      policy,
    );
    expect(result.ok && result.channel.config).toEqual({
      host: 'smtp.example.com',
      port: 587,
      security: 'starttls',
      username: null,
      from: 'scada@plant.example',
      to: ['oncall@plant.example'],
      timeout_ms: 5000,
    });
  });
});

describe('channelTarget', () => {
  it('is the URL host and its default port, the chat secret, or the SMTP host and port', () => {
    expect(
      channelTarget({ type: 'webhook', config: { url: 'https://a.example/x', timeout_ms: 1 }, secret: 's' }),
    ).toEqual({
      host: 'a.example',
      port: 443,
    });
    expect(
      channelTarget({ type: 'chat', config: { host: 'b', timeout_ms: 1 }, secret: 'http://b.example:8080/' }),
    ).toEqual({ host: 'b.example', port: 8080 });
  });
});
