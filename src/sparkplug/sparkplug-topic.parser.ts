/** The Sparkplug B topic namespace (Sparkplug 3.0: `spBv1.0`). */
export const NAMESPACE = 'spBv1.0';

export type NodeMessageType = 'NBIRTH' | 'NDEATH' | 'NDATA' | 'NCMD';
export type DeviceMessageType = 'DBIRTH' | 'DDEATH' | 'DDATA' | 'DCMD';

export type SparkplugTopic =
  | { kind: 'node'; type: NodeMessageType; group: string; edgeNode: string }
  | { kind: 'device'; type: DeviceMessageType; group: string; edgeNode: string; device: string }
  | { kind: 'state'; hostId: string }
  | { kind: 'invalid' };

const NODE_TYPES = new Set<string>(['NBIRTH', 'NDEATH', 'NDATA', 'NCMD']);
const DEVICE_TYPES = new Set<string>(['DBIRTH', 'DDEATH', 'DDATA', 'DCMD']);
/** Sparkplug ids are UTF-8 strings without `/`, `+` or `#`; we also bound their length. */
export const SPARKPLUG_ID = /^[^/+#]{1,128}$/;
const ID = SPARKPLUG_ID;

/** `spBv1.0/{group}/{type}/{edge node}[/{device}]` and `spBv1.0/STATE/{host_id}` (pure). */
export function parseSparkplugTopic(topic: string): SparkplugTopic {
  const levels = topic.split('/');
  if (levels[0] !== NAMESPACE) return { kind: 'invalid' };
  if (levels.length === 3 && levels[1] === 'STATE') {
    return ID.test(levels[2]) ? { kind: 'state', hostId: levels[2] } : { kind: 'invalid' };
  }
  const [, group, type, edgeNode, device] = levels;
  if (levels.length < 4 || levels.length > 5 || !ID.test(group) || !ID.test(edgeNode)) return { kind: 'invalid' };
  if (levels.length === 4 && NODE_TYPES.has(type)) {
    return { kind: 'node', type: type as NodeMessageType, group, edgeNode };
  }
  if (levels.length === 5 && DEVICE_TYPES.has(type) && ID.test(device)) {
    return { kind: 'device', type: type as DeviceMessageType, group, edgeNode, device };
  }
  return { kind: 'invalid' };
}

/** The host's own STATE topic (Sparkplug 3.0: `spBv1.0/STATE/{host_id}`). */
export function stateTopic(hostId: string): string {
  return `${NAMESPACE}/STATE/${hostId}`;
}
