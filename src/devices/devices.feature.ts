import { MqttDevices1764000007000 } from '../../migrations/1764000007000-MqttDevices.js';
import { DeviceSparkplugNodes1764000018000 } from '../../migrations/1764000018000-DeviceSparkplugNodes.js';
import type { FeatureDefinition } from '../common/feature/feature.definition.js';

/** MQTT device credentials and the units each may publish for. */
export const DEVICES_FEATURE: FeatureDefinition = {
  name: 'devices',
  migrations: [MqttDevices1764000007000, DeviceSparkplugNodes1764000018000],
};
