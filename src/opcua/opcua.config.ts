import type { EnvVarSpec } from '../config/env-var.js';

/**
 * The OPC UA client's environment variables: server, credentials, security, timeouts, subscription, certificates.
 * (The demo server's OPCUA_DEMO_* variables belong to the simulator, which runs it.)
 * Assembled into the one validated schema by src/config/env.schema.ts (where they stand in .env.example and
 * docs/configuration.md); AppConfig reads them into its typed fields.
 */
// prettier-ignore
export const OPCUA_ENV = {
  OPCUA_SERVER_URL: { kind: 'string', description: 'OPC UA server endpoint (opc.tcp://host:4840/path). Unset: the OPC UA client stays off until POST /api/v1/scada/opcua/connect.' },
  OPCUA_USERNAME: { kind: 'string', description: 'OPC UA user name. Unset: anonymous session.' },
  OPCUA_PASSWORD: { kind: 'string', secret: true, description: 'OPC UA password of OPCUA_USERNAME.' },
  OPCUA_SECURITY_POLICY: { kind: 'enum', default: 'None', values: ['None', 'Basic128Rsa15', 'Basic256', 'Basic256Sha256', 'Aes128_Sha256_RsaOaep', 'Aes256_Sha256_RsaPss'], description: 'OPC UA security policy; None goes with mode None, any other with Sign or SignAndEncrypt.' },
  OPCUA_SECURITY_MODE: { kind: 'enum', default: 'None', values: ['None', 'Sign', 'SignAndEncrypt'], description: 'OPC UA message security mode.' },
  OPCUA_TIMEOUT: { kind: 'int', default: '10000', min: 1000, max: 600000, description: 'Milliseconds an OPC UA connect or request may take before it fails with a clear error.' },
  OPCUA_RECONNECT_MAX_MS: { kind: 'int', default: '10000', min: 500, max: 3600000, description: 'Longest delay between two attempts to reach a lost OPC UA server (the backoff starts at 500 ms and doubles).' },
  OPCUA_PUBLISHING_INTERVAL_MS: { kind: 'int', default: '250', min: 50, max: 60000, description: 'OPC UA subscription publishing interval: data changes gathered by the server over this time arrive in one notification.' },
  OPCUA_PKI_DIR: { kind: 'string', description: 'Directory of the OPC UA client certificate and trust lists (created on first use). Unset: DATA_DIR/opcua-pki.' },
} as const satisfies Record<string, EnvVarSpec>;
