import type { Readable } from 'node:stream';
import type { AedesPacket } from 'aedes-packet';
import memoryPersistence from 'aedes-persistence';
import { embeddedPersistence } from './embedded-persistence.js';

/** The outgoing half of a persistence as aedes calls it (promises). */
interface Outgoing {
  outgoingEnqueueCombi(subs: { clientId: string }[], packet: AedesPacket): Promise<void>;
  outgoingUpdate(client: { id: string }, packet: Record<string, unknown>): Promise<void>;
  outgoingClearMessageId(client: { id: string }, packet: { messageId?: number }): Promise<AedesPacket | undefined>;
  outgoingStream(client: { id: string }): Readable;
}

const stock = (): Outgoing => (memoryPersistence as unknown as () => Outgoing)();
const ours = (): Outgoing => embeddedPersistence() as Outgoing;

const CLIENTS = ['backend', 'other'];

/** A PUBLISH as aedes hands it to the persistence: its broker's id and counter, no packet identifier yet. */
function published(counter: number, brokerId = 'broker-1'): AedesPacket {
  return {
    cmd: 'publish',
    topic: `scada/U${counter}/t`,
    payload: Buffer.from(String(counter)),
    qos: 1,
    retain: false,
    dup: false,
    brokerId,
    brokerCounter: counter,
    messageId: undefined,
  };
}

/** What a queue holds, comparable across implementations. */
async function contents(p: Outgoing, clientId: string): Promise<string[]> {
  const out: string[] = [];
  for await (const packet of p.outgoingStream({ id: clientId }) as AsyncIterable<AedesPacket>) {
    out.push(summary(packet));
  }
  return out;
}

function summary(packet: AedesPacket | undefined): string {
  if (packet === undefined) return 'none';
  const { cmd, brokerId, brokerCounter, messageId, topic } = packet as AedesPacket & { topic?: string };
  return JSON.stringify({ cmd, brokerId, brokerCounter, messageId, topic });
}

/** Runs `call` on a persistence: its answer, or that it threw. */
async function outcome(call: () => Promise<AedesPacket | undefined | void>): Promise<string> {
  try {
    return summary((await call()) ?? undefined);
  } catch (err) {
    return `threw ${(err as Error).message}`;
  }
}

