import { SelectionBook } from './selection.book.js';

describe('SelectionBook', () => {
  let now = 1_000_000;
  let n = 0;
  const book = (): SelectionBook =>
    new SelectionBook(
      10_000,
      () => now,
      () => `sel-${++n}`,
    );

  beforeEach(() => {
    now = 1_000_000;
  });

  it('lets the selecting caller operate once, with the same value, within the window', () => {
    const b = book();
    const s = b.select('U1', 'sp', 55, 'key-1');
    expect(s.expiresAt).toBe(1_010_000);
    now += 10_000;
    expect(b.take(s.id, 'U1', 'sp', 55, 'key-1')).toEqual({ ok: true, selection: s });
    expect(b.take(s.id, 'U1', 'sp', 55, 'key-1')).toMatchObject({
      ok: false,
      reason: expect.stringContaining('not the current'),
    });
  });

  it('refuses an operate without a selection, after the window, by another caller or for another value', () => {
    const b = book();
    expect(b.take(undefined, 'U1', 'sp', 55, 'key-1')).toMatchObject({
      ok: false,
      reason: expect.stringContaining('requires select-before-operate'),
    });
    const s = b.select('U1', 'sp', 55, 'key-1');
    expect(b.take(s.id, 'U1', 'sp', 55, 'key-2')).toMatchObject({
      ok: false,
      reason: expect.stringContaining('another caller'),
    });
    expect(b.take(s.id, 'U1', 'sp', 60, 'key-1')).toMatchObject({
      ok: false,
      reason: expect.stringContaining('not 60'),
    });
    expect(b.take(s.id, 'U1', 'other', 55, 'key-1')).toMatchObject({ ok: false });
    now += 10_001;
    expect(b.take(s.id, 'U1', 'sp', 55, 'key-1')).toMatchObject({
      ok: false,
      reason: expect.stringContaining('expired'),
    });
  });

  it('keeps one selection per point: a new select replaces the old, expired ones are swept', () => {
    const b = book();
    const first = b.select('U1', 'sp', 55, 'key-1');
    const second = b.select('U1', 'sp', 56, 'key-1');
    expect(b.take(first.id, 'U1', 'sp', 55, 'key-1').ok).toBe(false);
    expect(b.size).toBe(1);
    now += 20_000;
    b.select('U2', 'sp', 1, 'key-1');
    expect(b.size).toBe(1);
    expect(b.take(second.id, 'U1', 'sp', 56, 'key-1').ok).toBe(false);
  });
});
