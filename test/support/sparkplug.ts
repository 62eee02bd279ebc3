import { newClient } from 'sparkplug-client';

export type EdgeNode = ReturnType<typeof newClient>;

/**
 * An Eclipse Tahu `sparkplug-client` edge node (a peer the project did not write) on `serverUrl`; it connects (and
 * reconnects) by itself and emits `birth` on every connection. Anonymous unless a device login is given.
 */
export function tahuEdgeNode(options: {
  serverUrl: string;
  group: string;
  edgeNode: string;
  clientId: string;
  username?: string;
  password?: string;
}): EdgeNode {
  return newClient({
    serverUrl: options.serverUrl,
    username: options.username ?? '',
    password: options.password ?? '',
    groupId: options.group,
    edgeNode: options.edgeNode,
    clientId: options.clientId,
    publishDeath: true,
    version: 'spBv1.0',
  });
}
