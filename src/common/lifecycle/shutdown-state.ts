import { Global, Injectable, Module } from '@nestjs/common';

/**
 * Whether a graceful shutdown is under way: set by the drain (src/shutdown/), read by /health/ready, which answers
 * 503 from that moment on without asking anything else. Here in common/ so the health module needs no feature for it.
 */
@Injectable()
export class ShutdownState {
  private since: number | undefined;

  get draining(): boolean {
    return this.since !== undefined;
  }

  /** Marks the start of the drain (epoch ms); later calls keep the first instant. */
  begin(at: number): void {
    this.since ??= at;
  }
}

@Global()
@Module({ providers: [ShutdownState], exports: [ShutdownState] })
export class LifecycleModule {}
