import { Controller, Get, HttpCode, Param, Post } from '@nestjs/common';
import {
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
import { SparkplugNodeResponse, toSparkplugNodeResponse } from './sparkplug.dto.js';

/** The Sparkplug B host's edge nodes (docs/sparkplug.md). Scoped by the node's unit. */
@ApiTags('sparkplug')
@Controller('api/v1/scada/sparkplug')
export class SparkplugController {
  constructor(private readonly sparkplug: SparkplugHostService) {}

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
}
