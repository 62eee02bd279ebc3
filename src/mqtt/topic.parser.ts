import { IDENTIFIER } from '../common/identifier.js';
import type { RejectReason } from '../pipeline/pipeline-stats.js';

export type ParsedTopic =
  | { kind: 'reading'; unitId: string; sensorType: string }
  | { kind: 'status'; unitId: string }
  /** `{prefix}/{unit_id}/{sensor_type}/set`: a command (the backend's own, coming back through its subscription). */
  | { kind: 'command'; unitId: string; sensorType: string }
  /** `{prefix}/{unit_id}/{sensor_type}/set/ack`: a device's answer to a command. */
  | { kind: 'command_ack'; unitId: string; sensorType: string }
  | { kind: 'rejected'; reason: RejectReason };

/** Topics a parser remembers at most (about 10 MB of keys and results). */
const MAX_REMEMBERED_TOPICS = 50_000;

/**
 * Parses `{prefix}/{unit_id}/{sensor_type}` and `{prefix}/{unit_id}/status`, and tells the command topics
 * `.../{sensor_type}/set` and `.../set/ack` apart, so that they never become readings (or sensors named `set`).
 */
export class TopicParser {
  private readonly prefix: string;
  /**
   * Topics seen before and what they were: a plant's sensors publish on the same few thousand topics all day, and
   * splitting and checking each one again was 2 % of the backend's CPU in an ingest flood. Only topics that parsed go
   * in, and it is emptied when full, so nothing a sender invents grows it without a bound.
   */
  private readonly seen = new Map<string, ParsedTopic>();

  constructor(prefix: string) {
    this.prefix = prefix + '/';
  }

  /**
   * The subscription filter: everything under the prefix, so topics with too few or too many levels are counted
   * and logged as topic_invalid instead of vanishing unseen. (With `+/+`, the embedded broker also drops our
   * persistent session on any topic with an empty level: aedes matches `+` to it, its persistence does not.)
   */
  get filter(): string {
    return `${this.prefix}#`;
  }

  parse(topic: string): ParsedTopic {
    const known = this.seen.get(topic);
    if (known !== undefined) return known;
    const parsed = this.parseLevels(topic);
    if (parsed.kind !== 'rejected') {
      if (this.seen.size >= MAX_REMEMBERED_TOPICS) this.seen.clear();
      this.seen.set(topic, parsed);
    }
    return parsed;
  }

  private parseLevels(topic: string): ParsedTopic {
    if (!topic.startsWith(this.prefix)) return { kind: 'rejected', reason: 'topic_invalid' };
    const levels = topic.slice(this.prefix.length).split('/');
    const [unitId, sensorType] = levels;
    if (levels.length < 2 || levels.length > 4 || !IDENTIFIER.test(unitId) || !IDENTIFIER.test(sensorType)) {
      return { kind: 'rejected', reason: 'topic_invalid' };
    }
    if (levels.length === 2) {
      return sensorType === 'status' ? { kind: 'status', unitId } : { kind: 'reading', unitId, sensorType };
    }
    if (sensorType === 'status' || levels[2] !== 'set') return { kind: 'rejected', reason: 'topic_invalid' };
    if (levels.length === 3) return { kind: 'command', unitId, sensorType };
    return levels[3] === 'ack'
      ? { kind: 'command_ack', unitId, sensorType }
      : { kind: 'rejected', reason: 'topic_invalid' };
  }
}
