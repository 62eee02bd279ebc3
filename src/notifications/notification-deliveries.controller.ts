import { Controller, Get, Query } from '@nestjs/common';
import { ApiBadRequestResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { RequireRole } from '../common/auth/access.js';
import { CurrentPrincipal } from '../common/auth/current-principal.decorator.js';
import type { Principal } from '../common/auth/principal.js';
import { DeliveryPageDto, DeliveryQueryDto } from './dto/notification-delivery.dto.js';
import { NotificationsService } from './notifications.service.js';

@ApiTags('notifications')
@Controller('api/v1/scada/notifications/deliveries')
export class NotificationDeliveriesController {
  constructor(private readonly notifications: NotificationsService) {}

  @RequireRole('engineer')
  @Get()
  @ApiOperation({
    summary: 'The outbox: deliveries newest first, with their status, attempts and last error',
    description: 'Paged by cursor. A credential limited to units sees the deliveries of its units only.',
  })
  @ApiOkResponse({ type: DeliveryPageDto })
  @ApiBadRequestResponse({ description: 'A filter or cursor this API does not accept' })
  page(@Query() query: DeliveryQueryDto, @CurrentPrincipal() by: Principal): Promise<DeliveryPageDto> {
    return this.notifications.deliveryPage(query, by);
  }
}
