import { createHmac } from 'node:crypto';

/** The header that carries a webhook's signature. */
export const SIGNATURE_HEADER = 'X-ThermaCore-Signature';

/**
 * The signature of a webhook body, Stripe-style: `t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">` with the
 * channel's secret. The timestamp is signed too, so a receiver can refuse replays of old bodies (docs/notifications.md
 * shows the check).
 */
export function signWebhook(secret: string, body: string, unixSeconds: number): string {
  const mac = createHmac('sha256', secret).update(`${unixSeconds}.${body}`).digest('hex');
  return `t=${unixSeconds},v1=${mac}`;
}
