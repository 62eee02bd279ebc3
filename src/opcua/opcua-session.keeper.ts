import type { ClientSession } from 'node-opcua';

/** The monitoring side of the status: what OpcuaSessionService reports for its keeper. */
export interface MonitoringReport {
  mappings: number;
  /** Monitored items node-opcua holds on the current subscription. */
  monitoredItems: number;
  /** Monitored items the server accepted and is sampling (while connected). */
  subscribedNodes: number;
  dataChanges: number;
  rejected: number;
  readingsEmitted: number;
  batchesEmitted: number;
}

/**
 * What OpcuaSessionService asks of the piece that monitors the mapped nodes (OpcuaSubscriptionsService, which
 * registers itself): the session service knows when a session opens, is lost or closes; the keeper owns the
 * subscription, its monitored items and the batches they feed.
 */
export interface OpcuaSessionKeeper {
  /** At start-up, before the first connection: restores what is to be monitored. */
  prepare(): Promise<void>;
  /** A session is open: monitor every mapped node; resolves once the server answered for each (bounded). */
  opened(session: ClientSession): Promise<void>;
  /**
   * The session closes: the subscription goes at once; with `terminate`, resolves once the server ended it (the
   * session service bounds the wait).
   */
  closing(terminate: boolean): Promise<void>;
  /** Sends what has been gathered down the pipeline now. */
  flush(): void;
  report(): MonitoringReport;
}
