import { CreateTelemetry1764000000000 } from '../../migrations/1764000000000-CreateTelemetry.js';
import { SensorSettings1764000002000 } from '../../migrations/1764000002000-SensorSettings.js';
import { HistorianStorage1764000005000 } from '../../migrations/1764000005000-HistorianStorage.js';
import { ReadingDeadLetters1764000008000 } from '../../migrations/1764000008000-ReadingDeadLetters.js';
import { SensorPointKinds1764000009000 } from '../../migrations/1764000009000-SensorPointKinds.js';
import { SensorReadingsStatementCheck1764000019000 } from '../../migrations/1764000019000-SensorReadingsStatementCheck.js';
import type { FeatureDefinition } from '../common/feature/feature.definition.js';
import { TELEMETRY_ENTITIES } from './entities/index.js';

/** Units, sensors, readings (and their TimescaleDB storage), dead letters. */
export const TELEMETRY_FEATURE: FeatureDefinition = {
  name: 'telemetry',
  entities: TELEMETRY_ENTITIES,
  migrations: [
    CreateTelemetry1764000000000,
    SensorSettings1764000002000,
    HistorianStorage1764000005000,
    ReadingDeadLetters1764000008000,
    SensorPointKinds1764000009000,
    SensorReadingsStatementCheck1764000019000,
  ],
};
