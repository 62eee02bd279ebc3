import { ApiKeysAndAuditLog1764000006000 } from '../../migrations/1764000006000-ApiKeysAndAuditLog.js';
import { AuditLogOwner1764000007300 } from '../../migrations/1764000007300-AuditLogOwner.js';
import type { FeatureDefinition } from './feature/feature.definition.js';

/** The tables of the cross-cutting parts: API keys (common/auth) and the audit log (common/audit). */
export const COMMON_FEATURE: FeatureDefinition = {
  name: 'common',
  migrations: [ApiKeysAndAuditLog1764000006000, AuditLogOwner1764000007300],
};
