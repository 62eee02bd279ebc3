import type { MqttClient, Packet } from 'mqtt';

type SendPacket = (packet: Packet, cb?: (err?: Error) => void, cbStorePut?: () => void, noStore?: boolean) => void;

/**
 * Holds back QoS 1 PUBACKs until the readings they carry are committed, without holding back intake.
 *
 * mqtt.js reads one packet at a time: it calls `handleMessage`, waits for its callback, sends the PUBACK, and
 * only then reads the next packet. Waiting in `handleMessage` for a database commit would serialise intake.
 * Instead `handleMessage` completes at once, and this ledger intercepts the PUBACK mqtt.js then sends (through
 * its internal `_sendPacket`, hence the pinned mqtt version and the tests against a real broker), parks it, and
 * writes it when the source calls `release` after the commit.
 *
 * Message ids are only meaningful on the connection that received them: when it closes, every parked PUBACK is
 * forgotten (the broker redelivers those messages on the next session) and the epoch moves on, so a late
 * release from the old connection can never acknowledge a new message that reuses an id.
 */
export class PubackLedger {
  private readonly parked = new Map<number, Packet>();
  private readonly releasedEarly = new Set<number>();
  /** Messages refused while intake is held (shutdown): their PUBACKs are never sent, so the broker redelivers them. */
  private readonly withheld = new Set<number>();
  private currentEpoch = 0;
  private readonly send: SendPacket;

  constructor(private readonly client: MqttClient) {
    const internals = client as unknown as { _sendPacket: SendPacket };
    if (typeof internals._sendPacket !== 'function') {
      throw new Error('mqtt.js internals changed: _sendPacket is missing (check the pinned mqtt version)');
    }
    this.send = internals._sendPacket.bind(client);
    internals._sendPacket = (packet, cb, cbStorePut, noStore) => {
      if (packet.cmd !== 'puback' || packet.messageId === undefined) {
        this.send(packet, cb, cbStorePut, noStore);
        return;
      }
      if (this.withheld.delete(packet.messageId)) {
        cb?.();
        return;
      }
      if (this.releasedEarly.delete(packet.messageId)) {
        this.send(packet, cb, cbStorePut, noStore);
        return;
      }
      this.parked.set(packet.messageId, packet);
      cb?.();
    };
    client.on('close', () => {
      this.parked.clear();
      this.releasedEarly.clear();
      this.withheld.clear();
      this.currentEpoch++;
    });
  }

  /** Identifies the current connection; pass it back to `release`. */
  get epoch(): number {
    return this.currentEpoch;
  }

  /** PUBACKs parked and not yet released. */
  get pending(): number {
    return this.parked.size;
  }

  /** This message was not taken in: its PUBACK is dropped, and the broker keeps it for the next session. */
  withhold(messageId: number): void {
    this.withheld.add(messageId);
  }

  /** Sends the PUBACKs of these messages, in the given order, if their connection is still the current one. */
  release(epoch: number, messageIds: readonly number[]): void {
    if (epoch !== this.currentEpoch || !this.client.connected || messageIds.length === 0) return;
    const stream = this.client.stream as { cork?: () => void; uncork?: () => void } | undefined;
    stream?.cork?.();
    try {
      for (const id of messageIds) {
        const packet = this.parked.get(id);
        if (packet) {
          this.parked.delete(id);
          this.send(packet);
        } else {
          this.releasedEarly.add(id);
        }
      }
    } finally {
      stream?.uncork?.();
    }
  }
}
