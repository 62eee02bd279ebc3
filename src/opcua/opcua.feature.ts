import { OpcuaNodeMappings1764000004000 } from '../../migrations/1764000004000-OpcuaNodeMappings.js';
import type { FeatureDefinition } from '../common/feature/feature.definition.js';

/** OPC UA node → unit/sensor mappings. */
export const OPCUA_FEATURE: FeatureDefinition = {
  name: 'opcua',
  migrations: [OpcuaNodeMappings1764000004000],
};
