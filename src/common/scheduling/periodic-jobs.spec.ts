import { jest } from '@jest/globals';
import { SchedulerRegistry } from '@nestjs/schedule';
import { PeriodicJobs } from './periodic-jobs.js';

describe('PeriodicJobs', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('runs a job by name in the SchedulerRegistry every interval, until stopped', () => {
    const registry = new SchedulerRegistry();
    const jobs = new PeriodicJobs(registry);
    let runs = 0;
    jobs.every('tick', 1000, () => {
      runs++;
    });
    expect(registry.getIntervals()).toEqual(['tick']);
    jest.advanceTimersByTime(3500);
    expect(runs).toBe(3);
    jobs.stop('tick');
    jobs.stop('tick'); // stopping twice is harmless
    jest.advanceTimersByTime(5000);
    expect(runs).toBe(3);
    expect(jobs.names()).toEqual([]);
  });

  it('does not start a run while the last one is pending, and survives a job that fails', async () => {
    const jobs = new PeriodicJobs(new SchedulerRegistry());
    let started = 0;
    let finish: () => void = () => undefined;
    jobs.every('slow', 100, () => {
      started++;
      if (started === 2) throw new Error('boom');
      return new Promise<void>((resolve) => (finish = resolve));
    });
    jest.advanceTimersByTime(550);
    expect(started).toBe(1); // the first run is still pending
    finish();
    await Promise.resolve();
    await Promise.resolve();
    jest.advanceTimersByTime(100);
    expect(started).toBe(2); // threw, logged
    jest.advanceTimersByTime(100);
    expect(started).toBe(3);
    jobs.stop('slow');
  });

  it('runs at once when asked, and replaces a job registered again under the same name', () => {
    const registry = new SchedulerRegistry();
    const jobs = new PeriodicJobs(registry);
    const seen: string[] = [];
    jobs.every('job', 1000, () => void seen.push('old'));
    jobs.every('job', 1000, () => void seen.push('new'), { immediately: true });
    jest.runOnlyPendingTimers();
    expect(seen[0]).toBe('new');
    expect(seen).not.toContain('old');
    expect(registry.getIntervals()).toEqual(['job']);
    jobs.stop('job');
  });
});
