import { Logger } from '@nestjs/common';
import mqtt, { type MqttClient } from 'mqtt';
import type { Writable } from 'node:stream';
import { EmbeddedBroker } from '../common/embedded/embedded-broker.js';
import { PublishFrameEncoder, topicField } from './publish-frame.encoder.js';

/**
 * The frames are checked where it matters: a real broker (the embedded aedes) must take them from a client's
 * connection and route each one, byte for byte, to a subscriber.
 */
describe('PublishFrameEncoder', () => {
  let broker: EmbeddedBroker;
  let publisher: MqttClient;
  let subscriber: MqttClient;
  const received: { topic: string; payload: string; qos: number }[] = [];

  beforeAll(async () => {
    Logger.overrideLogger(false);
    broker = await EmbeddedBroker.start('127.0.0.1', 0);
    const options = { host: '127.0.0.1', port: broker.port, protocolVersion: 4 as const, reconnectPeriod: 0 };
    // Copies: mqtt.js writes the client id it generates into the options it is given.
    publisher = await mqtt.connectAsync({ ...options });
    subscriber = await mqtt.connectAsync({ ...options });
    subscriber.on('message', (topic, payload, packet) =>
      received.push({ topic, payload: payload.toString(), qos: packet.qos }),
    );
    await subscriber.subscribeAsync('enc/#', { qos: 0 });
  });

  afterAll(async () => {
    await publisher?.endAsync();
    await subscriber?.endAsync();
    await broker?.stop();
  });

  /** Resolves once `count` messages have arrived (Jest's timeout catches the case where they never do). */
  function arrival(count: number): Promise<void> {
    return new Promise((resolve) => {
      const check = (): void => {
        if (received.length < count) return;
        subscriber.off('message', check);
        resolve();
      };
      subscriber.on('message', check);
      check();
    });
  }

  it('writes packets a broker routes unchanged, with 1-, 2- and 3-byte remaining lengths', async () => {
    received.length = 0;
    const encoder = new PublishFrameEncoder(16);
    const sent = [
      {
        topic: 'enc/UNIT001/temperature',
        payload: '{"value":21.5,"quality":"GOOD","timestamp":"2025-01-06T08:00:00.000Z"}',
      },
      { topic: 'enc/UNIT002/pressure', payload: 'x'.repeat(300) },
      { topic: 'enc/a', payload: '' },
      { topic: `enc/${'t'.repeat(200)}`, payload: 'y'.repeat(20_000) },
    ];
    for (const { topic, payload } of sent) encoder.add(topicField(topic), payload);
    expect(encoder.count).toBe(4);
    (publisher.stream as Writable).write(encoder.take());
    expect(encoder.count).toBe(0);
    await arrival(sent.length);
    // Compared by length and content, so a failure does not print 20 kB of payload.
    const summary = (m: { topic: string; payload: string }) => [
      m.topic.slice(0, 30),
      m.payload.length,
      m.payload.slice(-20),
    ];
    expect(received.map(summary)).toEqual(sent.map(summary));
    expect(received.every((m, i) => m.qos === 0 && m.topic === sent[i].topic && m.payload === sent[i].payload)).toBe(
      true,
    );
  });

  it('gives each take a buffer of its own, so reusing the encoder cannot change bytes not yet written', () => {
    const encoder = new PublishFrameEncoder();
    encoder.add(topicField('enc/x'), 'first');
    const first = encoder.take();
    const copy = Buffer.from(first);
    encoder.add(topicField('enc/x'), 'other');
    encoder.take();
    expect(first.equals(copy)).toBe(true);
  });

  it('lays out a topic as two length bytes and its UTF-8 name', () => {
    expect([...topicField('a/é')]).toEqual([0, 4, 0x61, 0x2f, 0xc3, 0xa9]);
  });
});
