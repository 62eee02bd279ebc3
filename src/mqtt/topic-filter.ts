/**
 * MQTT topic and topic-filter rules (MQTT 3.1.1 §4.7, MQTT 5 §4.7–4.8), for what the management API accepts.
 * Pure functions: no broker, no I/O.
 */

/** Longest topic or filter accepted, in UTF-8 bytes. MQTT allows 65,535; nothing real comes near 256. */
export const MAX_TOPIC_BYTES = 256;

const SHARE_PREFIX = '$share/';

/** C0 controls and DEL (MQTT: "SHOULD NOT" appear; they only ever hide what a topic really is), and U+0000. */
// eslint-disable-next-line no-control-regex -- finding control characters is the point
const CONTROL = /[\u0000-\u001f\u007f]/;
/** A UTF-16 surrogate that is not part of a pair: not a character, not encodable as MQTT's UTF-8. */
const LONE_SURROGATE = /\p{Cs}/u;

function textProblem(what: string, text: string): string | undefined {
  if (text.length === 0) return `${what} must not be empty`;
  if (Buffer.byteLength(text, 'utf8') > MAX_TOPIC_BYTES) return `${what} must be at most ${MAX_TOPIC_BYTES} bytes`;
  if (CONTROL.test(text)) return `${what} must not contain control characters`;
  if (LONE_SURROGATE.test(text)) return `${what} must be valid UTF-8 text`;
  return undefined;
}

/** A shared subscription `$share/{group}/{filter}` split into its parts; `group` is undefined for a plain filter. */
export function splitShared(filter: string): { group?: string; filter: string } {
  if (!filter.startsWith(SHARE_PREFIX)) return { filter };
  const rest = filter.slice(SHARE_PREFIX.length);
  const slash = rest.indexOf('/');
  return slash < 0 ? { group: rest, filter: '' } : { group: rest.slice(0, slash), filter: rest.slice(slash + 1) };
}

/** `$share/{group}/{filter}` for a group, or the filter itself. */
export function sharedFilter(filter: string, group: string | undefined): string {
  return group === undefined ? filter : `${SHARE_PREFIX}${group}/${filter}`;
}

/**
 * Why `filter` is not a valid subscription filter, or undefined when it is. `+` must be a whole level, `#` a whole
 * level and the last one; `$share/{group}/{filter}` needs a group without `/`, `+`, `#` and a valid filter.
 */
export function topicFilterProblem(filter: string): string | undefined {
  const text = textProblem('a topic filter', filter);
  if (text) return text;
  const { group, filter: plain } = splitShared(filter);
  if (group !== undefined) {
    if (group.length === 0 || /[+#]/.test(group)) {
      return `'${filter}': a shared subscription is $share/{group}/{filter}, with a group name free of '/', '+' and '#'`;
    }
    if (plain.length === 0) return `'${filter}': the shared subscription has no filter after its group`;
  }
  const levels = plain.split('/');
  for (let i = 0; i < levels.length; i++) {
    const level = levels[i];
    if (level.includes('#') && (level !== '#' || i !== levels.length - 1)) {
      return `'${filter}': '#' must be a whole level and the last one (like 'scada/#')`;
    }
    if (level.includes('+') && level !== '+') {
      return `'${filter}': '+' must be a whole level (like 'scada/+/temperature')`;
    }
  }
  return undefined;
}

/** Why `topic` cannot be published to, or undefined when it can: no wildcards, and `$` topics are the broker's. */
export function publishTopicProblem(topic: string): string | undefined {
  const text = textProblem('a topic', topic);
  if (text) return text;
  if (/[+#]/.test(topic)) return `'${topic}': a topic to publish to must not contain the wildcards '+' or '#'`;
  if (topic.startsWith('$')) return `'${topic}': topics starting with '$' are reserved for the broker`;
  return undefined;
}

/**
 * Whether some topic matches both filters (each plain or shared; the share group does not change what matches).
 * Subscribing to two overlapping filters makes the broker deliver a message once per matching subscription
 * (Mosquitto does with MQTT 5), which would count it twice and store a reading without a timestamp twice.
 */
export function filtersOverlap(a: string, b: string): boolean {
  const x = splitShared(a).filter.split('/');
  const y = splitShared(b).filter.split('/');
  // A wildcard in the first level does not match topics that start with '$' (MQTT §4.7.2).
  if ((x[0].startsWith('$') && /^[+#]$/.test(y[0])) || (y[0].startsWith('$') && /^[+#]$/.test(x[0]))) return false;
  for (let i = 0; ; i++) {
    const p = x[i];
    const q = y[i];
    // '#' also matches its parent level: 'a/#' matches 'a'.
    if (p === '#' || q === '#') return true;
    if (p === undefined || q === undefined) return p === q;
    if (p !== '+' && q !== '+' && p !== q) return false;
  }
}
