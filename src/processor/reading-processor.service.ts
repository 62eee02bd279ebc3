import { Injectable, Logger } from '@nestjs/common';
import type {
  ProcessedBatch,
  ProcessedReading,
  ProcessedUnitStatus,
  RawReading,
  RawUnitStatus,
  ReadingBatch,
} from '../common/bus/event-map.js';
import { ThrottledLogger } from '../common/logging/throttled-logger.js';
import { PipelineStats, type RejectReason } from '../pipeline/pipeline-stats.js';
import { AppConfig } from '../config/app-config.js';
import { isUnknownState, normalizeReading, normalizeUnitStatus, type NormalizerLimits } from './reading.normalizer.js';
import { PointStateCounter } from './point-state.counter.js';
import { SensorCatalog } from './sensor-catalog.js';
import { SensorSettingsCache } from './sensor-settings.cache.js';

/**
 * The normaliser stage of the pipeline (src/pipeline/reading-pipeline.service.ts): validates and normalises a
 * received batch (its readings and its unit statuses) and applies each sensor's settings (scale, offset, valid
 * range) from memory. Rejected readings and statuses are counted and left out; the batch's acknowledgement stays
 * with the pipeline, which settles them with their batch, since they will never become valid.
 */
@Injectable()
export class ReadingProcessorService {
  private readonly logger = new ThrottledLogger(new Logger(ReadingProcessorService.name));
  private readonly limits: NormalizerLimits;

  constructor(
    private readonly stats: PipelineStats,
    private readonly settings: SensorSettingsCache,
    private readonly catalog: SensorCatalog,
    private readonly pointStates: PointStateCounter,
    config: AppConfig,
  ) {
    this.limits = { maxFutureMs: config.readingMaxFutureMs, maxAgeMs: config.readingMaxAgeMs };
  }

  /** The batch's valid readings and statuses, normalised; a new object that carries no acknowledgement. */
  process(batch: ReadingBatch<RawReading, RawUnitStatus>): ProcessedBatch {
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
    return statuses === undefined ? { readings: out } : { readings: out, statuses };
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
