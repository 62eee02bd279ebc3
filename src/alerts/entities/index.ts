import { AlarmEventEntity } from './alarm-event.entity.js';
import { AlarmEntity } from './alarm.entity.js';
import { AlertRuleEntity } from './alert-rule.entity.js';

export const ALERT_ENTITIES = [AlertRuleEntity, AlarmEntity, AlarmEventEntity];
export { AlarmEntity, AlarmEventEntity, AlertRuleEntity };
