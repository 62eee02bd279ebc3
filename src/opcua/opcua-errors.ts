/** What went wrong talking to an OPC UA server, in the terms a user can act on. */
export type OpcuaErrorKind =
  | 'unreachable'
  | 'security_rejected'
  | 'certificate'
  | 'identity_rejected'
  | 'unknown_node'
  | 'bad_request'
  | 'not_connected'
  | 'server_error';

export interface OpcuaProblem {
  kind: OpcuaErrorKind;
  /** One line, never containing the password. */
  message: string;
}

interface Settings {
  endpointUrl: string;
  securityMode: string;
  securityPolicy: string;
  password?: string;
}

/**
 * Classifies an error from node-opcua (its messages and status code names are the only signal it gives) and
 * rewrites it as one line that says what to do. node-opcua's own text is kept, shortened, at the end.
 */
export function describeOpcuaError(err: unknown, settings?: Settings): OpcuaProblem {
  let raw = (err instanceof Error ? err.message : String(err)).replace(/\s+/g, ' ').trim();
  if (settings?.password) raw = raw.split(settings.password).join('***');
  const detail = raw.length > 300 ? `${raw.slice(0, 300)}…` : raw;
  const url = settings?.endpointUrl ?? 'the OPC UA server';
  if (/Cannot find an Endpoint matching|BadSecurityPolicyRejected|BadSecurityModeRejected/i.test(raw)) {
    return {
      kind: 'security_rejected',
      message:
        `${url} does not accept security mode ${settings?.securityMode ?? '?'} with policy ` +
        `${settings?.securityPolicy ?? '?'}: choose a mode and policy the server offers (${detail})`,
    };
  }
  if (/certificate/i.test(raw)) {
    return {
      kind: 'certificate',
      message:
        `Certificate problem with ${url}: an untrusted server certificate lands in <OPCUA_PKI_DIR>/rejected and must ` +
        `be moved to <OPCUA_PKI_DIR>/trusted/certs, and the server must trust this client's certificate (${detail})`,
    };
  }
  // node-opcua says "Cannot find USERNAME user token policy" when the endpoint offers no user-name login at all.
  if (/BadUserAccessDenied|BadIdentityToken|BadUser|user token policy/i.test(raw)) {
    return {
      kind: 'identity_rejected',
      message: `${url} rejected the user identity: check the user name and password, or whether this endpoint and security mode accept them (${detail})`,
    };
  }
  if (/BadNodeIdUnknown/i.test(raw)) return { kind: 'unknown_node', message: `Unknown node id on ${url} (${detail})` };
  if (/BadNodeIdInvalid|BadBrowseNameInvalid|Invalid nodeId|cannot coerce/i.test(raw)) {
    return { kind: 'bad_request', message: `Invalid request for ${url} (${detail})` };
  }
  if (
    /ECONNREFUSED|ENOTFOUND|EHOSTUNREACH|ENETUNREACH|ETIMEDOUT|EAI_AGAIN|ECONNRESET|cannot be established|no answer within|no session within|timeout|socket has been disconnected|premature/i.test(
      raw,
    )
  ) {
    return { kind: 'unreachable', message: `OPC UA server ${url} is not reachable (${detail})` };
  }
  if (
    /not connected|session (is )?closed|BadSessionClosed|BadSessionIdInvalid|BadConnectionClosed|BadSecureChannelClosed/i.test(
      raw,
    )
  ) {
    return { kind: 'not_connected', message: `The connection to ${url} is not usable right now (${detail})` };
  }
  return { kind: 'server_error', message: `OPC UA request to ${url} failed (${detail})` };
}
