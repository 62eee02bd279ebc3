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
  ApiForbiddenResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiServiceUnavailableResponse,
  ApiTags,
} from '@nestjs/swagger';
import { RequireRole } from '../common/auth/access.js';
import { CurrentPrincipal } from '../common/auth/current-principal.decorator.js';
import { assertUnitInScope, mayAccessUnit, type Principal } from '../common/auth/principal.js';
import { SparkplugHostService } from './sparkplug-host.service.js';
import { SparkplugMappingsService } from './sparkplug-mappings.service.js';
import {
  SparkplugMappingDto,
  SparkplugMappingListResponse,
  SparkplugMappingResponse,
  SparkplugNodeResponse,
  toSparkplugNodeResponse,
} from './sparkplug.dto.js';

const MAPPING_ID = new ParseUUIDPipe({
  exceptionFactory: () =>
    new BadRequestException('Sparkplug mapping ids are UUIDs (see GET /api/v1/scada/sparkplug/mappings)'),
});

const OVERRIDE_RULES =
  'Applies at the next birth of the edge node (NBIRTH) or device (DBIRTH); a Rebirth NCMD is sent at once when the ' +
  'node is known and the broker connected (`rebirth_requested`). The default unit and the unit mapped to must both ' +
  "be in the caller's scope; no other override may use the unit.";

/** The Sparkplug B host's edge nodes and mapping overrides (docs/sparkplug.md). Scoped by the units involved. */
@ApiTags('sparkplug')
@Controller('api/v1/scada/sparkplug')
export class SparkplugController {
  constructor(
    private readonly sparkplug: SparkplugHostService,
    private readonly mappings: SparkplugMappingsService,
  ) {}

  @RequireRole('viewer')
  @Get('nodes')
  @ApiOperation({ summary: 'Edge nodes seen: state, bdSeq, last seq, metrics, devices, last birth/death, rebirths' })
  @ApiOkResponse({ type: [SparkplugNodeResponse] })
  nodes(@CurrentPrincipal() by: Principal): SparkplugNodeResponse[] {
    return this.sparkplug
      .nodes()
      .filter((n) => mayAccessUnit(by, n.id))
      .map(toSparkplugNodeResponse);
  }

  @RequireRole('engineer')
  @Post('nodes/:id/rebirth')
  @HttpCode(200)
  @ApiOperation({ summary: 'Send the edge node a Rebirth NCMD (Node Control/Rebirth = true); audited' })
  @ApiOkResponse({ type: SparkplugNodeResponse })
  @ApiNotFoundResponse({ description: 'No such edge node' })
  @ApiForbiddenResponse({ description: "The node's unit is outside the caller's scope" })
  @ApiServiceUnavailableResponse({ description: 'Sparkplug is off, or the broker is not connected' })
  rebirth(@Param('id') id: string, @CurrentPrincipal() by: Principal): SparkplugNodeResponse {
    assertUnitInScope(by, id, `Sparkplug edge node '${id.slice(0, 64)}'`);
    return toSparkplugNodeResponse(this.sparkplug.rebirth(id));
  }

  @RequireRole('viewer')
  @Get('mappings')
  @ApiOperation({ summary: 'Mapping overrides (of nodes whose default and mapped units are in scope)' })
  @ApiOkResponse({ type: SparkplugMappingListResponse })
  listMappings(@CurrentPrincipal() by: Principal): SparkplugMappingListResponse {
    return { mappings: this.mappings.list(by) };
  }

  @RequireRole('engineer')
  @Post('mappings')
  @ApiOperation({
    summary: 'Map an edge node (or one of its devices) to another unit, optionally renaming metrics; audited',
    description: OVERRIDE_RULES,
  })
  @ApiCreatedResponse({ type: SparkplugMappingResponse })
  @ApiBadRequestResponse({ description: 'Invalid ids, unit id or metric renames' })
  @ApiForbiddenResponse({ description: "The default or the mapped unit is outside the caller's scope" })
  @ApiConflictResponse({ description: 'The node/device has an override, or the unit is taken, or 10,000 overrides' })
  @ApiServiceUnavailableResponse({ description: 'Sparkplug is off on this instance' })
  createMapping(
    @Body() body: SparkplugMappingDto,
    @CurrentPrincipal() by: Principal,
  ): Promise<SparkplugMappingResponse> {
    return this.mappings.create(body, by);
  }

  @RequireRole('engineer')
  @Put('mappings/:id')
  @ApiOperation({ summary: 'Replace a mapping override; audited with before and after', description: OVERRIDE_RULES })
  @ApiOkResponse({ type: SparkplugMappingResponse })
  @ApiBadRequestResponse({ description: 'Invalid ids, unit id or metric renames, or not a UUID' })
  @ApiNotFoundResponse({ description: 'Unknown mapping' })
  @ApiForbiddenResponse({ description: "A unit before or after is outside the caller's scope" })
  @ApiConflictResponse({ description: 'The node/device or the unit belongs to another override' })
  @ApiServiceUnavailableResponse({ description: 'Sparkplug is off on this instance' })
  updateMapping(
    @Param('id', MAPPING_ID) id: string,
    @Body() body: SparkplugMappingDto,
    @CurrentPrincipal() by: Principal,
  ): Promise<SparkplugMappingResponse> {
    return this.mappings.update(id, body, by);
  }

  @RequireRole('engineer')
  @Delete('mappings/:id')
  @ApiOperation({
    summary: 'Remove a mapping override: the default mapping applies from the next birth (a Rebirth is requested)',
  })
  @ApiOkResponse({ type: SparkplugMappingResponse, description: 'The removed override' })
  @ApiNotFoundResponse({ description: 'Unknown mapping' })
  @ApiServiceUnavailableResponse({ description: 'Sparkplug is off on this instance' })
  removeMapping(
    @Param('id', MAPPING_ID) id: string,
    @CurrentPrincipal() by: Principal,
  ): Promise<SparkplugMappingResponse> {
    return this.mappings.remove(id, by);
  }
}
