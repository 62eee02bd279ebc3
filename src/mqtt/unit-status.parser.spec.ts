import { MAX_PAYLOAD_BYTES } from './payload.parser.js';
import { parseUnitStatusPayload, type UnitStatusResult } from './unit-status.parser.js';

const parse = (text: string | Buffer): UnitStatusResult =>
  parseUnitStatusPayload(typeof text === 'string' ? Buffer.from(text, 'utf8') : text);

describe('parseUnitStatusPayload', () => {
  it.each([
    ['online', 'online'],
    ['offline', 'offline'],
    ['maintenance', 'maintenance'],
    ['ONLINE', 'online'],
    ['Maintenance', 'maintenance'],
    ['  offline\n', 'offline'],
  ])('accepts the bare word %j as %p', (text, status) => {
    expect(parse(text)).toEqual({ ok: true, payload: { status } });
  });

  it('accepts JSON with a status and an optional ISO or epoch timestamp', () => {
    expect(parse('{"status": "online"}')).toEqual({ ok: true, payload: { status: 'online' } });
    expect(parse('{"status": "OFFLINE", "timestamp": "2024-01-01T12:00:00Z"}')).toEqual({
      ok: true,
      payload: { status: 'offline', timestamp: '2024-01-01T12:00:00Z' },
    });
    expect(parse('{"status": "maintenance", "timestamp": 1704110400, "note": "pump"}')).toEqual({
      ok: true,
      payload: { status: 'maintenance', timestamp: 1704110400 },
    });
    expect(parse('{"status": "online", "timestamp": null}')).toEqual({ ok: true, payload: { status: 'online' } });
  });

  it('takes the last of duplicate keys, and ignores keys under __proto__', () => {
    expect(parse('{"status": "offline", "status": "online"}')).toEqual({ ok: true, payload: { status: 'online' } });
    expect(parse('{"__proto__": {"status": "online"}}')).toEqual({ ok: false, reason: 'status_missing' });
    expect(parse('{"constructor": {"prototype": {"polluted": 1}}, "status": "online"}')).toEqual({
      ok: true,
      payload: { status: 'online' },
    });
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it.each([
    ['', 'payload_empty'],
    [' \n\t', 'payload_empty'],
    ['o'.repeat(MAX_PAYLOAD_BYTES + 1), 'payload_too_large'],
    ['{"status": "online"', 'payload_invalid_json'],
    ['{status: online}', 'payload_invalid_json'],
    ['["online"]', 'payload_not_object'],
    ['"online"', 'payload_not_object'],
    ['{}', 'status_missing'],
    ['{"status": null}', 'status_missing'],
    ['{"state": "online"}', 'status_missing'],
    ['running', 'status_unknown'],
    ['on line', 'status_unknown'],
    ['1', 'status_unknown'],
    ['constructor', 'status_unknown'],
    ['__proto__', 'status_unknown'],
    ['{"status": "running"}', 'status_unknown'],
    ['{"status": 1}', 'status_unknown'],
    ['{"status": ["online"]}', 'status_unknown'],
    ['{"status": {"online": true}}', 'status_unknown'],
    ['{"status": "online", "timestamp": {}}', 'timestamp_invalid'],
    ['{"status": "online", "timestamp": true}', 'timestamp_invalid'],
  ])('rejects %j as %p', (text, reason) => {
    expect(parse(text)).toEqual({ ok: false, reason });
  });

  it('rejects invalid UTF-8 as an unknown status', () => {
    expect(parse(Buffer.from([0xff, 0xfe, 0x6f, 0x6e]))).toEqual({ ok: false, reason: 'status_unknown' });
  });
});
