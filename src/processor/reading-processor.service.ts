import { Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { EventBus } from '../common/bus/event-bus.js';
import type {
  ProcessedReading,
  ProcessedUnitStatus,
  RawReading,
  RawUnitStatus,
  ReadingBatch,
} from '../common/bus/event-map.js';
import { ThrottledLogger } from '../common/logging/throttled-logger.js';
import { PipelineStats, type RejectReason } from '../common/metrics/pipeline-stats.js';
import { AppConfig } from '../config/app-config.js';
import { isUnknownState, normalizeReading, normalizeUnitStatus, type NormalizerLimits } from './reading.normalizer.js';
import { PointStateCounter } from './point-state.counter.js';
import { SensorCatalog } from './sensor-catalog.js';
import { SensorSettingsCache } from './sensor-settings.cache.js';

/**
 * Validates and normalises every received batch (its readings and its unit statuses), applies each sensor's
 * settings (scale, offset, valid range) from memory, and passes the batch on as `readings.processed` with its
 * acknowledgement: rejected readings and statuses are settled with their batch, since they will never become valid.
 */
@Injectable()
export class ReadingProcessorService implements OnModuleInit {
  private readonly logger = new ThrottledLogger(new Logger(ReadingProcessorService.name));
  private readonly limits: NormalizerLimits;

  constructor(
    private readonly bus: EventBus,
    private readonly stats: PipelineStats,
    private readonly settings: SensorSettingsCache,
    private readonly catalog: SensorCatalog,
    private readonly pointStates: PointStateCounter,
    config: AppConfig,
  ) {
    this.limits = { maxFutureMs: config.readingMaxFutureMs, maxAgeMs: config.readingMaxAgeMs };
  }

  onModuleInit(): void {
    this.bus.on('readings.received', ReadingProcessorService.name, (batch) => this.process(batch));
  }

  process(batch: ReadingBatch<RawReading, RawUnitStatus>): void {
    const now = Date.now();
    const out: ProcessedReading[] = [];
    for (const raw of batch.readings) {
      const settings = this.settings.get(raw.unitId, raw.sensorType);
      const result = normalizeReading(raw, this.limits, now, settings);
      if (typeof result === 'string') {
        this.reject(result, raw.unitId, raw.sensorType);
      } else if (!this.catalog.admit(result.unitId, result.sensorType)) {
        this.reject('cardinality_limit', raw.unitId, raw.sensorType);
      } else {
        if (isUnknownState(result, settings)) this.pointStates.unknown++;
        out.push(result);
      }
    }
    this.stats.accepted += out.length;
    let statuses: ProcessedUnitStatus[] | undefined;
    if (batch.statuses && batch.statuses.length > 0) {
      statuses = [];
      for (const raw of batch.statuses) {
        const result = normalizeUnitStatus(raw, this.limits, now);
        if (typeof result === 'string') {
          this.reject(result, raw.unitId);
        } else if (!this.catalog.admitUnit(result.unitId)) {
          this.reject('cardinality_limit', raw.unitId);
        } else {
          statuses.push(result);
        }
      }
      this.stats.statusAccepted += statuses.length;
    }
    this.bus.emit('readings.processed', { readings: out, statuses, ack: batch.ack });
  }

  /** Counts a rejection; its log line (one per reason every few seconds) is only built when it is written. */
  private reject(reason: RejectReason, unitId: string, sensorType?: string): void {
    this.stats.reject(reason);
    this.logger.warn(reason, () =>
      sensorType === undefined
        ? `Rejected status of ${unitId}: ${reason}`
        : `Rejected reading ${unitId}/${sensorType}: ${reason}`,
    );
  }
}
