import { BadRequestException } from '@nestjs/common';
import { actorOf, ANONYMOUS_ACTOR } from './actor.decorator.js';

describe('actorOf', () => {
  it('is anonymous when the header is absent or blank', () => {
    expect(actorOf(undefined)).toBe(ANONYMOUS_ACTOR);
    expect(actorOf('')).toBe(ANONYMOUS_ACTOR);
    expect(actorOf('   ')).toBe(ANONYMOUS_ACTOR);
  });

  it('takes the name as sent, trimmed, and the first of repeated headers', () => {
    expect(actorOf(' operator-7 ')).toBe('operator-7');
    expect(actorOf(['Jane Doe', 'Someone Else'])).toBe('Jane Doe');
    expect(actorOf('Zoë Müller')).toBe('Zoë Müller');
  });

  it.each([
    ['too long', 'x'.repeat(129)],
    ['a control character', 'op\u0000erator'],
    ['a line break (a forged second log line)', 'op\nadmin'],
  ])('refuses a name with %s', (_what, name) => {
    expect(() => actorOf(name)).toThrow(BadRequestException);
  });
});
