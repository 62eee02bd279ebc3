import { CreateTelemetry1764000000000 } from './1764000000000-CreateTelemetry.js';
import { UnitStatusAndMqttSubscriptions1764000003000 } from './1764000003000-UnitStatusAndMqttSubscriptions.js';

/** Every migration, in order. Listed explicitly: no globbing of compiled files. */
export const MIGRATIONS = [CreateTelemetry1764000000000, UnitStatusAndMqttSubscriptions1764000003000];
