import { createHmac } from 'node:crypto';
import { signWebhook } from './webhook-signature.js';

describe('signWebhook', () => {
  it('signs "<t>.<body>" with HMAC-SHA256 and carries the timestamp', () => {
    const header = signWebhook('secret-key-0123456789', '{"a":1}', 1_764_000_000);
    const expected = createHmac('sha256', 'secret-key-0123456789').update('1764000000.{"a":1}').digest('hex');
    expect(header).toBe(`t=1764000000,v1=${expected}`);
  });

  it('changes with the body, the time and the key', () => {
    const base = signWebhook('k'.repeat(16), 'body', 1);
    expect(signWebhook('k'.repeat(16), 'Body', 1)).not.toBe(base);
    expect(signWebhook('k'.repeat(16), 'body', 2)).not.toBe(base);
    expect(signWebhook('j'.repeat(16), 'body', 1)).not.toBe(base);
  });
});
