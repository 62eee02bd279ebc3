import { parseSetCommand } from './set-command.parser.js';

const ID = '0f8e2a3c-1b2d-4e5f-8a9b-0c1d2e3f4a5b';
const EXPIRES = '2026-12-03T10:00:10.000Z';
const json = (body: unknown): Buffer => Buffer.from(JSON.stringify(body));

describe('parseSetCommand', () => {
  it('reads the command id, the value (true/false as 1/0) and the deadline', () => {
    const issued_at = '2026-12-03T10:00:00.000Z';
    expect(parseSetCommand(json({ command_id: ID, value: 55, issued_at, expires_at: EXPIRES }))).toEqual({
      commandId: ID,
      value: 55,
      expiresAtMs: Date.parse(EXPIRES),
    });
    expect(parseSetCommand(json({ command_id: ID, value: true, expires_at: EXPIRES }))?.value).toBe(1);
  });

  it.each([
    ['not JSON', Buffer.from('{')],
    ['an array', json([ID])],
    ['no command id', json({ value: 1, expires_at: EXPIRES })],
    ['a command id that is no UUID', json({ command_id: 'x', value: 1, expires_at: EXPIRES })],
    ['a text value', json({ command_id: ID, value: 'ON', expires_at: EXPIRES })],
    ['no deadline', json({ command_id: ID, value: 1 })],
    ['a deadline that is no date', json({ command_id: ID, value: 1, expires_at: 'soon' })],
    ['too big', json({ command_id: ID, value: 1, expires_at: EXPIRES, pad: 'x'.repeat(3000) })],
  ])('refuses %s', (_what, payload) => {
    expect(parseSetCommand(payload)).toBeUndefined();
  });
});
