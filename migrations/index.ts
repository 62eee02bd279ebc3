import { CreateTelemetry1764000000000 } from './1764000000000-CreateTelemetry.js';
import { CreateAlerts1764000001000 } from './1764000001000-CreateAlerts.js';
import { SensorSettings1764000002000 } from './1764000002000-SensorSettings.js';
import { UnitStatusAndMqttSubscriptions1764000003000 } from './1764000003000-UnitStatusAndMqttSubscriptions.js';
import { OpcuaNodeMappings1764000004000 } from './1764000004000-OpcuaNodeMappings.js';
import { HistorianStorage1764000005000 } from './1764000005000-HistorianStorage.js';
import { ApiKeysAndAuditLog1764000006000 } from './1764000006000-ApiKeysAndAuditLog.js';
import { MqttDevices1764000007000 } from './1764000007000-MqttDevices.js';
import { AuditLogOwner1764000007300 } from './1764000007300-AuditLogOwner.js';
import { ReadingDeadLetters1764000008000 } from './1764000008000-ReadingDeadLetters.js';
import { SensorPointKinds1764000009000 } from './1764000009000-SensorPointKinds.js';
import { Notifications1764000010000 } from './1764000010000-Notifications.js';

/** Every migration, in order. Listed explicitly: no globbing of compiled files. */
export const MIGRATIONS = [
  CreateTelemetry1764000000000,
  CreateAlerts1764000001000,
  SensorSettings1764000002000,
  UnitStatusAndMqttSubscriptions1764000003000,
  OpcuaNodeMappings1764000004000,
  HistorianStorage1764000005000,
  ApiKeysAndAuditLog1764000006000,
  MqttDevices1764000007000,
  AuditLogOwner1764000007300,
  ReadingDeadLetters1764000008000,
  SensorPointKinds1764000009000,
  Notifications1764000010000,
];
