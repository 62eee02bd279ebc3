import { Commands1764000011000 } from '../../migrations/1764000011000-Commands.js';
import type { FeatureDefinition } from '../common/feature/feature.definition.js';

/** Writable points (`sensors.command`) and the commands table (plain SQL repository: no entities). */
export const COMMANDS_FEATURE: FeatureDefinition = {
  name: 'commands',
  migrations: [Commands1764000011000],
};
