import { UnitStatusAndMqttSubscriptions1764000003000 } from '../../migrations/1764000003000-UnitStatusAndMqttSubscriptions.js';
import type { FeatureDefinition } from '../common/feature/feature.definition.js';

/** The backend's copy of its broker subscriptions (and the time of the unit status an MQTT status topic set). */
export const MQTT_FEATURE: FeatureDefinition = {
  name: 'mqtt',
  migrations: [UnitStatusAndMqttSubscriptions1764000003000],
};