/** Seeded, so every run replays the same operations. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('OutgoingQueues (the embedded broker persistence)', () => {
  it('answers every operation as aedes-persistence does, over a seeded mix of deliveries, PUBRELs and PUBACKs', async () => {
    const next = random(22);
    const pick = <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)];
    const mine = ours();
    const theirs = stock();
    let counter = 0;
    const log: string[] = [];
    for (let step = 0; step < 800; step++) {
      const client = pick(CLIENTS);
      const queued = (await theirs.outgoingStream({ id: client }).toArray()) as AedesPacket[];
      const inUse = new Set(queued.map((p) => p.messageId));
      // Identifiers from a small range, so they are reused (as after a wrap at 65535) while others are queued.
      const freeId = (): number => {
        for (let i = 0; i < 100; i++) {
          const id = 1 + Math.floor(next() * 40);
          if (!inUse.has(id)) return id;
        }
        return 1000 + step;
      };
      const r = next();
      const sendable = queued.filter((p) => p.brokerId !== undefined);
      let op: string;
      let run: (p: Outgoing) => Promise<AedesPacket | undefined | void>;
      if (r < 0.35 || queued.length === 0) {
        const packet = published(++counter, next() < 0.1 ? 'broker-0' : 'broker-1');
        const subs = next() < 0.8 ? [{ clientId: 'backend' }] : CLIENTS.map((clientId) => ({ clientId }));
        op = `enqueue ${counter} for ${subs.length}`;
        run = (p) => p.outgoingEnqueueCombi(subs, { ...packet });
      } else if (r < 0.6 && sendable.length > 0) {
        // A delivery (first send or a resend after a reconnect) with a fresh packet identifier.
        const target = pick(sendable);
        const id = freeId();
        op = `deliver ${target.brokerCounter} as ${id}`;
        run = (p) => p.outgoingUpdate({ id: client }, { ...target, payload: Buffer.from('x'), messageId: id });
      } else if (r < 0.7 && !queued.some((p) => p.cmd === 'pubrel')) {
        // QoS 2: PUBREC answered by a PUBREL that takes the PUBLISH's place (it carries no broker id). Only while
        // no other PUBREL is queued: the stock queue mistakes that one for it (see the next test).
        const id = next() < 0.8 ? pick(queued).messageId : freeId();
        op = `pubrel ${id}`;
        run = (p) => p.outgoingUpdate({ id: client }, { cmd: 'pubrel', messageId: id });
      } else if (r < 0.75) {
        op = 'deliver unknown';
        run = (p) => p.outgoingUpdate({ id: client }, { ...published(999_999), messageId: freeId() });
      } else {
        // PUBACK (or PUBCOMP) of a queued identifier, of an unknown one, or of a packet that will not be sent.
        const id = next() < 0.8 ? pick(queued).messageId : next() < 0.5 ? freeId() : undefined;
        op = `clear ${id}`;
        run = (p) => p.outgoingClearMessageId({ id: client }, { messageId: id });
      }
      const [a, b] = [await outcome(() => run(mine)), await outcome(() => run(theirs))];
      log.push(`${step} ${client} ${op}: ${b}`);
      expect({ op, answer: a }).toEqual({ op, answer: b });
      for (const c of CLIENTS) expect(await contents(mine, c)).toEqual(await contents(theirs, c));
    }
    // The mix reached every branch: deliveries, replacements by PUBREL, clears of sent and unsent packets, refusals.
    expect(log.some((l) => /pubrel \d+: none/.test(l))).toBe(true);
    expect(log.filter((l) => / clear \d+: \{/.test(l)).length).toBeGreaterThan(25);
    expect(log.some((l) => / clear undefined: \{/.test(l))).toBe(true);
    expect(log.some((l) => /threw no such packet/.test(l))).toBe(true);
  });

  it('puts a PUBREL in the place of its own PUBLISH while another QoS 2 message waits for its PUBCOMP', async () => {
    const p = ours();
    const backend = { id: 'backend' };
    for (const counter of [1, 2]) {
      await p.outgoingEnqueueCombi([{ clientId: 'backend' }], published(counter));
      await p.outgoingUpdate(backend, { ...published(counter), qos: 2, messageId: counter });
      // PUBREC received: the PUBREL goes out and waits for its PUBCOMP in the PUBLISH's place.
      await p.outgoingUpdate(backend, { cmd: 'pubrel', messageId: counter });
    }
    expect(await contents(p, 'backend')).toEqual([
      JSON.stringify({ cmd: 'pubrel', messageId: 1 }),
      JSON.stringify({ cmd: 'pubrel', messageId: 2 }),
    ]);
    expect(summary(await p.outgoingClearMessageId(backend, { messageId: 2 }))).toBe(
      JSON.stringify({ cmd: 'pubrel', messageId: 2 }),
    );
    expect(await contents(p, 'backend')).toEqual([JSON.stringify({ cmd: 'pubrel', messageId: 1 })]);
  });

  it('holds 50,000 unacknowledged messages to one client and clears them in any order', async () => {
    // The backend's session at MQTT_MAX_PENDING_ACKS and beyond; the stock queue scans all of them per message.
    const p = ours();
    const n = 50_000;
    for (let i = 1; i <= n; i++) await p.outgoingEnqueueCombi([{ clientId: 'backend' }], published(i));
    for (let i = 1; i <= n; i++) await p.outgoingUpdate({ id: 'backend' }, { ...published(i), messageId: i });
    let cleared = 0;
    for (let i = n; i >= 1; i--)
      if ((await p.outgoingClearMessageId({ id: 'backend' }, { messageId: i })) !== undefined) cleared++;
    expect(cleared).toBe(n);
    expect(await contents(p, 'backend')).toEqual([]);
  });
});
