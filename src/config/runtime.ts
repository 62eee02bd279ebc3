/** Where the services the backend uses actually are, after the embedded ones (if any) have started. */
export interface RuntimeInfo {
  databaseUrl: string;
  databaseEmbedded: boolean;
  brokerHost: string;
  brokerPort: number;
  brokerEmbedded: boolean;
}

export const RUNTIME_INFO = Symbol('RUNTIME_INFO');
