import type { MqttClient } from 'mqtt';
import type { SubscriptionState } from './mqtt-subscription.set.js';

/**
 * What MqttConnectionService asks of the piece that keeps the broker session's subscriptions
 * (MqttSubscriptionsService, which registers itself): the connection knows when a session starts, is restored or
 * lost; the keeper knows what the session should hold.
 */
export interface MqttSessionKeeper {
  /** Before the first connection of `clientId` (at start-up, or when POST /connect changes the client id). */
  prepare(clientId: string): Promise<void>;
  /**
   * On every connection: brings the broker session to what it should hold. Resolves with the last problem met
   * (shown as the connection's last error), or undefined. `isCurrent` turns false once the client was replaced.
   */
  restore(client: MqttClient, clientId: string, isCurrent: () => boolean): Promise<string | undefined>;
  /** The connection closed or was ended: nothing the broker confirmed holds any more. */
  connectionDown(): void;
  subscribedTopics(connected: boolean): string[];
  states(connected: boolean): SubscriptionState[];
}
