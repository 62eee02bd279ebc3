/**
 * Which hosts notification channels may reach: NOTIFICATIONS_ALLOWED_HOSTS, host names or IP addresses, each
 * optionally with `:port` (`[v6]:port` for IPv6). Anyone with the engineer role can create a channel, and the
 * backend sits inside the plant network, so without this bound the channels API would let a caller make the
 * backend connect anywhere (SSRF). Matching is on the name as written in the channel, compared exactly (no
 * wildcards, no DNS): an allowed name that resolves somewhere unexpected is the operator's DNS, not the caller's.
 * An empty list refuses everything. The Modbus source applies the same rule to its devices (MODBUS_ALLOWED_HOSTS),
 * with its variable named in the messages.
 */
export class OutboundHostPolicy {
  private readonly anyPort = new Set<string>();
  private readonly withPort = new Set<string>();

  constructor(
    entries: readonly string[],
    private readonly variable = 'NOTIFICATIONS_ALLOWED_HOSTS',
    private readonly what = 'channels',
  ) {
    for (const raw of entries) {
      const entry = raw.trim().toLowerCase();
      if (entry === '') continue;
      const match = /^(\[[^\]]+\]|[^:]+):(\d{1,5})$/.exec(entry);
      if (match) this.withPort.add(`${unbracket(match[1])}:${match[2]}`);
      else this.anyPort.add(unbracket(entry));
    }
  }

  get empty(): boolean {
    return this.anyPort.size === 0 && this.withPort.size === 0;
  }

  /** Why the channel (or device) may not reach host:port, or undefined when it may. */
  problem(host: string, port: number): string | undefined {
    const name = unbracket(host.toLowerCase());
    if (this.anyPort.has(name) || this.withPort.has(`${name}:${port}`)) return undefined;
    if (this.empty) {
      return `no outbound host is allowed: list the hosts ${this.what} may reach in ${this.variable}`;
    }
    return `host '${name}' port ${port} is not in ${this.variable}`;
  }
}

function unbracket(host: string): string {
  return host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
}
