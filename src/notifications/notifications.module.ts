import { Module } from '@nestjs/common';
import { AlertsModule } from '../alerts/alerts.module.js';
import { ChannelSender } from './channel.sender.js';
import { NotificationChannelRepository } from './notification-channel.repository.js';
import { NotificationChannelsController } from './notification-channels.controller.js';
import { NotificationDeliveriesController } from './notification-deliveries.controller.js';
import { NotificationDeliveryRepository } from './notification-delivery.repository.js';
import { NotificationDeliveryWorker } from './notification-delivery.worker.js';
import { NotificationRuleRepository } from './notification-rule.repository.js';
import { NotificationRulesController } from './notification-rules.controller.js';
import { NotificationsService } from './notifications.service.js';

/**
 * Alarm notifications: channels, routing rules, the outbox filled with the alarm transitions (through the alarm
 * writer's extension point) and the worker that sends it. Depends on alerts/, never the other way round.
 */
@Module({
  imports: [AlertsModule],
  controllers: [NotificationChannelsController, NotificationRulesController, NotificationDeliveriesController],
  providers: [
    ChannelSender,
    NotificationChannelRepository,
    NotificationRuleRepository,
    NotificationDeliveryRepository,
    NotificationsService,
    NotificationDeliveryWorker,
  ],
})
export class NotificationsModule {}
