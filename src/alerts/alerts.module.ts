import { Module, type OnModuleInit } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { FeatureRegistry } from '../common/feature/feature.registry.js';
import { AlarmRepository } from './alarm.repository.js';
import { AlarmWriter } from './alarm.writer.js';
import { AlertRuleRepository } from './alert-rule.repository.js';
import { AlertRulesController } from './alert-rules.controller.js';
import { AlertsController } from './alerts.controller.js';
import { alarmsHealthIndicator, realtimeProcessorHealthIndicator } from './alerts.health.js';
import { alarmSamples } from './alerts.metrics.js';
import { AlertsService } from './alerts.service.js';
import { ALERT_ENTITIES } from './entities/index.js';
import { ProcessorModule } from '../processor/processor.module.js';
import { ReadingHandlerRunner } from '../processor/reading-handler.runner.js';

@Module({
  imports: [TypeOrmModule.forFeature(ALERT_ENTITIES), ProcessorModule],
  // Rules first: its static `/alerts/rules` routes must be matched before AlertsController's `/alerts/:id`.
  controllers: [AlertRulesController, AlertsController],
  providers: [AlertRuleRepository, AlarmRepository, AlarmWriter, AlertsService],
  exports: [AlertsService, AlarmWriter],
})
export class AlertsModule implements OnModuleInit {
  constructor(
    private readonly features: FeatureRegistry,
    private readonly alerts: AlertsService,
    private readonly handlers: ReadingHandlerRunner,
  ) {}

  onModuleInit(): void {
    this.features.registerHealth(realtimeProcessorHealthIndicator(this.alerts, () => this.handlers.count));
    this.features.registerHealth(alarmsHealthIndicator(this.alerts));
    this.features.register('alarms', () => alarmSamples(this.alerts));
  }
}
