import { failingIndicatorsOf, ReadinessLog } from './readiness.log.js';

function recorder() {
  const lines: string[] = [];
  const logger = {
    log: (message: string) => lines.push(`log: ${message}`),
    warn: (message: string) => lines.push(`warn: ${message}`),
  };
  return { lines, log: new ReadinessLog(logger) };
}

describe('ReadinessLog', () => {
  it('logs a change of readiness once, however many probes see it, naming what fails', () => {
    const { lines, log } = recorder();
    for (let i = 0; i < 3; i++) log.observe({});
    for (let i = 0; i < 20; i++) log.observe({ mqtt: i % 2 ? 'connect ECONNREFUSED' : 'connection closed' });
    log.observe({ mqtt: 'not connected', database: 'timeout' });
    log.observe({ database: 'timeout', mqtt: 'not connected' });
    for (let i = 0; i < 5; i++) log.observe({});
    expect(lines).toEqual([
      'log: Ready',
      'warn: No longer ready: mqtt (connection closed)',
      'warn: No longer ready: database (timeout), mqtt (not connected)',
      'log: Ready again',
    ]);
  });

  it('says "not ready" for a backend that has not been ready yet', () => {
    const { lines, log } = recorder();
    log.observe({ database: 'unreachable' });
    log.observe({ database: 'unreachable' });
    log.observe({});
    expect(lines).toEqual(['warn: Not ready: database (unreachable)', 'log: Ready again']);
  });
});

describe('failingIndicatorsOf', () => {
  it("reads the down indicators and their messages from Terminus's result", () => {
    expect(
      failingIndicatorsOf({
        status: 'error',
        info: { database: { status: 'up' } },
        error: {
          mqtt: { status: 'down', state: 'disconnected', message: 'not connected' },
          lifecycle: { status: 'down' },
        },
      }),
    ).toEqual({ mqtt: 'not connected', lifecycle: 'down' });
    expect(failingIndicatorsOf(undefined)).toEqual({ readiness: 'failed' });
    expect(failingIndicatorsOf({ status: 'error', error: {} })).toEqual({ readiness: 'failed' });
  });
});
