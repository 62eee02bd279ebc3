import { CurrentPrincipal } from '../auth/current-principal.decorator.js';
import { assertUnitInScope, type Principal } from '../auth/principal.js';
import { BadRequestException, Controller, Get, Query } from '@nestjs/common';
import { ApiBadRequestResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { RequireRole } from '../auth/access.js';
import { AuditLog } from './audit-log.service.js';
import { AuditPageResponseDto, AuditQueryDto, DEFAULT_AUDIT_PAGE, toAuditEntryResponse } from './audit.dto.js';

@ApiTags('audit')
@Controller('api/v1/scada/audit')
export class AuditController {
  constructor(private readonly audit: AuditLog) {}

  @RequireRole('admin')
  @Get()
  @ApiOperation({
    summary: 'The audit log, newest first, a page at a time: management actions and refused attempts',
    description:
      'Every non-read request (MQTT connect/disconnect/publish/subscribe, rule and sensor changes, acknowledgements ' +
      'and shelving, simulator start/stop/inject, key changes) with its result, and every 401/403. Its rows are ' +
      'plant-wide, so a unit-scoped admin key is refused (403). Repeated authentication failures from one source ' +
      'are one `auth.failures` row per source and minute, with the count in `detail`.',
  })
  @ApiOkResponse({ type: AuditPageResponseDto })
  @ApiBadRequestResponse({ description: 'An unknown filter value, a malformed time or page' })
  async list(@Query() query: AuditQueryDto, @CurrentPrincipal() by: Principal): Promise<AuditPageResponseDto> {
    // Its rows are not per unit (logins, keys, connections): the log is for callers without a unit scope.
    assertUnitInScope(by, null, 'The audit log');
    const from = query.from === undefined ? undefined : new Date(query.from);
    const to = query.to === undefined ? undefined : new Date(query.to);
    if (from !== undefined && to !== undefined && from >= to) throw new BadRequestException('from must be before to');
    const limit = query.limit ?? DEFAULT_AUDIT_PAGE;
    const offset = query.offset ?? 0;
    const page = await this.audit.query({ ...query, from, to, limit, offset });
    return { items: page.items.map(toAuditEntryResponse), total: page.total, limit, offset };
  }
}
