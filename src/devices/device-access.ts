import { pbkdf2Sync, randomBytes } from 'node:crypto';
import { IDENTIFIER } from '../common/identifier.js';
import { NAMESPACE as SPARKPLUG } from '../sparkplug/sparkplug-topic.parser.js';

/** A Sparkplug edge node a device may be granted: `{group}/{edge node}`, Sparkplug ids without wildcards or spaces. */
export const SPARKPLUG_NODE = /^[^/+#\s]{1,128}\/[^/+#\s]{1,128}$/;

/**
 * Who is on the other end of an MQTT connection to the embedded broker. `backend` and `simulator` are identities
 * of this process (credentials generated at every start, never stored); `device` is a row of `mqtt_devices`;
 * `anonymous` exists only with MQTT_ALLOW_ANONYMOUS=true.
 */
export type BrokerIdentity =
  | { kind: 'backend'; name: string }
  | { kind: 'simulator'; name: string; units: ReadonlySet<string>; sparkplug?: SimulatorEdgeNode }
  | { kind: 'anonymous'; name: string }
  | {
      kind: 'device';
      name: string;
      units: ReadonlySet<string>;
      publishStatus: boolean;
      /** Sparkplug edge nodes `{group}/{edge node}` it may speak for. */
      sparkplugNodes: ReadonlySet<string>;
    };

/** The Sparkplug edge node the simulator runs as (SIMULATOR_PROTOCOL=sparkplug): its units are its devices. */
export interface SimulatorEdgeNode {
  group: string;
  edgeNode: string;
}

const SPARKPLUG_NAMESPACE = `${SPARKPLUG}/`;
/** What an edge node publishes (the simulator and a granted device alike): its and its devices' births, data, deaths. */
const NODE_MESSAGES = new Set(['NBIRTH', 'NDATA', 'NDEATH']);
const DEVICE_MESSAGES = new Set(['DBIRTH', 'DDATA', 'DDEATH']);

/**
 * The simulator's Sparkplug rights: publish its node's NBIRTH/NDATA/NDEATH and its units' DBIRTH/DDATA/DDEATH,
 * subscribe to its node's NCMD and its devices' DCMD (`+` or one of its units). Nothing of other nodes or groups.
 */
function sparkplugAllowed(node: SimulatorEdgeNode, units: ReadonlySet<string>, topic: string, filter: boolean) {
  const [, group, type, edgeNode, device, ...rest] = topic.split('/');
  if (group !== node.group || edgeNode !== node.edgeNode || rest.length > 0) return false;
  if (device === undefined) return filter ? type === 'NCMD' : NODE_MESSAGES.has(type);
  const ofOurs = units.has(device) || (filter && device === '+');
  return ofOurs && (filter ? type === 'DCMD' : DEVICE_MESSAGES.has(type));
}

/** Why the embedded broker refused something; each has its own counter in /metrics. */
export type BrokerRefusal =
  | 'connect_anonymous'
  | 'connect_bad_credentials'
  | 'connect_client_id_reserved'
  | 'publish_topic_denied'
  | 'publish_status_denied'
  | 'publish_retain_denied'
  | 'subscribe_denied';

export const BROKER_REFUSALS: readonly BrokerRefusal[] = [
  'connect_anonymous',
  'connect_bad_credentials',
  'connect_client_id_reserved',
  'publish_topic_denied',
  'publish_status_denied',
  'publish_retain_denied',
  'subscribe_denied',
];

/** Topic levels of a topic under `prefix`, or undefined when it is not under it. */
function levelsUnder(prefix: string, topic: string): string[] | undefined {
  if (!topic.startsWith(prefix + '/')) return undefined;
  return topic.slice(prefix.length + 1).split('/');
}

/**
 * What an identity may publish: the backend anything but `$` topics; the simulator readings and statuses of any
 * unit (it is part of this process) and command acks of the units of its current run; a device readings
 * `{prefix}/{unit}/{sensor}` and command acks `{prefix}/{unit}/{sensor}/set/ack` of its own units, statuses
 * `{prefix}/{unit}/status` only when allowed to, and never retained. In Sparkplug mode the simulator also publishes its
 * edge node's births, data and deaths (sparkplugAllowed). Anonymous clients (MQTT_ALLOW_ANONYMOUS=true) are a lab bench: what the backend may.
 */
export function publishRefusal(
  identity: BrokerIdentity,
  prefix: string,
  topic: string,
  retain: boolean,
): BrokerRefusal | undefined {
  if (topic.startsWith('$')) return 'publish_topic_denied';
  if (identity.kind === 'backend' || identity.kind === 'anonymous') return undefined;
  if (retain) return 'publish_retain_denied';
  if (topic.startsWith(SPARKPLUG_NAMESPACE)) {
    const allowed =
      identity.kind === 'simulator'
        ? identity.sparkplug !== undefined && sparkplugAllowed(identity.sparkplug, identity.units, topic, false)
        : identity.kind === 'device' && sparkplugPublishAllowed(identity.sparkplugNodes, topic);
    return allowed ? undefined : 'publish_topic_denied';
  }
  const levels = levelsUnder(prefix, topic);
  if (levels === undefined || !IDENTIFIER.test(levels[0]) || !IDENTIFIER.test(levels[1] ?? '')) {
    return 'publish_topic_denied';
  }
  const [unit, sensor] = levels;
  const reading = levels.length === 2;
  const ack = levels.length === 4 && levels[2] === 'set' && levels[3] === 'ack' && sensor !== 'status';
  if (!reading && !ack) return 'publish_topic_denied';
  if (identity.kind === 'simulator' && reading) return undefined;
  if (!identity.units.has(unit)) return 'publish_topic_denied';
  if (identity.kind === 'simulator') return undefined;
  if (reading && sensor === 'status' && !identity.publishStatus) return 'publish_status_denied';
  return undefined;
}

/**
 * What an identity may subscribe to: the backend (and the anonymous lab bench) anything; a device, and the simulator
 * for the units of its current run, only the command topics of its own units, `{prefix}/{unit}/+/set` or
 * `{prefix}/{unit}/{sensor}/set`.
 */
export function subscribeAllowed(identity: BrokerIdentity, prefix: string, filter: string): boolean {
  if (identity.kind === 'backend' || identity.kind === 'anonymous') return true;
  if (filter.startsWith(SPARKPLUG_NAMESPACE)) {
    if (identity.kind === 'simulator') {
      return identity.sparkplug !== undefined && sparkplugAllowed(identity.sparkplug, identity.units, filter, true);
    }
    return identity.kind === 'device' && sparkplugSubscribeAllowed(identity.sparkplugNodes, filter);
  }
  const levels = levelsUnder(prefix, filter);
  return (
    levels !== undefined &&
    levels.length === 3 &&
    identity.units.has(levels[0]) &&
    (levels[1] === '+' || (IDENTIFIER.test(levels[1]) && levels[1] !== 'status')) &&
    levels[2] === 'set'
  );
}

/**
 * An edge node's own messages: `spBv1.0/{group}/NBIRTH|NDATA|NDEATH/{edge}` and
 * `spBv1.0/{group}/DBIRTH|DDATA|DDEATH/{edge}/{device}` of a granted node. Never NCMD, DCMD or STATE: those are the
 * host's.
 */
function sparkplugPublishAllowed(nodes: ReadonlySet<string>, topic: string): boolean {
  const [, group, type, edge, device, ...rest] = topic.split('/');
  if (rest.length > 0 || edge === undefined || !nodes.has(`${group}/${edge}`)) return false;
  return device === undefined ? NODE_MESSAGES.has(type) : DEVICE_MESSAGES.has(type) && SPARKPLUG_ID.test(device);
}

const SPARKPLUG_ID = /^[^/+#\s]{1,128}$/;

/**
 * The commands of a granted node, `spBv1.0/{group}/NCMD/{edge}[/#]` and `spBv1.0/{group}/DCMD/{edge}/+|#|{device}`
 * (Tahu's client subscribes to `…/NCMD/{edge}/#` and `…/DCMD/{edge}/#`), and any host's STATE
 * (`spBv1.0/STATE/{host}` or `spBv1.0/STATE/+`), which edge nodes watch to know the host is online.
 */
function sparkplugSubscribeAllowed(nodes: ReadonlySet<string>, filter: string): boolean {
  const levels = filter.split('/');
  if (nodes.size === 0) return false;
  if (levels[1] === 'STATE') return levels.length === 3 && (levels[2] === '+' || SPARKPLUG_ID.test(levels[2]));
  const [, group, type, edge, device, ...rest] = levels;
  if (rest.length > 0 || edge === undefined || !nodes.has(`${group}/${edge}`)) return false;
  if (type === 'NCMD') return device === undefined || device === '#';
  if (type === 'DCMD') return device !== undefined && (device === '+' || device === '#' || SPARKPLUG_ID.test(device));
  return false;
}

/** Mosquitto 2's default: `mosquitto_passwd` writes 101 iterations. The secret is random, not a person's choice. */
const MOSQUITTO_ITERATIONS = 101;

/**
 * The `$7$` hash Mosquitto 2 reads from its password file: PBKDF2-HMAC-SHA512 with a 12-byte salt and a 64-byte
 * key, written as `$7$<iterations>$<base64 salt>$<base64 key>` (what `mosquitto_passwd` writes).
 */
export function mosquittoHash(password: string, salt: Buffer = randomBytes(12)): string {
  const key = pbkdf2Sync(password, salt, MOSQUITTO_ITERATIONS, 64, 'sha512');
  return `$7$${MOSQUITTO_ITERATIONS}$${salt.toString('base64')}$${key.toString('base64')}`;
}

/** What an exported device needs: its user name, units and status permission, and its stored `$7$` hash. */
export interface ExportedDevice {
  name: string;
  units: readonly string[];
  publishStatus: boolean;
  sparkplugNodes: readonly string[];
  mosquittoHash: string;
}

/**
 * The Mosquitto password file: one `user:$7$…` line per device, plus the backend's own user when given. Names are
 * identifiers (no `:` or newline), so a line cannot be forged by a name.
 */
export function mosquittoPasswordFile(devices: readonly ExportedDevice[], backend?: { user: string; hash: string }) {
  const lines = devices.map((d) => `${d.name}:${d.mosquittoHash}`);
  if (backend !== undefined) lines.unshift(`${backend.user}:${backend.hash}`);
  return lines.join('\n') + '\n';
}

/**
 * The Mosquitto ACL file, the same rules as the embedded broker's: the backend reads and writes the prefix (and
 * reads `$SYS` for the health check); each device writes readings and command acks of its units (statuses only
 * when allowed: `deny` entries are checked first) and reads their command topics. Nobody else gets anything:
 * Mosquitto refuses what no line allows. Retained messages are refused broker-wide (`retain_available false`).
 */
export function mosquittoAclFile(prefix: string, devices: readonly ExportedDevice[], backendUser?: string): string {
  const out: string[] = ['# Generated by `npm run devices -- export-mosquitto`; regenerate after every change.', ''];
  if (backendUser !== undefined) {
    // Sparkplug too: the host reads spBv1.0/# and writes its STATE and the NCMDs.
    out.push(
      `user ${backendUser}`,
      `topic readwrite ${prefix}/#`,
      `topic readwrite ${SPARKPLUG}/#`,
      'topic read $SYS/#',
      '',
    );
  }
  for (const device of devices) {
    out.push(`user ${device.name}`);
    for (const unit of device.units) {
      out.push(`topic write ${prefix}/${unit}/+`, `topic write ${prefix}/${unit}/+/set/ack`);
      out.push(`topic read ${prefix}/${unit}/+/set`);
      if (!device.publishStatus) out.push(`topic deny ${prefix}/${unit}/status`);
    }
    for (const node of device.sparkplugNodes) {
      const [group, edge] = node.split('/');
      for (const type of NODE_MESSAGES) out.push(`topic write ${SPARKPLUG}/${group}/${type}/${edge}`);
      for (const type of DEVICE_MESSAGES) out.push(`topic write ${SPARKPLUG}/${group}/${type}/${edge}/+`);
      out.push(`topic read ${SPARKPLUG}/${group}/NCMD/${edge}/#`, `topic read ${SPARKPLUG}/${group}/DCMD/${edge}/#`);
    }
    if (device.sparkplugNodes.length > 0) out.push(`topic read ${SPARKPLUG}/STATE/+`);
    out.push('');
  }
  return out.join('\n');
}
