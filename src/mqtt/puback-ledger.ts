import type { MqttClient, Packet } from 'mqtt';

type SendPacket = (packet: Packet, cb?: (err?: Error) => void, cbStorePut?: () => void, noStore?: boolean) => void;

/** How many QoS 1 messages may wait for their commit before intake pauses, and when it resumes. */
export interface IntakeLimits {
  /** Intake pauses once this many QoS 1 messages are taken in and not yet committed (MQTT_MAX_PENDING_ACKS). */
  maxPending: number;
  /** Intake resumes once commits bring them down to this many (hysteresis: no pause/resume per message). */
  resumeAt: number;
}

/** A QoS 1 message id of the current connection that is taken in and not yet acknowledged. */
interface Outstanding {
  /** Copies of this message taken in (a broker may resend a message in-session) whose batch has not committed. */
  copies: number;
  /** The PUBACK mqtt.js produced for it, held until `copies` is 0. */
  puback?: Packet;
}

/**
 * Holds back QoS 1 PUBACKs until the readings they carry are committed, without holding back intake, and pauses
 * intake when too many wait.
 *
 * mqtt.js reads one packet at a time: it calls `handleMessage`, waits for its callback, sends the PUBACK, and
 * only then reads the next packet. Waiting in `handleMessage` for a database commit would serialise intake.
 * Instead the ingest service calls `take` for each QoS 1 message and completes `handleMessage` through `admit`;
 * this ledger intercepts the PUBACK mqtt.js then sends (through its internal `_sendPacket`, hence the pinned
 * mqtt version and the tests against a real broker), holds it, and writes it when `release` says the batch
 * committed.
 *
 * Rules:
 * - **A PUBACK never precedes its commit.** It goes out only once every copy of its message id taken in on this
 *   connection has been released. A broker may resend a message it has not had a PUBACK for (DUP, or a broker
 *   that retries in-session); a message id cannot belong to a different message until it is acknowledged, so
 *   the copies are the same message, and one PUBACK acknowledges all of them: it waits for the last copy's batch.
 * - **What was not taken in is never acknowledged.** A PUBACK for an id that was not taken (intake held for a
 *   shutdown) is dropped, so the broker redelivers the message on the next session.
 * - **Bounded.** Once `maxPending` messages wait, `admit` delays mqtt.js's callback: mqtt.js stops reading the
 *   socket, TCP back-pressure holds the broker, and the broker keeps the rest (MQTT 3.1.1 has no Receive
 *   Maximum, and the embedded broker and Mosquitto's `max_inflight_messages 0` push everything they have).
 *   Commits release PUBACKs; at `resumeAt` the callback runs and reading resumes. While paused, a PINGREQ goes
 *   out every half keepalive (the broker must keep hearing from us) and mqtt.js's own keepalive timer is held
 *   off (the PINGRESPs wait in the socket behind the unread messages).
 * - **Per connection.** Message ids mean something only on the connection that received them: when it closes,
 *   every held PUBACK is forgotten (the broker redelivers those messages on the next session) and the epoch
 *   moves on, so a late release from the old connection can never acknowledge a new message that reuses an id.
 */
export class PubackLedger {
  private readonly outstanding = new Map<number, Outstanding>();
  /** Copies taken in and not yet released, summed over all ids. */
  private waiting = 0;
  private currentEpoch = 0;
  /** mqtt.js's callback for the message that paused intake; calling it resumes reading. */
  private resume: (() => void) | undefined;
  private pingTimer: NodeJS.Timeout | undefined;
  private readonly send: SendPacket;
  /** Times intake paused because `maxPending` messages waited for their commit. */
  pauses = 0;

  constructor(
    private readonly client: MqttClient,
    private readonly limits: IntakeLimits,
    /** Called when intake pauses: what was gathered must go down the pipeline now, or nothing would commit. */
    private readonly onPause: () => void = () => undefined,
  ) {
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
      const entry = this.outstanding.get(packet.messageId);
      if (entry?.copies === 0) {
        // Committed while mqtt.js still held it (intake was paused on this very message): due now.
        this.outstanding.delete(packet.messageId);
        this.send(packet, cb, cbStorePut, noStore);
        return;
      }
      if (entry) entry.puback = packet;
      cb?.();
    };
    client.on('close', () => {
      this.outstanding.clear();
      this.waiting = 0;
      this.currentEpoch++;
      // The paused callback belongs to the closed connection's packet pump: mqtt.js discards that pump.
      this.resume = undefined;
      this.stopPinging();
    });
  }

  /** Identifies the current connection; pass it back to `release`. */
  get epoch(): number {
    return this.currentEpoch;
  }

  /** QoS 1 messages taken in on this connection whose batch has not committed yet. */
  get pending(): number {
    return this.waiting;
  }

  /** Whether intake is paused (mqtt.js is not reading the socket) until commits release PUBACKs. */
  get paused(): boolean {
    return this.resume !== undefined;
  }

  /** A QoS 1 message is taken in: its PUBACK is held until `release` is called for it (once per `take`). */
  take(messageId: number): void {
    const entry = this.outstanding.get(messageId);
    if (entry) entry.copies++;
    else this.outstanding.set(messageId, { copies: 1 });
    this.waiting++;
  }

  /**
   * Completes mqtt.js's `handleMessage`: at once, or, with `maxPending` messages waiting, once commits bring
   * them down to `resumeAt`.
   */
  admit(done: () => void): void {
    if (this.waiting < this.limits.maxPending || !this.client.connected) {
      done();
      return;
    }
    this.resume = done;
    this.pauses++;
    this.startPinging();
    this.onPause();
  }

  /**
   * These messages' batch committed: each id's PUBACK goes out (in the given order) once all its copies are
   * released, if their connection is still the current one.
   */
  release(epoch: number, messageIds: readonly number[]): void {
    if (epoch !== this.currentEpoch || !this.client.connected || messageIds.length === 0) return;
    const stream = this.client.stream as { cork?: () => void; uncork?: () => void } | undefined;
    stream?.cork?.();
    try {
      for (const id of messageIds) {
        const entry = this.outstanding.get(id);
        if (!entry || entry.copies === 0) continue;
        entry.copies--;
        this.waiting--;
        if (entry.copies > 0 || !entry.puback) continue;
        this.outstanding.delete(id);
        this.send(entry.puback);
      }
    } finally {
      stream?.uncork?.();
    }
    if (this.resume && this.waiting <= this.limits.resumeAt) {
      const resume = this.resume;
      this.resume = undefined;
      this.stopPinging();
      resume();
    }
  }

  private startPinging(): void {
    const keepaliveS = this.client.options.keepalive ?? 0;
    if (keepaliveS <= 0) return;
    this.pingTimer = setInterval(
      () => {
        this.client.reschedulePing(true);
        this.client.sendPing();
      },
      (keepaliveS * 1000) / 2,
    );
    this.pingTimer.unref();
  }

  private stopPinging(): void {
    clearInterval(this.pingTimer);
    this.pingTimer = undefined;
  }
}
