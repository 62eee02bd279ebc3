import { jest } from '@jest/globals';
import { FakeMqttClient, publish } from './fake-mqtt-client.fixture.js';
import { PubackLedger, type IntakeLimits } from './puback-ledger.js';

const ROOMY: IntakeLimits = { maxPending: 1000, resumeAt: 500 };

/** A client whose QoS 1 messages are all taken into the ledger, like MqttIngestService does. */
function setUp(limits: IntakeLimits = ROOMY, onPause: () => void = () => undefined) {
  const client = new FakeMqttClient();
  const ledger = new PubackLedger(client.asClient(), limits, onPause);
  const taken: number[] = [];
  client.handleMessage = (packet, done) => {
    if (packet.messageId !== undefined) {
      ledger.take(packet.messageId);
      taken.push(packet.messageId);
    }
    ledger.admit(done);
  };
  const deliver = (...ids: number[]) => client.deliver(...ids.map((id) => publish('scada/U1/t', id)));
  return { client, ledger, taken, deliver };
}

describe('PubackLedger', () => {
  it('holds each PUBACK until its batch is released, then sends them in the order given', () => {
    const { client, ledger, deliver } = setUp();
    deliver(1, 2, 3, 4);
    expect(client.pubacks).toEqual([]);
    expect(ledger.pending).toBe(4);
    ledger.release(ledger.epoch, [3, 1]);
    expect(client.pubacks).toEqual([3, 1]);
    ledger.release(ledger.epoch, [2, 4]);
    expect(client.pubacks).toEqual([3, 1, 2, 4]);
    expect(ledger.pending).toBe(0);
  });

  it('never acknowledges a message that was not taken in, nor a QoS 0 message', () => {
    const { client, ledger } = setUp();
    // Refused (intake held for a shutdown): handleMessage completes without taking the message into the ledger.
    client.handleMessage = (_packet, done) => done();
    client.deliver(publish('scada/U1/t', 7), publish('scada/U1/t', 0, { qos: 0 }));
    ledger.release(ledger.epoch, [7]);
    expect(client.pubacks).toEqual([]);
    expect(ledger.pending).toBe(0);
  });

  it('forgets held PUBACKs when the connection closes: a late release never acknowledges a reused id', () => {
    const { client, ledger, deliver } = setUp();
    deliver(1, 2);
    const oldEpoch = ledger.epoch;
    client.drop();
    expect(ledger.epoch).toBe(oldEpoch + 1);
    expect(ledger.pending).toBe(0);
    client.reconnect();
    // The broker redelivers, and a new message reuses id 1 on the new connection.
    deliver(1, 2);
    ledger.release(oldEpoch, [1, 2]);
    expect(client.pubacks).toEqual([]);
    expect(ledger.pending).toBe(2);
    ledger.release(ledger.epoch, [1, 2]);
    expect(client.pubacks).toEqual([1, 2]);
  });

  it('sends nothing while the connection is down, even for the current epoch', () => {
    const { client, ledger, deliver } = setUp();
    deliver(5);
    client.connected = false;
    ledger.release(ledger.epoch, [5]);
    expect(client.sent).toEqual([]);
  });

  describe('a message id that arrives twice on one connection (a broker resending in-session)', () => {
    it('acknowledges only once the batch of every copy committed, in whichever order they commit', () => {
      const { client, ledger, deliver } = setUp();
      deliver(9); // batch A
      deliver(9); // the resent copy, batch B
      expect(ledger.pending).toBe(2);
      ledger.release(ledger.epoch, [9]); // A commits: B's copy is not stored yet
      expect(client.pubacks).toEqual([]);
      ledger.release(ledger.epoch, [9]); // B commits
      expect(client.pubacks).toEqual([9]);
      expect(ledger.pending).toBe(0);
    });

    it('keeps no credit: a later message reusing the id is acknowledged only after its own commit', () => {
      const { client, ledger, deliver } = setUp();
      deliver(4, 4);
      ledger.release(ledger.epoch, [4]);
      ledger.release(ledger.epoch, [4]);
      ledger.release(ledger.epoch, [4]); // a stray extra release (a bug elsewhere) must not be banked
      expect(client.pubacks).toEqual([4]);
      deliver(4); // a new message with the freed id
      expect(client.pubacks).toEqual([4]);
      ledger.release(ledger.epoch, [4]);
      expect(client.pubacks).toEqual([4, 4]);
    });

    it('acknowledges a refused copy with the copy that was taken in, once that one committed', () => {
      const { client, ledger, deliver } = setUp();
      deliver(3);
      // Intake is held (shutdown) when the broker resends it: that copy is refused, not taken in.
      client.handleMessage = (_packet, done) => done();
      deliver(3);
      expect(client.pubacks).toEqual([]);
      ledger.release(ledger.epoch, [3]);
      expect(client.pubacks).toEqual([3]);
    });
  });

  describe('back-pressure', () => {
    it('stops reading at maxPending and reads again once commits bring it down to resumeAt', () => {
      const onPause = jest.fn();
      const { client, ledger, taken, deliver } = setUp({ maxPending: 4, resumeAt: 2 }, onPause);
      deliver(1, 2, 3, 4, 5, 6, 7, 8, 9, 10);
      // The 4th message paused intake: mqtt.js is waiting for its callback and reads nothing more.
      expect(taken).toEqual([1, 2, 3, 4]);
      expect(client.unread).toHaveLength(6);
      expect(ledger.paused).toBe(true);
      expect(ledger.pauses).toBe(1);
      expect(onPause).toHaveBeenCalledTimes(1);

      ledger.release(ledger.epoch, [1]);
      expect(ledger.paused).toBe(true); // 3 wait: above resumeAt, still paused (hysteresis)
      expect(taken).toHaveLength(4);

      ledger.release(ledger.epoch, [2]);
      // 2 wait: reading resumes, and pauses again at 4 waiting.
      expect(taken).toEqual([1, 2, 3, 4, 5, 6]);
      expect(ledger.paused).toBe(true);
      expect(ledger.pauses).toBe(2);
      expect(client.pubacks).toEqual([1, 2]);
    });

    it('sends the PUBACK of the message that paused intake only after its commit, when reading resumes', () => {
      const { client, ledger, deliver } = setUp({ maxPending: 2, resumeAt: 0 });
      deliver(1, 2, 3);
      expect(ledger.paused).toBe(true);
      // Message 2 paused intake: mqtt.js has not even produced its PUBACK yet when its batch commits.
      ledger.release(ledger.epoch, [1, 2]);
      // Resumed: mqtt.js sent 2's PUBACK with its callback and the ledger let it through; 3 was read and waits.
      expect(ledger.paused).toBe(false);
      expect(client.pubacks).toEqual([1, 2]);
      expect(ledger.pending).toBe(1);
      ledger.release(ledger.epoch, [3]);
      expect(client.pubacks).toEqual([1, 2, 3]);
      expect(ledger.pending).toBe(0);
    });

    it('keeps the broker hearing from the client while paused, and never reads again on a closed connection', () => {
      jest.useFakeTimers();
      try {
        const { client, ledger, taken, deliver } = setUp({ maxPending: 1, resumeAt: 0 });
        deliver(1, 2);
        expect(ledger.paused).toBe(true);
        jest.advanceTimersByTime(30_000); // half of the 60 s keepalive
        expect(client.sent.filter((p) => p.cmd === 'pingreq')).toHaveLength(1);
        expect(client.pingsRescheduled).toBe(1);

        client.drop();
        expect(ledger.paused).toBe(false);
        jest.advanceTimersByTime(120_000);
        expect(client.sent.filter((p) => p.cmd === 'pingreq')).toHaveLength(1);
        client.reconnect();
        ledger.release(ledger.epoch - 1, [1]);
        expect(taken).toEqual([1]);
        expect(client.pubacks).toEqual([]);
      } finally {
        jest.useRealTimers();
      }
    });
  });
});
