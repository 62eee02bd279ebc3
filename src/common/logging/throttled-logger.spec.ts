import type { Logger } from '@nestjs/common';
import { ThrottledLogger } from './throttled-logger.js';

describe('ThrottledLogger', () => {
  it('writes one line per key per interval and reports how many it held back', () => {
    const lines: string[] = [];
    const sink = { warn: (m: string) => lines.push(m), error: (m: string) => lines.push(m) } as unknown as Logger;
    let now = 0;
    const log = new ThrottledLogger(sink, 1000, () => now);
    log.warn('bad', 'first');
    log.warn('bad', 'second');
    log.warn('bad', 'third');
    log.warn('other', 'other key');
    now = 1500;
    log.warn('bad', 'fourth');
    expect(lines).toEqual(['first', 'other key', 'fourth (+2 similar since last report)']);
  });
});
