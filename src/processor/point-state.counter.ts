import { Injectable, type OnModuleInit } from '@nestjs/common';
import { FeatureRegistry } from '../common/feature/feature.registry.js';

/**
 * Readings of digital and enum points whose value the sensor's state table does not name: stored (with quality at
 * most UNCERTAIN), and counted here so a device speaking a newer firmware's codes shows up in /metrics.
 */
@Injectable()
export class PointStateCounter implements OnModuleInit {
  /** Readings with a value outside their point's state table. */
  unknown = 0;

  constructor(private readonly metrics: FeatureRegistry) {}

  onModuleInit(): void {
    this.metrics.register('point_states', () => [
      {
        name: 'scada_readings_state_unknown_total',
        help: 'Readings of digital/enum points whose value their state table does not name (stored as UNCERTAIN)',
        type: 'counter',
        value: this.unknown,
      },
    ]);
  }
}
