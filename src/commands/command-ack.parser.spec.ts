import { parseCommandAck } from './command-ack.parser.js';

const ID = '0f8e2a3c-1b2d-4e5f-8a9b-0c1d2e3f4a5b';
const parse = (text: string) => parseCommandAck(Buffer.from(text));

describe('parseCommandAck', () => {
  it('reads accepted and rejected acks, with a cleaned reason', () => {
    expect(parse(JSON.stringify({ command_id: ID, status: 'accepted' }))).toEqual({
      ok: true,
      ack: { commandId: ID, accepted: true },
    });
    expect(
      parse(JSON.stringify({ command_id: ID.toUpperCase(), status: 'rejected', reason: 'interlock\nactive' })),
    ).toEqual({
      ok: true,
      ack: { commandId: ID, accepted: false, reason: 'interlock active' },
    });
  });

  it.each([
    ['not JSON', 'accepted'],
    ['an array', '[]'],
    ['null', 'null'],
    ['no id', '{"status":"accepted"}'],
    ['an id that is no UUID', '{"command_id":"1; DROP TABLE commands","status":"accepted"}'],
    ['another status', `{"command_id":"${ID}","status":"ok"}`],
    ['a reason that is no string', `{"command_id":"${ID}","status":"rejected","reason":{}}`],
    ['a huge payload', `{"command_id":"${ID}","status":"rejected","reason":"${'x'.repeat(5000)}"}`],
  ])('counts %s as malformed', (_what, text) => {
    expect(parse(text)).toEqual({ ok: false, reason: 'malformed' });
  });
});
