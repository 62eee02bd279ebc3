import type { Readable } from 'node:stream';
import aedesPacket, { type AedesPacket } from 'aedes-packet';
import memoryPersistence from 'aedes-persistence';
import { OutgoingQueues } from './outgoing-queues.js';

// Both are CommonJS modules whose module.exports is the function itself (what Node's default import gives); their
// typings describe a namespace and an ES default export instead.
const Packet = aedesPacket as unknown as new (original: AedesPacket) => AedesPacket;
const memory = memoryPersistence as unknown as () => object;

/** `run`'s result or throw as a promise, the way an async persistence method answers. */
function settle<T>(run: () => T): Promise<T> {
  try {
    return Promise.resolve(run());
  } catch (err) {
    return Promise.reject(err instanceof Error ? err : new Error(String(err)));
  }
}

/** The outgoing-queue half of the aedes persistence interface, as aedes 1.x calls it (promises, no callbacks). */
interface OutgoingPersistence {
  outgoingEnqueue(sub: { clientId: string }, packet: AedesPacket): Promise<void>;
  outgoingEnqueueCombi(subs: readonly { clientId: string }[], packet: AedesPacket): Promise<void>;
  outgoingUpdate(client: { id: string }, packet: AedesPacket): Promise<void>;
  outgoingClearMessageId(client: { id: string }, packet: { messageId?: number }): Promise<AedesPacket | undefined>;
  outgoingStream(client: { id: string }): Readable;
}

/**
 * The embedded broker's persistence: aedes-persistence's in-memory one, with its outgoing queues replaced by
 * OutgoingQueues (keyed lookups instead of a scan of every unacknowledged message per delivery and per PUBACK).
 * Subscriptions, retained messages, wills and incoming QoS 2 state stay the stock implementation's.
 */
export function embeddedPersistence(): object {
  const persistence = memory();
  const queues = new OutgoingQueues<AedesPacket>();
  const copy = (packet: AedesPacket): AedesPacket => new Packet(packet);
  const outgoing: OutgoingPersistence = {
    outgoingEnqueue: (sub, packet) => settle(() => queues.enqueue(sub.clientId, packet, copy)),
    outgoingEnqueueCombi: (subs, packet) =>
      settle(() => {
        for (const sub of subs) queues.enqueue(sub.clientId, packet, copy);
      }),
    outgoingUpdate: (client, packet) => settle(() => queues.update(client.id, packet)),
    outgoingClearMessageId: (client, packet) => settle(() => queues.clear(client.id, packet.messageId)),
    outgoingStream: (client) => queues.stream(client.id),
  };
  return Object.assign(persistence, outgoing);
}
