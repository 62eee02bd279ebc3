import { SessionAwareAdapter } from 'socket.io-adapter';
import type { Namespace, ServerOptions } from 'socket.io';

/** How often broadcasts older than the recovery window are let go. */
export const PRUNE_EVERY_MS = 1000;

/** What SessionAwareAdapter keeps of each broadcast for replay, oldest first (not in its public types). */
interface KeptBroadcast {
  emittedAt: number;
}

/**
 * Socket.IO's in-memory adapter for connection-state recovery, letting go of what no recovery can ask for within a
 * second instead of a minute. SessionAwareAdapter keeps every broadcast for replay and drops the expired ones once a
 * minute, so with a 10 s window it held up to 70 s of broadcasts: at 10,000 readings/s that grew the backend by
 * about 16 MB/s between prunes, and every kept packet survived the young-generation collections, which then took
 * 4-17 ms each, ten times a second, on the live path. Replay is unchanged: a client that comes back within
 * WEBSOCKET_RECOVERY_WINDOW_MS still gets everything it missed.
 */
export class PromptlyPrunedSessionAdapter extends SessionAwareAdapter {
  private readonly windowMs: number;
  private readonly pruner: NodeJS.Timeout;

  constructor(nsp: Namespace) {
    super(nsp);
    // Where SessionAwareAdapter reads it too (the server's options are not in its public types).
    const opts = (nsp.server as unknown as { opts: Partial<ServerOptions> }).opts;
    this.windowMs = opts.connectionStateRecovery?.maxDisconnectionDuration ?? 0;
    this.pruner = setInterval(() => this.prune(), PRUNE_EVERY_MS);
    this.pruner.unref();
  }

  /** Broadcasts kept for replay right now. */
  get keptBroadcasts(): number {
    return this.kept().length;
  }

  override close(): Promise<void> | void {
    clearInterval(this.pruner);
    return super.close();
  }

  private prune(): void {
    const kept = this.kept();
    const threshold = Date.now() - this.windowMs;
    let expired = 0;
    while (expired < kept.length && kept[expired].emittedAt < threshold) expired++;
    if (expired > 0) kept.splice(0, expired);
  }

  private kept(): KeptBroadcast[] {
    return (this as unknown as { packets: KeptBroadcast[] }).packets;
  }
}
