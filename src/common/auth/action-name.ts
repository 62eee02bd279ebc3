import type { ExecutionContext } from '@nestjs/common';

/** `MqttController.connect` → `mqtt.connect`, `AlertRulesController.update` → `alert_rules.update`. */
export function actionName(context: Pick<ExecutionContext, 'getClass' | 'getHandler'>): string {
  const area = context
    .getClass()
    .name.replace(/(Controller|Gateway)$/, '')
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .toLowerCase();
  return `${area}.${context.getHandler().name}`;
}
