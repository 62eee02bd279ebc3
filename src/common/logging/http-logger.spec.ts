import { httpLogLevel } from './http-logger.js';

describe('httpLogLevel', () => {
  it('keeps probes and scrapes at debug, failing or not: an outage must not log a stack trace every probe', () => {
    for (const url of ['/health', '/health/live', '/health/ready', '/health/ready?full=1', '/metrics']) {
      expect({ url, ok: httpLogLevel(url, 200) }).toEqual({ url, ok: 'debug' });
      expect({ url, failing: httpLogLevel(url, 503) }).toEqual({ url, failing: 'debug' });
      expect({ url, thrown: httpLogLevel(url, 500, new Error('boom')) }).toEqual({ url, thrown: 'debug' });
    }
  });

  it('logs other requests at info, 4xx at warn, 5xx and errors at error', () => {
    expect(httpLogLevel('/api/v1/scada/units', 200)).toBe('info');
    expect(httpLogLevel('/api/v1/scada/units/NOPE', 404)).toBe('warn');
    expect(httpLogLevel('/api/v1/scada/units', 503)).toBe('error');
    expect(httpLogLevel('/api/v1/scada/units', 200, new Error('aborted'))).toBe('error');
    // Only the probe routes themselves: a longer path that starts alike is an API call.
    expect(httpLogLevel('/healthcheck', 503)).toBe('error');
    expect(httpLogLevel('/metrics/extra', 503)).toBe('error');
  });
});
