import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AlarmRepository } from './alarm.repository.js';
import { AlarmWriter } from './alarm.writer.js';
import { AlertRuleRepository } from './alert-rule.repository.js';
import { AlertRulesController } from './alert-rules.controller.js';
import { AlertsController } from './alerts.controller.js';
import { AlertsService } from './alerts.service.js';
import { ALERT_ENTITIES } from './entities/index.js';
import { ProcessorModule } from '../processor/processor.module.js';

@Module({
  imports: [TypeOrmModule.forFeature(ALERT_ENTITIES), ProcessorModule],
  // Rules first: its static `/alerts/rules` routes must be matched before AlertsController's `/alerts/:id`.
  controllers: [AlertRulesController, AlertsController],
  providers: [AlertRuleRepository, AlarmRepository, AlarmWriter, AlertsService],
  exports: [AlertsService, AlarmWriter],
})
export class AlertsModule {}
