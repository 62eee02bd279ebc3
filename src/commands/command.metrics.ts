import type { MetricSample } from '../common/feature/feature.registry.js';
import type { ChannelKind } from './command-settings.js';
import { type CommandOutcome, OUTCOMES } from './command-state.js';

/** Upper bounds (seconds) of the issue → confirmed latency buckets: a LAN round trip up to a slow PLC's readback. */
export const LATENCY_BUCKETS_S = [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60] as const;

/** Why a command was refused before anything was sent (409s and 400s of the safety rules and limits). */
export const REFUSALS = [
  'limits',
  'not_writable',
  'selection',
  'unit_status',
  'channel_unavailable',
  'critical_alarm',
  'in_flight',
] as const;
export type CommandRefusal = (typeof REFUSALS)[number];

/**
 * The command feature's counters, and their samples for /metrics. The latency histogram is a counter family in
 * Prometheus' histogram layout (`_bucket{le}` cumulative, `_sum`, `_count`): the FeatureRegistry carries counters
 * and gauges only, and these three series are all a histogram_quantile() needs.
 */
export class CommandMetrics {
  private readonly issued = new Map<ChannelKind, number>();
  private readonly outcomes = new Map<string, number>();
  private readonly refused = new Map<CommandRefusal, number>(REFUSALS.map((r) => [r, 0]));
  private readonly buckets = LATENCY_BUCKETS_S.map(() => 0);
  private latencyCount = 0;
  private latencySum = 0;

  issuedOn(channel: ChannelKind): void {
    this.issued.set(channel, (this.issued.get(channel) ?? 0) + 1);
  }

  refusedFor(reason: CommandRefusal): void {
    this.refused.set(reason, (this.refused.get(reason) ?? 0) + 1);
  }

  finished(channel: ChannelKind, outcome: CommandOutcome, latencyMs: number): void {
    const key = `${channel}|${outcome}`;
    this.outcomes.set(key, (this.outcomes.get(key) ?? 0) + 1);
    if (outcome !== 'confirmed') return;
    const seconds = Math.max(0, latencyMs) / 1000;
    this.latencyCount++;
    this.latencySum += seconds;
    LATENCY_BUCKETS_S.forEach((le, i) => {
      if (seconds <= le) this.buckets[i]++;
    });
  }

  samples(channels: readonly ChannelKind[], open: number): MetricSample[] {
    const out: MetricSample[] = [];
    for (const channel of channels) {
      out.push({
        name: 'scada_commands_issued_total',
        help: 'Commands stored and handed to their channel, by channel',
        type: 'counter',
        value: this.issued.get(channel) ?? 0,
        labels: { channel },
      });
      for (const outcome of OUTCOMES) {
        out.push({
          name: 'scada_commands_total',
          help: 'Finished commands by channel and outcome (confirmed, rejected, failed, timed_out)',
          type: 'counter',
          value: this.outcomes.get(`${channel}|${outcome}`) ?? 0,
          labels: { channel, outcome },
        });
      }
    }
    for (const [reason, value] of this.refused) {
      out.push({
        name: 'scada_commands_refused_total',
        help: 'Commands refused before anything was sent, by reason',
        type: 'counter',
        value,
        labels: { reason },
      });
    }
    out.push({
      name: 'scada_commands_open',
      help: 'Commands of this instance waiting for their outcome',
      type: 'gauge',
      value: open,
    });
    const help = 'Issue → confirmed latency of confirmed commands, seconds (histogram layout)';
    LATENCY_BUCKETS_S.forEach((le, i) =>
      out.push({
        name: 'scada_commands_confirm_latency_seconds_bucket',
        help,
        type: 'counter',
        value: this.buckets[i],
        labels: { le: String(le) },
      }),
    );
    out.push({
      name: 'scada_commands_confirm_latency_seconds_bucket',
      help,
      type: 'counter',
      value: this.latencyCount,
      labels: { le: '+Inf' },
    });
    out.push({ name: 'scada_commands_confirm_latency_seconds_sum', help, type: 'counter', value: this.latencySum });
    out.push({ name: 'scada_commands_confirm_latency_seconds_count', help, type: 'counter', value: this.latencyCount });
    return out;
  }
}
