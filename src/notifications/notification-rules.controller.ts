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
import { CreateNotificationRuleDto, NotificationRuleResponseDto } from './dto/notification-rule.dto.js';
import { NotificationsService } from './notifications.service.js';

const RULE_ID = new ParseUUIDPipe({
  exceptionFactory: () =>
    new BadRequestException('Notification rule ids are UUIDs (see GET /api/v1/scada/notifications/rules)'),
});

@ApiTags('notifications')
@RequireRole('engineer')
@Controller('api/v1/scada/notifications/rules')
export class NotificationRulesController {
  constructor(private readonly notifications: NotificationsService) {}

  @Get()
  @ApiOperation({ summary: 'Every notification routing rule, oldest first' })
  @ApiOkResponse({ type: NotificationRuleResponseDto, isArray: true })
  list(@CurrentPrincipal() by: Principal): Promise<NotificationRuleResponseDto[]> {
    return this.notifications.listRules(by);
  }

  @Get(':id')
  @ApiOperation({ summary: 'One notification rule' })
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiOkResponse({ type: NotificationRuleResponseDto })
  @ApiNotFoundResponse({ description: 'No such rule' })
  get(@Param('id', RULE_ID) id: string, @CurrentPrincipal() by: Principal): Promise<NotificationRuleResponseDto> {
    return this.notifications.getRule(id, by);
  }

  @Post()
  @ApiOperation({
    summary: 'Create a routing rule; it applies to the next alarm transition',
    description:
      'Which alarms (severity at least, units, sensor types, alert rules, transitions) go where, how worded.',
  })
  @ApiCreatedResponse({ type: NotificationRuleResponseDto })
  @ApiBadRequestResponse({ description: 'What is wrong with the rule, one sentence per problem' })
  @ApiConflictResponse({ description: 'The name is taken, or the rule cap is reached' })
  create(
    @Body() body: CreateNotificationRuleDto,
    @CurrentPrincipal() by: Principal,
  ): Promise<NotificationRuleResponseDto> {
    return this.notifications.createRule(body, by);
  }

  @Put(':id')
  @ApiOperation({ summary: 'Replace a rule (absent optional fields take their defaults)' })
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiOkResponse({ type: NotificationRuleResponseDto })
  @ApiBadRequestResponse({ description: 'What is wrong with the rule' })
  @ApiNotFoundResponse({ description: 'No such rule' })
  replace(
    @Param('id', RULE_ID) id: string,
    @Body() body: CreateNotificationRuleDto,
    @CurrentPrincipal() by: Principal,
  ): Promise<NotificationRuleResponseDto> {
    return this.notifications.replaceRule(id, body, by);
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiOperation({ summary: 'Delete a rule; deliveries already queued are still sent' })
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiNoContentResponse({ description: 'Deleted' })
  @ApiNotFoundResponse({ description: 'No such rule' })
  async remove(@Param('id', RULE_ID) id: string, @CurrentPrincipal() by: Principal): Promise<void> {
    await this.notifications.deleteRule(id, by);
  }
}
