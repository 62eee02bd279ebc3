import type { BrokerGate } from '../devices/broker-gate.js';

/** Where the services the backend uses actually are, after the embedded ones (if any) have started. */
export interface RuntimeInfo {
  databaseUrl: string;
  databaseEmbedded: boolean;
  brokerHost: string;
  brokerPort: number;
  brokerEmbedded: boolean;
  /** With the embedded broker: its gate, which holds the backend's and the simulator's credentials of this start. */
  brokerGate?: BrokerGate;
}

export const RUNTIME_INFO = Symbol('RUNTIME_INFO');
