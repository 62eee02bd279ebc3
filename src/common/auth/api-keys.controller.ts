import { Body, Controller, Delete, Get, Param, Post, Query } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiCreatedResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import { RequireRole } from './access.js';
import {
  ApiKeyIdParamsDto,
  ApiKeyResponseDto,
  CreateApiKeyDto,
  CreatedApiKeyResponseDto,
  ListApiKeysQueryDto,
  toApiKeyResponse,
  toWhoAmIResponse,
  WhoAmIResponseDto,
} from './api-key.dto.js';
import { ApiKeyService } from './api-key.service.js';
import { CurrentPrincipal } from './current-principal.decorator.js';
import type { Principal } from './principal.js';

@ApiTags('auth')
@Controller('api/v1/scada/auth')
export class ApiKeysController {
  constructor(private readonly keys: ApiKeyService) {}

  @RequireRole('viewer')
  @Get('me')
  @ApiOperation({ summary: 'Who the credentials of this request stand for: name, role, unit scope, expiry' })
  @ApiOkResponse({ type: WhoAmIResponseDto })
  me(@CurrentPrincipal() principal: Principal): WhoAmIResponseDto {
    return toWhoAmIResponse(principal);
  }

  @RequireRole('admin')
  @Get('keys')
  @ApiOperation({
    summary: 'API keys (never their secrets), oldest first; revoked ones with include_revoked=true',
    description: 'A unit-scoped admin sees only the keys it could have created: its units or fewer.',
  })
  @ApiOkResponse({ type: [ApiKeyResponseDto] })
  async list(
    @Query() query: ListApiKeysQueryDto,
    @CurrentPrincipal() principal: Principal,
  ): Promise<ApiKeyResponseDto[]> {
    return (await this.keys.list(query.include_revoked ?? false, principal)).map(toApiKeyResponse);
  }

  @RequireRole('admin')
  @Post('keys')
  @ApiOperation({
    summary: 'Create an API key; the answer holds the key itself, shown this once (only its hash is stored)',
    description:
      "403 for a role above the caller's own or units outside its scope: a unit-scoped key must name units among " +
      'its own (it cannot mint a plant-wide key).',
  })
  @ApiCreatedResponse({ type: CreatedApiKeyResponseDto })
  @ApiBadRequestResponse({ description: 'Bad name, role or unit ids' })
  async create(
    @Body() body: CreateApiKeyDto,
    @CurrentPrincipal() principal: Principal,
  ): Promise<CreatedApiKeyResponseDto> {
    const { token, ...record } = await this.keys.create(body, principal);
    return { ...toApiKeyResponse(record), key: token };
  }

  @RequireRole('admin')
  @Delete('keys/:id')
  @ApiOperation({
    summary: 'Revoke an API key: refused from the next request on, its Socket.IO connections closed at once',
  })
  @ApiOkResponse({ type: ApiKeyResponseDto, description: 'The key as revoked (revoking twice keeps the first time)' })
  @ApiNotFoundResponse({ description: 'Unknown key id' })
  async revoke(
    @Param() params: ApiKeyIdParamsDto,
    @CurrentPrincipal() principal: Principal,
  ): Promise<ApiKeyResponseDto> {
    return toApiKeyResponse(await this.keys.revoke(params.id, principal));
  }
}
