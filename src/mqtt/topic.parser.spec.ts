import { IDENTIFIER } from '../common/identifier.js';
import { TopicParser } from './topic.parser.js';

describe('TopicParser', () => {
  const parser = new TopicParser('scada');

  it('subscribes to everything under the prefix, so malformed topics arrive and are counted', () => {
    expect(parser.filter).toBe('scada/#');
  });

  it.each([
    ['scada/UNIT001/temperature', 'UNIT001', 'temperature'],
    ['scada/unit-7/flow_rate', 'unit-7', 'flow_rate'],
    ['scada/_/-', '_', '-'],
    ['scada/status/temperature', 'status', 'temperature'],
    ['scada/UNIT001/STATUS', 'UNIT001', 'STATUS'],
    [`scada/${'a'.repeat(64)}/${'b'.repeat(64)}`, 'a'.repeat(64), 'b'.repeat(64)],
  ])('reads %s as a reading', (topic, unitId, sensorType) => {
    expect(parser.parse(topic)).toEqual({ kind: 'reading', unitId, sensorType });
  });

  it('reads {prefix}/{unit_id}/status as a unit status message', () => {
    expect(parser.parse('scada/UNIT001/status')).toEqual({ kind: 'status', unitId: 'UNIT001' });
  });

  it('tells command topics and their acks apart, so neither becomes a reading or a sensor named set', () => {
    expect(parser.parse('scada/UNIT001/setpoint/set')).toEqual({
      kind: 'command',
      unitId: 'UNIT001',
      sensorType: 'setpoint',
    });
    expect(parser.parse('scada/UNIT001/setpoint/set/ack')).toEqual({
      kind: 'command_ack',
      unitId: 'UNIT001',
      sensorType: 'setpoint',
    });
    expect(parser.parse('scada/UNIT001/set')).toEqual({ kind: 'reading', unitId: 'UNIT001', sensorType: 'set' });
  });

  it.each([
    ['a command to the status topic', 'scada/UNIT001/status/set'],
    ['an ack of the status topic', 'scada/UNIT001/status/set/ack'],
    ['another third level', 'scada/UNIT001/setpoint/get'],
    ['another fourth level', 'scada/UNIT001/setpoint/set/nack'],
    ['a fifth level', 'scada/UNIT001/setpoint/set/ack/x'],
    ['a command with an empty sensor type', 'scada/UNIT001//set'],
  ])('rejects %s as topic_invalid', (_what, topic) => {
    expect(parser.parse(topic)).toEqual({ kind: 'rejected', reason: 'topic_invalid' });
  });

  it.each([
    ['no prefix', 'UNIT001/temperature'],
    ['another prefix', 'other/UNIT001/temperature'],
    ['a prefix that only starts the same', 'scadax/UNIT001/temperature'],
    ['the prefix in another case', 'SCADA/UNIT001/temperature'],
    ['the prefix alone', 'scada'],
    ['the prefix and a slash', 'scada/'],
    ['a missing level', 'scada/UNIT001'],
    ['an extra level', 'scada/UNIT001/temperature/extra'],
    ['a trailing slash', 'scada/UNIT001/temperature/'],
    ['an empty unit id', 'scada//temperature'],
    ['an empty sensor type', 'scada/UNIT001/'],
    ['both levels empty', 'scada//'],
    ['a leading slash', '/scada/UNIT001/temperature'],
    ['a 65-character unit id', `scada/${'a'.repeat(65)}/temperature`],
    ['a 65-character sensor type', `scada/UNIT001/${'t'.repeat(65)}`],
    ['a 10,000-character unit id', `scada/${'a'.repeat(10_000)}/temperature`],
    ['a path traversal', 'scada/../temperature'],
    ['a dot', 'scada/UNIT.1/temperature'],
    ['a space', 'scada/UNIT 1/temperature'],
    ['a surrounding space', 'scada/UNIT1 /temperature'],
    ['a quote', "scada/UNIT1'/temperature"],
    ['SQL', 'scada/UNIT1;DROP TABLE units/temperature'],
    ['a wildcard +', 'scada/+/temperature'],
    ['a wildcard #', 'scada/UNIT001/#'],
    ['a dollar sign', 'scada/$SYS/temperature'],
    ['a backslash', 'scada/UNIT\\1/temperature'],
    ['a null byte', 'scada/UNIT\u00001/temperature'],
    ['a newline', 'scada/UNIT001/temperature\n'],
    ['a tab', 'scada/UNIT\t1/temperature'],
    ['an accented letter', 'scada/UNITÉ1/temperature'],
    ['a fullwidth digit', 'scada/UNIT１/temperature'],
    ['an emoji', 'scada/UNIT🔥/temperature'],
    ['a right-to-left override', 'scada/UNIT\u202e1/temperature'],
    ['a zero-width space', 'scada/UNIT\u200b1/temperature'],
  ])('rejects a topic with %s as topic_invalid', (_what, topic) => {
    expect(parser.parse(topic)).toEqual({ kind: 'rejected', reason: 'topic_invalid' });
  });

  it('takes a multi-level prefix as one fixed part', () => {
    const nested = new TopicParser('plant/north');
    expect(nested.filter).toBe('plant/north/#');
    expect(nested.parse('plant/north/UNIT001/temperature')).toEqual({
      kind: 'reading',
      unitId: 'UNIT001',
      sensorType: 'temperature',
    });
    expect(nested.parse('plant/UNIT001/temperature')).toEqual({ kind: 'rejected', reason: 'topic_invalid' });
  });

  it('allows only 1 to 64 letters, digits, _ and - in identifiers', () => {
    expect(IDENTIFIER.test('A-z_09')).toBe(true);
    expect(IDENTIFIER.test('')).toBe(false);
    expect(IDENTIFIER.test('a'.repeat(64))).toBe(true);
    expect(IDENTIFIER.test('a'.repeat(65))).toBe(false);
    expect(IDENTIFIER.test('UNIT001\n')).toBe(false);
  });

  it('gives a topic seen before the same answer, and forgets what it remembered once 50,000 topics were seen', () => {
    const parser = new TopicParser('scada');
    const first = parser.parse('scada/UNIT001/temperature');
    expect(parser.parse('scada/UNIT001/temperature')).toBe(first); // remembered, not parsed again
    expect(parser.parse('scada/UNIT001/set/junk/more')).toEqual({ kind: 'rejected', reason: 'topic_invalid' });
    for (let i = 0; i < 50_000; i++) parser.parse(`scada/U${i}/temperature`);
    const again = parser.parse('scada/UNIT001/temperature');
    expect(again).not.toBe(first); // emptied when full: parsed anew
    expect(again).toEqual(first);
  });
});
