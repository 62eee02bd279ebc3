/** OPC UA security settings as configuration and the API spell them (node-opcua's names, without the URI). */
export const OPCUA_SECURITY_POLICIES = [
  'None',
  'Basic128Rsa15',
  'Basic256',
  'Basic256Sha256',
  'Aes128_Sha256_RsaOaep',
  'Aes256_Sha256_RsaPss',
] as const;
export type OpcuaSecurityPolicy = (typeof OPCUA_SECURITY_POLICIES)[number];

export const OPCUA_SECURITY_MODES = ['None', 'Sign', 'SignAndEncrypt'] as const;
export type OpcuaSecurityMode = (typeof OPCUA_SECURITY_MODES)[number];

/**
 * Why a mode/policy pair cannot work, or undefined when it can. OPC UA ties them: mode None carries no signature,
 * so only policy None goes with it, and signing needs a real policy.
 */
export function opcuaSecurityProblem(mode: string, policy: string): string | undefined {
  if (mode === 'None' && policy !== 'None') return `security mode None goes with security policy None, got ${policy}`;
  if (mode !== 'None' && policy === 'None') return `security mode ${mode} needs a security policy other than None`;
  return undefined;
}

/** Why an endpoint URL is not one the client can dial, or undefined. */
export function endpointUrlProblem(url: string): string | undefined {
  if (url.length > 2048) return 'endpoint_url is longer than 2048 characters';
  if (!/^opc\.tcp:\/\/[^\s/?#@]+(\/[^\s]*)?$/.test(url)) {
    return `endpoint_url must look like opc.tcp://host:4840[/path], got '${url.slice(0, 200)}'`;
  }
  return undefined;
}
