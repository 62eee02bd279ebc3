import { ALERTS_FEATURE } from './alerts/alerts.feature.js';
import { COMMANDS_FEATURE } from './commands/commands.feature.js';
import { COMMON_FEATURE } from './common/common.feature.js';
import type { FeatureDefinition } from './common/feature/feature.definition.js';
import { DEVICES_FEATURE } from './devices/devices.feature.js';
import { MODBUS_FEATURE } from './modbus/modbus.feature.js';
import { MQTT_FEATURE } from './mqtt/mqtt.feature.js';
import { NOTIFICATIONS_FEATURE } from './notifications/notifications.feature.js';
import { OPCUA_FEATURE } from './opcua/opcua.feature.js';
import { SPARKPLUG_FEATURE } from './sparkplug/sparkplug.feature.js';
import { TELEMETRY_FEATURE } from './telemetry/telemetry.feature.js';

/**
 * The composition root's list of what each feature contributes to the database (entities, migrations), beside
 * app.module.ts and with no Nest in it, so the management CLIs open the database exactly as the backend does without
 * starting it. A new feature with tables adds its `<feature>.feature.ts` here; nothing in common/ changes. Order does
 * not matter: migrations run by their epoch.
 */
export const APP_FEATURES: readonly FeatureDefinition[] = [
  COMMON_FEATURE,
  TELEMETRY_FEATURE,
  ALERTS_FEATURE,
  MQTT_FEATURE,
  OPCUA_FEATURE,
  DEVICES_FEATURE,
  NOTIFICATIONS_FEATURE,
  COMMANDS_FEATURE,
  MODBUS_FEATURE,
  SPARKPLUG_FEATURE,
];
