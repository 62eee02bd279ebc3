/**
 * The MQTT and OPC UA passwords of the configuration belong to the configured server and user. A connect request
 * that points elsewhere (another host, port or endpoint, or another user) brings its own password; otherwise an
 * admin key, or whoever holds one, could send the plant's password to a server of its choosing.
 */
export function credentialReuseProblem(input: {
  /** The configuration variable of the password, for the message. */
  variable: string;
  configuredPassword: string | undefined;
  /** The request names another server or user than the configured ones. */
  elsewhere: boolean;
  password: string | undefined;
}): string | undefined {
  if (!input.elsewhere || input.configuredPassword === undefined || input.password !== undefined) return undefined;
  return (
    `${input.variable} is sent only to the configured server and user: ` +
    'a connect to another host or user must bring its own password'
  );
}

/** A connect may not drop the transport security the configuration asks for. */
export function downgradeProblem(
  configuredSecure: boolean,
  requestedSecure: boolean | undefined,
  what: string,
): string | undefined {
  return configuredSecure && requestedSecure === false
    ? `${what} is configured; a plaintext connect is refused (change the configuration to turn it off)`
    : undefined;
}
