import { CreateAlerts1764000001000 } from '../../migrations/1764000001000-CreateAlerts.js';
import type { FeatureDefinition } from '../common/feature/feature.definition.js';
import { ALERT_ENTITIES } from './entities/index.js';

/** Alert rules, alarms and their history. */
export const ALERTS_FEATURE: FeatureDefinition = {
  name: 'alerts',
  entities: ALERT_ENTITIES,
  migrations: [CreateAlerts1764000001000],
};
