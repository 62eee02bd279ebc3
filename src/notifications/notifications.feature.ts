import { Notifications1764000010000 } from '../../migrations/1764000010000-Notifications.js';
import { NotificationFloods1764000012000 } from '../../migrations/1764000012000-NotificationFloods.js';
import type { FeatureDefinition } from '../common/feature/feature.definition.js';

/** Notification channels, routing rules and the delivery outbox (plain SQL repositories: no entities). */
export const NOTIFICATIONS_FEATURE: FeatureDefinition = {
  name: 'notifications',
  migrations: [Notifications1764000010000, NotificationFloods1764000012000],
};
