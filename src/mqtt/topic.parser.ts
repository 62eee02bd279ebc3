import { IDENTIFIER } from '../common/identifier.js';
import type { RejectReason } from '../pipeline/pipeline-stats.js';

export type ParsedTopic =
  | { kind: 'reading'; unitId: string; sensorType: string }
  | { kind: 'status'; unitId: string }
  | { kind: 'rejected'; reason: RejectReason };

/** Parses `{prefix}/{unit_id}/{sensor_type}` and `{prefix}/{unit_id}/status`. */
export class TopicParser {
  private readonly prefix: string;

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
    if (!topic.startsWith(this.prefix)) return { kind: 'rejected', reason: 'topic_invalid' };
    const rest = topic.slice(this.prefix.length);
    const slash = rest.indexOf('/');
    if (slash < 0 || rest.indexOf('/', slash + 1) >= 0) return { kind: 'rejected', reason: 'topic_invalid' };
    const unitId = rest.slice(0, slash);
    const sensorType = rest.slice(slash + 1);
    if (!IDENTIFIER.test(unitId) || !IDENTIFIER.test(sensorType)) return { kind: 'rejected', reason: 'topic_invalid' };
    if (sensorType === 'status') return { kind: 'status', unitId };
    return { kind: 'reading', unitId, sensorType };
  }
}
