import type { OpcuaConnectionState, OpcuaConnectSettings } from './opcua-session.service.js';

/**
 * What a connect request does, given the connection there is: open a new one, answer with the current one (the
 * request asks for exactly what is connected or being connected, so a retried or repeated call is harmless), or
 * refuse, saying which endpoint holds the connection.
 */
export type ConnectDecision = { action: 'open' } | { action: 'current' } | { action: 'conflict'; reason: string };

/** Scheme and host are case-insensitive and a trailing slash names the same endpoint; the path is kept as given. */
export function sameEndpoint(a: string, b: string): boolean {
  const norm = (url: string): string =>
    url
      .trim()
      .replace(/\/+$/, '')
      .replace(/^([a-z][a-z0-9.+-]*:\/\/[^/]*)/i, (head) => head.toLowerCase());
  return norm(a) === norm(b);
}

/** Settings that differ between the connection there is and a request, by their API field names. */
function differences(current: OpcuaConnectSettings, requested: OpcuaConnectSettings): string[] {
  const fields: string[] = [];
  if (!sameEndpoint(current.endpointUrl, requested.endpointUrl)) fields.push('endpoint_url');
  if (current.securityMode !== requested.securityMode) fields.push('security_mode');
  if (current.securityPolicy !== requested.securityPolicy) fields.push('security_policy');
  if ((current.username ?? '') !== (requested.username ?? '')) fields.push('username');
  // Compared, never shown: the reason names the field only.
  else if ((current.password ?? '') !== (requested.password ?? '')) fields.push('password');
  return fields;
}

export function decideConnect(
  state: OpcuaConnectionState,
  current: OpcuaConnectSettings | undefined,
  requested: OpcuaConnectSettings,
): ConnectDecision {
  if (state === 'disabled' || state === 'disconnected' || current === undefined) return { action: 'open' };
  const differing = differences(current, requested);
  if (differing.length === 0) return { action: 'current' };
  return {
    action: 'conflict',
    reason:
      `OPC UA is ${state} to ${current.endpointUrl}; this request differs in ${differing.join(', ')}: ` +
      'POST /api/v1/scada/opcua/disconnect first to connect with other settings',
  };
}
