import { Global, Injectable, Logger, Module } from '@nestjs/common';
import { ScheduleModule, SchedulerRegistry } from '@nestjs/schedule';
import { ThrottledLogger } from '../logging/throttled-logger.js';

/**
 * The backend's periodic jobs (historian retention, the alarm tick with its no-data checks, the sensor settings
 * refresh, the cluster client-count report), registered by name in @nestjs/schedule's SchedulerRegistry: their
 * intervals come from the configuration, so they are added at start-up rather than declared with @Interval. A job
 * that returns a promise is not started again while that promise is pending, so a slow database never stacks runs
 * up. Hot-path timers (batch flushes, held PUBACKs, token buckets) are not jobs and do not come here.
 */
@Injectable()
export class PeriodicJobs {
  private readonly errorLog = new ThrottledLogger(new Logger(PeriodicJobs.name));

  constructor(private readonly registry: SchedulerRegistry) {}

  /**
   * Runs `job` every `intervalMs` under `name` (and once at once with `immediately`). The timer never keeps the
   * process alive; Nest clears it at shutdown, or `stop(name)` earlier. A job should handle its own errors; one it
   * lets through is logged (throttled), never an unhandled rejection.
   */
  every(
    name: string,
    intervalMs: number,
    job: () => void | Promise<void>,
    options: { immediately?: boolean } = {},
  ): void {
    let running = false;
    const run = (): void => {
      if (running) return;
      let result: void | Promise<void>;
      try {
        result = job();
      } catch (err) {
        this.failed(name, err);
        return;
      }
      if (result === undefined) return;
      running = true;
      void result.catch((err: unknown) => this.failed(name, err)).finally(() => (running = false));
    };
    this.stop(name);
    const timer = setInterval(run, intervalMs);
    timer.unref();
    this.registry.addInterval(name, timer);
    if (options.immediately) setImmediate(run);
  }

  /** Stops the job `name`, if it runs. */
  stop(name: string): void {
    if (this.registry.doesExist('interval', name)) this.registry.deleteInterval(name);
  }

  private failed(name: string, err: unknown): void {
    this.errorLog.error(name, `Periodic job ${name} failed: ${err instanceof Error ? err.message : String(err)}`);
  }

  /** Names of the jobs that run now. */
  names(): string[] {
    return this.registry.getIntervals();
  }
}

/** @nestjs/schedule for the whole application, with PeriodicJobs on top of its registry. */
@Global()
@Module({ imports: [ScheduleModule.forRoot()], providers: [PeriodicJobs], exports: [PeriodicJobs] })
export class SchedulingModule {}
