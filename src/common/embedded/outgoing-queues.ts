import { Readable } from 'node:stream';

/** The fields of an aedes packet that the outgoing queue reads. */
export interface OutgoingPacket {
  brokerId?: string;
  brokerCounter?: number;
  messageId?: number;
}

/**
 * Slots in a Set, which iterates in insertion order: while slots were added in increasing order (the usual case:
 * a slot gets its packet identifier in delivery order), the first one iterated is the earliest.
 */
class SlotSet {
  private readonly slots = new Set<number>();
  private last = -1;
  private sorted = true;

  get size(): number {
    return this.slots.size;
  }

  add(slot: number): void {
    if (slot < this.last) this.sorted = false;
    this.last = Math.max(this.last, slot);
    this.slots.add(slot);
  }

  delete(slot: number): void {
    this.slots.delete(slot);
  }

  /** The earliest slot that passes `accept`. */
  first(accept: (slot: number) => boolean): number | undefined {
    let first: number | undefined;
    for (const slot of this.slots) {
      if (first !== undefined && slot > first) continue;
      if (!accept(slot)) continue;
      first = slot;
      if (this.sorted) break;
    }
    return first;
  }
}

/** One client's queue: its packets in enqueue order, and two indexes into them. */
class ClientQueue<P extends OutgoingPacket> {
  /** Slot (increasing with each enqueue) to packet; a Map iterates in insertion order, so this is the queue. */
  readonly slots = new Map<number, P>();
  /** `brokerId:brokerCounter` to slot, for packets that carry both. */
  readonly byOrigin = new Map<string, number>();
  /** Packet identifier (undefined until the packet is sent) to the slots holding it. */
  private readonly byMessageId = new Map<number | undefined, SlotSet>();
  private next = 0;

  add(packet: P): void {
    const slot = this.next++;
    this.slots.set(slot, packet);
    this.index(slot, packet);
  }

  index(slot: number, packet: P): void {
    const origin = originOf(packet);
    if (origin !== undefined) this.byOrigin.set(origin, slot);
    this.indexMessageId(slot, packet.messageId);
  }

  unindex(slot: number, packet: P): void {
    const origin = originOf(packet);
    if (origin !== undefined && this.byOrigin.get(origin) === slot) this.byOrigin.delete(origin);
    this.unindexMessageId(slot, packet.messageId);
  }

  indexMessageId(slot: number, messageId: number | undefined): void {
    let slots = this.byMessageId.get(messageId);
    if (slots === undefined) this.byMessageId.set(messageId, (slots = new SlotSet()));
    slots.add(slot);
  }

  unindexMessageId(slot: number, messageId: number | undefined): void {
    const slots = this.byMessageId.get(messageId);
    if (slots === undefined) return;
    slots.delete(slot);
    if (slots.size === 0) this.byMessageId.delete(messageId);
  }

  /** The earliest slot whose packet has this identifier (undefined matches an unsent packet) and passes `accept`. */
  firstWithMessageId(messageId: number | undefined, accept: (packet: P) => boolean): number | undefined {
    return this.byMessageId.get(messageId)?.first((slot) => accept(this.slots.get(slot)!));
  }
}

const originOf = (p: OutgoingPacket): string | undefined =>
  p.brokerId === undefined || p.brokerCounter === undefined ? undefined : `${p.brokerId}:${p.brokerCounter}`;

/**
 * The embedded broker's queues of QoS 1/2 messages to persistent-session clients, awaiting their acknowledgement:
 * the same operations and results as aedes-persistence's in-memory queue, with lookups by key instead of a scan.
 * The stock queue is an array that every delivery (`outgoingUpdate`) and every PUBACK (`outgoingClearMessageId`)
 * searches from the start, and the backend's session holds up to MQTT_MAX_PENDING_ACKS messages in it while
 * their batches commit: O(n) per message, about a tenth of the backend's main thread in a flood.
 *
 * Two differences, both where the stock queue's answer depends on the order of unrelated packets: a PUBREL (it
 * carries no broker id) takes the place of the PUBLISH with its packet identifier even when another PUBREL is
 * queued before it (the stock queue then overwrites that earlier PUBREL's identifier instead, so two QoS 2
 * messages in flight to one persistent session go wrong there); and an update that matches a packet by broker id
 * and counter takes it even when a packet of another broker with the same identifier is queued before it.
 */
export class OutgoingQueues<P extends OutgoingPacket> {
  private readonly clients = new Map<string, ClientQueue<P>>();

  /** Appends a copy (`copy`, as aedes-persistence copies it) of the packet to the client's queue. */
  enqueue(clientId: string, packet: P, copy: (packet: P) => P): void {
    this.queueOf(clientId).add(copy(packet));
  }

  /**
   * The delivery of a queued packet: the queued packet of the same broker id and counter gets the packet
   * identifier it was sent with; failing that, the packet with that identifier from elsewhere (a PUBREL for a
   * QoS 2 PUBLISH, which carries no broker id) takes its place. Throws when neither is queued.
   */
  update(clientId: string, packet: P): void {
    const queue = this.clients.get(clientId);
    const origin = originOf(packet);
    const slot = origin === undefined ? undefined : queue?.byOrigin.get(origin);
    if (queue !== undefined && slot !== undefined) {
      const queued = queue.slots.get(slot)!;
      queue.unindexMessageId(slot, queued.messageId);
      queued.messageId = packet.messageId;
      queue.indexMessageId(slot, packet.messageId);
      return;
    }
    const replaced = queue?.firstWithMessageId(packet.messageId, (q) => q.brokerId !== packet.brokerId);
    if (queue === undefined || replaced === undefined) throw new Error('no such packet');
    queue.unindex(replaced, queue.slots.get(replaced)!);
    queue.slots.set(replaced, packet);
    queue.index(replaced, packet);
  }

  /**
   * Removes and answers the earliest queued packet with this packet identifier (undefined when none; an undefined
   * identifier, for a packet that will not be sent, matches the earliest unsent one).
   */
  clear(clientId: string, messageId: number | undefined): P | undefined {
    const queue = this.clients.get(clientId);
    const slot = queue?.firstWithMessageId(messageId, () => true);
    if (queue === undefined || slot === undefined) return undefined;
    const packet = queue.slots.get(slot)!;
    queue.slots.delete(slot);
    queue.unindex(slot, packet);
    if (queue.slots.size === 0) this.clients.delete(clientId);
    return packet;
  }

  /** The client's queued packets in order, as a stream of a snapshot (later changes do not show in it). */
  stream(clientId: string): Readable {
    return Readable.from([...(this.clients.get(clientId)?.slots.values() ?? [])]);
  }

  /** Packets queued for the client. */
  size(clientId: string): number {
    return this.clients.get(clientId)?.slots.size ?? 0;
  }

  private queueOf(clientId: string): ClientQueue<P> {
    let queue = this.clients.get(clientId);
    if (queue === undefined) this.clients.set(clientId, (queue = new ClientQueue<P>()));
    return queue;
  }
}
