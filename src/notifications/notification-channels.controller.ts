import {
  BadRequestException,
  Body,
  Controller,
  Delete,
  Get,
  HttpCode,
  Param,
  ParseUUIDPipe,
  Post,
  Put,
} from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiParam,
  ApiTags,
} from '@nestjs/swagger';
import { RequireRole } from '../common/auth/access.js';
import { CurrentPrincipal } from '../common/auth/current-principal.decorator.js';
import type { Principal } from '../common/auth/principal.js';
import {
  ChannelTestResultDto,
  CreateNotificationChannelDto,
  NotificationChannelResponseDto,
} from './dto/notification-channel.dto.js';
import { NotificationsService } from './notifications.service.js';

const CHANNEL_ID = new ParseUUIDPipe({
  exceptionFactory: () =>
    new BadRequestException('Notification channel ids are UUIDs (see GET /api/v1/scada/notifications/channels)'),
});

@ApiTags('notifications')
@RequireRole('engineer')
@Controller('api/v1/scada/notifications/channels')
export class NotificationChannelsController {
  constructor(private readonly notifications: NotificationsService) {}

  @Get()
  @ApiOperation({ summary: 'Every notification channel, oldest first (secrets are never returned)' })
  @ApiOkResponse({ type: NotificationChannelResponseDto, isArray: true })
  list(@CurrentPrincipal() by: Principal): Promise<NotificationChannelResponseDto[]> {
    return this.notifications.listChannels(by);
  }

  @Get(':id')
  @ApiOperation({ summary: 'One notification channel' })
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiOkResponse({ type: NotificationChannelResponseDto })
  @ApiNotFoundResponse({ description: 'No such channel' })
  get(@Param('id', CHANNEL_ID) id: string, @CurrentPrincipal() by: Principal): Promise<NotificationChannelResponseDto> {
    return this.notifications.getChannel(id, by);
  }

  @Post()
  @ApiOperation({
    summary: 'Create a channel (webhook, email or chat)',
    description: 'Its host must be listed in NOTIFICATIONS_ALLOWED_HOSTS. The secret is write-only.',
  })
  @ApiCreatedResponse({ type: NotificationChannelResponseDto })
  @ApiBadRequestResponse({ description: 'What is wrong with the channel, one sentence per problem' })
  @ApiConflictResponse({ description: 'The name is taken, or the channel cap is reached' })
  create(
    @Body() body: CreateNotificationChannelDto,
    @CurrentPrincipal() by: Principal,
  ): Promise<NotificationChannelResponseDto> {
    return this.notifications.createChannel(body, by);
  }

  @Put(':id')
  @ApiOperation({ summary: 'Replace a channel (same type); an absent secret keeps the stored one' })
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiOkResponse({ type: NotificationChannelResponseDto })
  @ApiBadRequestResponse({ description: 'What is wrong with the channel' })
  @ApiNotFoundResponse({ description: 'No such channel' })
  replace(
    @Param('id', CHANNEL_ID) id: string,
    @Body() body: CreateNotificationChannelDto,
    @CurrentPrincipal() by: Principal,
  ): Promise<NotificationChannelResponseDto> {
    return this.notifications.replaceChannel(id, body, by);
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiOperation({ summary: 'Delete a channel no rule uses; its queued deliveries fail' })
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiNoContentResponse({ description: 'Deleted' })
  @ApiNotFoundResponse({ description: 'No such channel' })
  @ApiConflictResponse({ description: 'Rules still send to it' })
  async remove(@Param('id', CHANNEL_ID) id: string, @CurrentPrincipal() by: Principal): Promise<void> {
    await this.notifications.deleteChannel(id, by);
  }

  @Post(':id/test')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Send a test message now',
    description: 'Straight to the receiver (not through the outbox); answers whether it took it and, if not, why.',
  })
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiOkResponse({ type: ChannelTestResultDto })
  @ApiNotFoundResponse({ description: 'No such channel' })
  test(@Param('id', CHANNEL_ID) id: string, @CurrentPrincipal() by: Principal): Promise<ChannelTestResultDto> {
    return this.notifications.testChannel(id, by);
  }
}
