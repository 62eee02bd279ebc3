import { MAX_PAYLOAD_BYTES, parsePayload, type PayloadResult } from './payload.parser.js';

const parse = (text: string): PayloadResult => parsePayload(Buffer.from(text, 'utf8'));

describe('parsePayload', () => {
  describe('bare numbers', () => {
    it.each([
      ['25', 25],
      ['25.5', 25.5],
      ['-40', -40],
      ['-0.125', -0.125],
      ['+7', 7],
      ['0', 0],
      ['007', 7],
      ['5.', 5],
      ['.5', 0.5],
      ['1e3', 1000],
      ['1E3', 1000],
      ['2.5e-3', 0.0025],
      ['-1.5E+2', -150],
      ['1.7976931348623157e308', Number.MAX_VALUE],
      ['5e-324', Number.MIN_VALUE],
      ['  25.5  ', 25.5],
      ['\t\r\n25.5\n', 25.5],
      ['\uFEFF25.5', 25.5],
    ])('accepts %j as %p', (text, value) => {
      expect(parse(text)).toEqual({ ok: true, payload: { value } });
    });

    it.each([
      ['NaN'],
      ['nan'],
      ['Infinity'],
      ['-Infinity'],
      ['0x1A'],
      ['0b101'],
      ['0o17'],
      ['1_000'],
      ['1,5'],
      ['25.5abc'],
      ['abc25.5'],
      ['25.5 26.5'],
      ['--5'],
      ['+-5'],
      ['.'],
      ['-'],
      ['e5'],
      ['1e'],
      ['1e+'],
      ['1.2.3'],
      ['١٢'],
      ['２５'],
      ['null'],
      ['undefined'],
      ['\uFFFD'],
    ])('rejects %j as value_not_number', (text) => {
      expect(parse(text)).toEqual({ ok: false, reason: 'value_not_number' });
    });

    it.each([['1e999'], ['-1e999'], ['9'.repeat(400)]])(
      'rejects %j, which overflows to Infinity, as value_not_finite',
      (text) => {
        expect(parse(text)).toEqual({ ok: false, reason: 'value_not_finite' });
      },
    );

    it('rejects bytes that are not UTF-8 text as value_not_number', () => {
      expect(parsePayload(Buffer.from([0xff, 0xfe, 0x32, 0x35]))).toEqual({ ok: false, reason: 'value_not_number' });
    });
  });

  describe('booleans (digital points: true is 1, false is 0)', () => {
    it.each([
      ['true', 1],
      ['false', 0],
      ['  true\n', 1],
      ['\uFEFFfalse', 0],
      ['{"value": true}', 1],
      ['{"value": false}', 0],
      ['{"value":true,"quality":"GOOD"}', 1],
    ])('accepts %j as %p', (text, value) => {
      expect(parse(text)).toMatchObject({ ok: true, payload: { value } });
    });

    it('keeps quality and timestamp next to a boolean value', () => {
      expect(parse('{"value": false, "quality": "uncertain", "timestamp": 1704110400}')).toEqual({
        ok: true,
        payload: { value: 0, quality: 'uncertain', timestamp: 1704110400 },
      });
    });

    it.each([['TRUE'], ['True'], ['FALSE'], ['on'], ['off'], ['yes'], ['t'], ['true false'], ['truee'], ['"true"']])(
      'rejects %j: only the JSON literals true and false are booleans',
      (text) => {
        expect(parse(text)).toMatchObject({ ok: false });
      },
    );

    it('lets the last of duplicate values win, boolean or not', () => {
      expect(parse('{"value": 5, "value": true}')).toEqual({ ok: true, payload: { value: 1 } });
      expect(parse('{"value": true, "value": "x"}')).toEqual({ ok: false, reason: 'value_not_number' });
    });
  });

  describe('JSON objects', () => {
    it('accepts a value alone', () => {
      expect(parse('{"value": 25.5}')).toEqual({ ok: true, payload: { value: 25.5 } });
    });

    it('accepts a value with quality and timestamp, passing them on as sent', () => {
      expect(parse('{"value": -3, "quality": "good", "timestamp": "2024-01-01T12:00:00Z"}')).toEqual({
        ok: true,
        payload: { value: -3, quality: 'good', timestamp: '2024-01-01T12:00:00Z' },
      });
    });

    it('accepts a numeric quality (OPC UA status code) and a numeric timestamp (epoch)', () => {
      expect(parse(`{"value": 1, "quality": ${0x80350000}, "timestamp": 1704110400}`)).toEqual({
        ok: true,
        payload: { value: 1, quality: 0x80350000, timestamp: 1704110400 },
      });
    });

    it('accepts a value sent as a numeric string', () => {
      expect(parse('{"value": " 25.5 "}')).toEqual({ ok: true, payload: { value: 25.5 } });
    });

    it('treats null quality and timestamp as absent', () => {
      expect(parse('{"value": 1, "quality": null, "timestamp": null}')).toEqual({ ok: true, payload: { value: 1 } });
    });

    it('ignores unknown keys', () => {
      expect(parse('{"value": 1, "unit": "°C", "extra": {"deep": [1, 2]}}')).toEqual({
        ok: true,
        payload: { value: 1 },
      });
    });

    it('accepts surrounding whitespace', () => {
      expect(parse('\n  {"value": 1}  \n')).toEqual({ ok: true, payload: { value: 1 } });
    });

    it('with duplicate keys, the last one wins (JSON.parse rule)', () => {
      expect(parse('{"value": 1, "value": 2}')).toEqual({ ok: true, payload: { value: 2 } });
      expect(parse('{"value": "junk", "value": 3}')).toEqual({ ok: true, payload: { value: 3 } });
      expect(parse('{"value": 3, "value": "junk"}')).toEqual({ ok: false, reason: 'value_not_number' });
      expect(parse('{"value": 1, "quality": "BAD", "quality": "GOOD"}')).toEqual({
        ok: true,
        payload: { value: 1, quality: 'GOOD' },
      });
    });

    it.each([
      ['{}'],
      ['{"Value": 1}'],
      ['{"val": 1}'],
      ['{"value": null}'],
      ['{"__proto__": {"value": 1}}'],
      ['{"constructor": {"value": 1}}'],
    ])('rejects %s as value_missing', (text) => {
      expect(parse(text)).toEqual({ ok: false, reason: 'value_missing' });
    });

    it.each([
      ['{"value": "abc"}'],
      ['{"value": ""}'],
      ['{"value": "NaN"}'],
      ['{"value": "Infinity"}'],
      ['{"value": "0x10"}'],
      ['{"value": "25.5abc"}'],
      ['{"value": "true"}'],
      ['{"value": "false"}'],
      ['{"value": "ON"}'],
      ['{"value": [true]}'],
      ['{"value": [1]}'],
      ['{"value": {"value": 1}}'],
    ])('rejects %s as value_not_number', (text) => {
      expect(parse(text)).toEqual({ ok: false, reason: 'value_not_number' });
    });

    it.each([['{"value": 1e999}'], ['{"value": -1e999}'], ['{"value": "1e999"}']])(
      'rejects %s as value_not_finite',
      (text) => {
        expect(parse(text)).toEqual({ ok: false, reason: 'value_not_finite' });
      },
    );

    it.each([
      ['{"value": NaN}'],
      ['{"value": Infinity}'],
      ['{"value": 0x10}'],
      ['{"value": 1,}'],
      ["{'value': 1}"],
      ['{value: 1}'],
      ['{"value": 1'],
      ['{"value": 1}}'],
      ['{"value": 1} trailing'],
      ['{"value": 1}{"value": 2}'],
      ['{'],
      ['{"value": 1 /* comment */}'],
    ])('rejects %s as payload_invalid_json', (text) => {
      expect(parse(text)).toEqual({ ok: false, reason: 'payload_invalid_json' });
    });

    it.each([
      ['{"value": 1, "quality": true}'],
      ['{"value": 1, "quality": ["GOOD"]}'],
      ['{"value": 1, "quality": {}}'],
    ])('rejects %s as quality_invalid', (text) => {
      expect(parse(text)).toEqual({ ok: false, reason: 'quality_invalid' });
    });

    it.each([
      ['{"value": 1, "timestamp": false}'],
      ['{"value": 1, "timestamp": []}'],
      ['{"value": 1, "timestamp": {"$date": 1}}'],
    ])('rejects %s as timestamp_invalid', (text) => {
      expect(parse(text)).toEqual({ ok: false, reason: 'timestamp_invalid' });
    });
  });

  describe('other JSON shapes', () => {
    it.each([['[1]'], ['[]'], ['[{"value": 1}]'], ['"25.5"'], ['""'], ['  [1]  ']])(
      'rejects %s as payload_not_object',
      (text) => {
        expect(parse(text)).toEqual({ ok: false, reason: 'payload_not_object' });
      },
    );
  });

  describe('size', () => {
    it.each([[''], [' '], ['\n\t\r '], ['\uFEFF']])('rejects %j as payload_empty', (text) => {
      expect(parse(text)).toEqual({ ok: false, reason: 'payload_empty' });
    });

    it('accepts a payload of exactly MAX_PAYLOAD_BYTES', () => {
      const text = '{"value": 1}'.padEnd(MAX_PAYLOAD_BYTES, ' ');
      expect(Buffer.byteLength(text)).toBe(MAX_PAYLOAD_BYTES);
      expect(parse(text)).toEqual({ ok: true, payload: { value: 1 } });
    });

    it('rejects one byte more than MAX_PAYLOAD_BYTES as payload_too_large, even if it is a valid reading', () => {
      expect(parse('{"value": 1}'.padEnd(MAX_PAYLOAD_BYTES + 1, ' '))).toEqual({
        ok: false,
        reason: 'payload_too_large',
      });
    });

    it('counts bytes, not characters', () => {
      // Two-byte characters: fewer characters than the limit, more bytes.
      const text = `{"value": 1, "note": "${'é'.repeat(MAX_PAYLOAD_BYTES / 2)}"}`;
      expect(text.length).toBeLessThan(MAX_PAYLOAD_BYTES);
      expect(parse(text)).toEqual({ ok: false, reason: 'payload_too_large' });
    });

    it('rejects 1 MB of text as payload_too_large', () => {
      expect(parsePayload(Buffer.alloc(1024 * 1024, 'A'))).toEqual({ ok: false, reason: 'payload_too_large' });
    });
  });

  describe('hostile JSON', () => {
    afterEach(() => {
      delete (Object.prototype as any).polluted;
    });

    it('does not pollute Object.prototype through __proto__', () => {
      const result = parse('{"__proto__": {"polluted": 1}, "value": 1}');
      expect(result).toEqual({ ok: true, payload: { value: 1 } });
      expect(({} as any).polluted).toBeUndefined();
      if (result.ok) expect(Object.getPrototypeOf(result.payload)).toBe(Object.prototype);
    });

    it('does not pollute through constructor.prototype', () => {
      expect(parse('{"constructor": {"prototype": {"polluted": 1}}, "value": 1}')).toEqual({
        ok: true,
        payload: { value: 1 },
      });
      expect(({} as any).polluted).toBeUndefined();
    });

    it('does not read value, quality or timestamp from a __proto__ key', () => {
      expect(parse('{"value": 1, "__proto__": {"quality": "BAD", "timestamp": 0}}')).toEqual({
        ok: true,
        payload: { value: 1 },
      });
    });

    it('does not take inherited properties for missing keys', () => {
      expect(parse('{"value": "toString"}')).toEqual({ ok: false, reason: 'value_not_number' });
      expect(parse('{"hasOwnProperty": 1, "value": 2}')).toEqual({ ok: true, payload: { value: 2 } });
    });

    it('survives 10,000 nested arrays without throwing', () => {
      const text = '['.repeat(10_000) + ']'.repeat(10_000);
      expect(() => parse(text)).not.toThrow();
      expect(parse(text)).toEqual({ ok: false, reason: 'payload_too_large' });
    });

    it('survives deep nesting that fits in the size limit', () => {
      const depth = (MAX_PAYLOAD_BYTES - 32) / 2;
      const text = `{"value": ${'['.repeat(depth)}${']'.repeat(depth)}}`;
      expect(Buffer.byteLength(text)).toBeLessThanOrEqual(MAX_PAYLOAD_BYTES);
      expect(parse(text)).toEqual({ ok: false, reason: 'value_not_number' });
      const unclosed = `{"value": ${'['.repeat(MAX_PAYLOAD_BYTES - 16)}`;
      expect(parse(unclosed)).toEqual({ ok: false, reason: 'payload_invalid_json' });
    });
  });
});
