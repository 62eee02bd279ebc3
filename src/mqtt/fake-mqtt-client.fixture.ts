import { EventEmitter } from 'node:events';
import type { IPublishPacket, MqttClient, Packet } from 'mqtt';

/**
 * A stand-in for mqtt.js's client in fast unit specs, reproducing only the contract the ledger and the ingest
 * service rely on (checked against the real client by the MQTT end-to-end specs): incoming packets are handed to
 * `handleMessage` one at a time, the next only after its callback ran; after the callback of a QoS 1 message the
 * client sends its PUBACK through `_sendPacket`; `close` ends the connection. What reaches the wire is in `sent`.
 */
export class FakeMqttClient extends EventEmitter {
  connected = true;
  readonly options = { keepalive: 60 };
  readonly stream = { cork: () => undefined, uncork: () => undefined };
  /** Packets written to the broker, in order. */
  readonly sent: Packet[] = [];
  /** Packets the broker sent that the client has not read yet (reading waits for `handleMessage`'s callback). */
  readonly unread: IPublishPacket[] = [];
  pingsRescheduled = 0;
  private reading = false;
  /** Connections closed so far: a callback of an earlier connection's pump does nothing. */
  private connections = 0;

  handleMessage: (packet: IPublishPacket, done: (err?: Error) => void) => void = (_p, done) => done();

  _sendPacket(packet: Packet, cb?: () => void): void {
    this.sent.push(packet);
    cb?.();
  }

  reschedulePing(): void {
    this.pingsRescheduled++;
  }

  sendPing(): void {
    this._sendPacket({ cmd: 'pingreq' });
  }

  /** The broker sends these PUBLISH packets; the client reads them as far as `handleMessage` lets it. */
  deliver(...packets: IPublishPacket[]): void {
    this.unread.push(...packets);
    this.work();
  }

  /** The connection drops: what was not read is lost with it (the broker redelivers on the next session). */
  drop(): void {
    this.connected = false;
    this.unread.length = 0;
    this.reading = false;
    this.connections++;
    this.emit('close');
  }

  reconnect(): void {
    this.connected = true;
    this.emit('connect');
  }

  /** Message ids of the PUBACKs sent so far, in order. */
  get pubacks(): number[] {
    return this.sent.filter((p) => p.cmd === 'puback').map((p) => (p as { messageId: number }).messageId);
  }

  asClient(): MqttClient {
    return this as unknown as MqttClient;
  }

  private work(): void {
    if (this.reading) return;
    const packet = this.unread.shift();
    if (!packet) return;
    this.reading = true;
    const connection = this.connections;
    this.handleMessage(packet, () => {
      if (connection !== this.connections) return; // mqtt.js discards a closed connection's packet pump
      if (packet.qos === 1) this._sendPacket({ cmd: 'puback', messageId: packet.messageId, reasonCode: 0 });
      this.reading = false;
      this.work();
    });
  }
}

let nextTime = 0;

/** A QoS 1 (default) PUBLISH of a reading on `topic`. */
export function publish(
  topic: string,
  messageId: number,
  options: { qos?: 0 | 1; payload?: string } = {},
): IPublishPacket {
  const qos = options.qos ?? 1;
  nextTime++;
  return {
    cmd: 'publish',
    topic,
    payload: Buffer.from(options.payload ?? JSON.stringify({ value: nextTime })),
    qos,
    dup: false,
    retain: false,
    messageId: qos === 1 ? messageId : undefined,
  };
}
