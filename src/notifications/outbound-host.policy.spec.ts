import { OutboundHostPolicy } from './outbound-host.policy.js';

describe('OutboundHostPolicy', () => {
  it('refuses everything when the list is empty, and says which variable to set', () => {
    const policy = new OutboundHostPolicy(['', ' ']);
    expect(policy.empty).toBe(true);
    expect(policy.problem('127.0.0.1', 80)).toContain('NOTIFICATIONS_ALLOWED_HOSTS');
  });

  it('allows a bare host on any port and a host:port on that port only, case-insensitively', () => {
    const policy = new OutboundHostPolicy(['Hooks.Slack.com', 'smtp.example.com:587', '[::1]:8080']);
    expect(policy.problem('hooks.slack.com', 443)).toBeUndefined();
    expect(policy.problem('HOOKS.SLACK.COM', 8443)).toBeUndefined();
    expect(policy.problem('smtp.example.com', 587)).toBeUndefined();
    expect(policy.problem('smtp.example.com', 25)).toBe(
      "host 'smtp.example.com' port 25 is not in NOTIFICATIONS_ALLOWED_HOSTS",
    );
    expect(policy.problem('[::1]', 8080)).toBeUndefined();
    expect(policy.problem('::1', 8081)).toBeDefined();
  });

  it('matches names exactly: no suffix, prefix or metadata address gets through', () => {
    const policy = new OutboundHostPolicy(['example.com']);
    for (const host of ['evil-example.com', 'example.com.evil.net', 'sub.example.com', '169.254.169.254']) {
      expect(policy.problem(host, 80)).toBeDefined();
    }
  });
});
