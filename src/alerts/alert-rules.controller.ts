import {
  BadRequestException,
  Body,
  Controller,
  Delete,
  Get,
  HttpCode,
  Param,
  ParseUUIDPipe,
  Patch,
  Post,
  Put,
} from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiParam,
  ApiTags,
} from '@nestjs/swagger';
import { CurrentPrincipal } from '../common/auth/current-principal.decorator.js';
import type { Principal } from '../common/auth/principal.js';
import { AlertsService } from './alerts.service.js';
import {
  AlertRuleResponseDto,
  CreateAlertRuleDto,
  nullRequiredFields,
  toAlertRuleDefinition,
  stateChoiceOf,
  toAlertRuleResponse,
  UpdateAlertRuleDto,
} from './dto/alert-rule.dto.js';
import { RequireRole } from '../common/auth/access.js';

/** A rule id from the path: a UUID, or a 400 that says so. */
export const RULE_ID = new ParseUUIDPipe({
  exceptionFactory: () => new BadRequestException('Alert rule ids are UUIDs (see GET /api/v1/scada/alerts/rules)'),
});

@ApiTags('alerts')
@Controller('api/v1/scada/alerts/rules')
export class AlertRulesController {
  constructor(private readonly alerts: AlertsService) {}

  @RequireRole('viewer')
  @Get()
  @ApiOperation({ summary: 'Every alert rule (deleted ones excepted), oldest first' })
  @ApiOkResponse({ type: AlertRuleResponseDto, isArray: true })
  async list(@CurrentPrincipal() by: Principal): Promise<AlertRuleResponseDto[]> {
    return (await this.alerts.listRules(by)).map(toAlertRuleResponse);
  }

  @RequireRole('engineer')
  @Post()
  @ApiOperation({ summary: 'Create a rule; it evaluates the next reading, no restart needed' })
  @ApiCreatedResponse({ type: AlertRuleResponseDto })
  @ApiBadRequestResponse({ description: 'What is wrong with the rule, one sentence per problem' })
  async create(@Body() body: CreateAlertRuleDto, @CurrentPrincipal() by: Principal): Promise<AlertRuleResponseDto> {
    return toAlertRuleResponse(await this.alerts.createRule(toAlertRuleDefinition(body), by, stateChoiceOf(body)));
  }

  @RequireRole('engineer')
  @Put(':id')
  @ApiOperation({
    summary: 'Replace a rule (absent optional fields take their defaults); takes effect at once',
    description: 'Open alarms stay open and the next reading is judged by the new settings; disabling closes them.',
  })
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiOkResponse({ type: AlertRuleResponseDto })
  @ApiBadRequestResponse({ description: 'What is wrong with the rule' })
  @ApiNotFoundResponse({ description: 'No such rule' })
  async replace(
    @Param('id', RULE_ID) id: string,
    @Body() body: CreateAlertRuleDto,
    @CurrentPrincipal() by: Principal,
  ): Promise<AlertRuleResponseDto> {
    return toAlertRuleResponse(
      await this.alerts.updateRule(id, () => toAlertRuleDefinition(body), by, stateChoiceOf(body)),
    );
  }

  @RequireRole('engineer')
  @Patch(':id')
  @ApiOperation({
    summary: 'Change some fields of a rule (null resets an optional field); takes effect at once',
    description: '`{"enabled": false}` disables the rule and closes its alarms.',
  })
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiOkResponse({ type: AlertRuleResponseDto })
  @ApiBadRequestResponse({ description: 'What is wrong with the resulting rule' })
  @ApiNotFoundResponse({ description: 'No such rule' })
  async update(
    @Param('id', RULE_ID) id: string,
    @Body() body: UpdateAlertRuleDto,
    @CurrentPrincipal() by: Principal,
  ): Promise<AlertRuleResponseDto> {
    const nulls = nullRequiredFields(body);
    if (nulls.length > 0) throw new BadRequestException(nulls);
    return toAlertRuleResponse(
      await this.alerts.updateRule(id, (current) => toAlertRuleDefinition(body, current), by, stateChoiceOf(body)),
    );
  }

  @RequireRole('engineer')
  @Delete(':id')
  @HttpCode(204)
  @ApiOperation({
    summary: 'Delete a rule and close its alarms',
    description: 'The rule stays in the database so the history of its alarms keeps its limits; it is not re-seeded.',
  })
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiNoContentResponse({ description: 'Deleted' })
  @ApiNotFoundResponse({ description: 'No such rule' })
  async remove(@Param('id', RULE_ID) id: string, @CurrentPrincipal() by: Principal): Promise<void> {
    await this.alerts.deleteRule(id, by);
  }
}
