import { SparkplugMappings1764000015000 } from '../../migrations/1764000015000-SparkplugMappings.js';
import type { FeatureDefinition } from '../common/feature/feature.definition.js';

/** Sparkplug mapping overrides (the host's node state itself lives in memory). */
export const SPARKPLUG_FEATURE: FeatureDefinition = {
  name: 'sparkplug',
  migrations: [SparkplugMappings1764000015000],
};
