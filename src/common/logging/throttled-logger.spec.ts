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

  it('builds a lazy message only for the lines it writes', () => {
    const lines: string[] = [];
    const sink = { warn: (m: string) => lines.push(m), error: (m: string) => lines.push(m) } as unknown as Logger;
    const log = new ThrottledLogger(sink, 1000, () => 0);
    let built = 0;
    for (let i = 0; i < 100; i++) log.warn('flood', () => `message ${++built}`);
    expect([lines, built]).toEqual([['message 1'], 1]);
  });
});
