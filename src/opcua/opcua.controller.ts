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
  Query,
} from '@nestjs/common';
import {
  ApiBadGatewayResponse,
  ApiBadRequestResponse,
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiServiceUnavailableResponse,
  ApiTags,
} from '@nestjs/swagger';
import { RequireRole } from '../common/auth/access.js';
import { CurrentPrincipal } from '../common/auth/current-principal.decorator.js';
import type { Principal } from '../common/auth/principal.js';
import { AppConfig } from '../config/app-config.js';
import { OpcuaNodeIoService } from './opcua-node-io.service.js';
import { OpcuaSessionService } from './opcua-session.service.js';
import { OpcuaSubscriptionsService } from './opcua-subscriptions.service.js';
import { opcuaSecurityProblem } from './opcua-security.js';
import { credentialReuseProblem, downgradeProblem } from '../common/auth/outbound-credentials.js';
import {
  BrowseOpcuaQuery,
  ConnectOpcuaDto,
  OpcuaMappingListResponse,
  OpcuaMappingResponse,
  OpcuaNodeResponse,
  OpcuaReadResponse,
  OpcuaStatusResponse,
  ReadOpcuaDto,
  SubscribeOpcuaDto,
  toOpcuaMappingResponse,
  toOpcuaNodeResponse,
  toOpcuaReadResponse,
  toOpcuaStatusResponse,
} from './opcua.dto.js';

/** A mapping id from the path: a UUID, or a 400 that says so. */
export const MAPPING_ID = new ParseUUIDPipe({
  exceptionFactory: () =>
    new BadRequestException('OPC UA mapping ids are UUIDs (see GET /api/v1/scada/opcua/subscriptions)'),
});

/** The OPC UA client: connection, browsing and reading the server, and node mappings that feed the pipeline. */
@ApiTags('opcua')
@Controller('api/v1/scada/opcua')
export class OpcuaController {
  constructor(
    private readonly session: OpcuaSessionService,
    private readonly nodes: OpcuaNodeIoService,
    private readonly subscriptionsService: OpcuaSubscriptionsService,
    private readonly config: AppConfig,
  ) {}

  @RequireRole('viewer')
  @Get('status')
  @ApiOperation({
    summary: 'Connection state, endpoint, security, monitored items, reconnects and data change counters',
  })
  @ApiOkResponse({ type: OpcuaStatusResponse })
  status(): OpcuaStatusResponse {
    return toOpcuaStatusResponse(this.session.snapshot());
  }

  @RequireRole('admin')
  @Post('connect')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Connect to an OPC UA server, optionally overriding the configured endpoint, security and user',
    description:
      'Opens a session and one subscription, and monitors every stored node mapping. A lost connection is ' +
      're-established by itself (with its subscription and monitored items) until POST /disconnect. The overrides ' +
      'hold until the next connect or a restart. OPCUA_PASSWORD goes only to the configured endpoint and user: a ' +
      'connect elsewhere brings its own password (400 otherwise); security_mode None is refused when the ' +
      'configured mode signs or encrypts.',
  })
  @ApiOkResponse({
    type: OpcuaStatusResponse,
    description: 'Connected, or already connected or connecting with these settings (the current state is returned)',
  })
  @ApiBadRequestResponse({ description: 'Invalid fields, or a security mode/policy the server does not offer' })
  @ApiConflictResponse({
    description: 'Connected or connecting with other settings (the reason names the endpoint in use): disconnect first',
  })
  @ApiBadGatewayResponse({ description: 'Endpoint unreachable, certificate not trusted, or user rejected' })
  async connect(@Body() body: ConnectOpcuaDto = {}): Promise<OpcuaStatusResponse> {
    const endpointUrl = body.endpoint_url ?? this.config.opcuaServerUrl;
    if (endpointUrl === undefined) {
      throw new BadRequestException('endpoint_url is required: OPCUA_SERVER_URL is not set');
    }
    const securityMode = body.security_mode ?? this.config.opcuaSecurityMode;
    const securityPolicy = body.security_policy ?? this.config.opcuaSecurityPolicy;
    const problem =
      opcuaSecurityProblem(securityMode, securityPolicy) ??
      credentialReuseProblem({
        variable: 'OPCUA_PASSWORD',
        configuredPassword: this.config.opcuaPassword,
        elsewhere:
          endpointUrl !== this.config.opcuaServerUrl ||
          (body.username !== undefined && body.username !== this.config.opcuaUsername),
        password: body.password,
      }) ??
      downgradeProblem(
        this.config.opcuaSecurityMode !== 'None',
        body.security_mode === undefined ? undefined : body.security_mode !== 'None',
        `OPCUA_SECURITY_MODE=${this.config.opcuaSecurityMode}`,
      );
    if (problem !== undefined) throw new BadRequestException(problem);
    // The configured password belongs to the configured user only.
    const username = body.username ?? this.config.opcuaUsername;
    const password = body.username !== undefined ? body.password : (body.password ?? this.config.opcuaPassword);
    return toOpcuaStatusResponse(
      await this.session.connect({ endpointUrl, securityMode, securityPolicy, username, password }),
    );
  }

  @RequireRole('admin')
  @Post('disconnect')
  @HttpCode(200)
  @ApiOperation({ summary: 'Close the session and stop reconnecting; the node mappings stay stored' })
  @ApiOkResponse({ type: OpcuaStatusResponse })
  @ApiConflictResponse({ description: 'Not connected' })
  async disconnect(): Promise<OpcuaStatusResponse> {
    return toOpcuaStatusResponse(await this.session.disconnect());
  }

  @RequireRole('engineer')
  @Get('browse')
  @ApiOperation({
    summary: "Browse the server's address space from a node, down to a depth",
    description: 'Hierarchical references, forward. At most 2000 nodes per call, whatever the depth.',
  })
  @ApiOkResponse({ type: OpcuaNodeResponse })
  @ApiBadRequestResponse({ description: 'Invalid node id or depth' })
  @ApiNotFoundResponse({ description: 'Unknown node id' })
  @ApiBadGatewayResponse({ description: 'The server failed the request' })
  @ApiServiceUnavailableResponse({ description: 'Not connected' })
  async browse(@Query() query: BrowseOpcuaQuery): Promise<OpcuaNodeResponse> {
    return toOpcuaNodeResponse(await this.nodes.browse(query.node_id, query.depth));
  }

  @RequireRole('engineer')
  @Post('read')
  @HttpCode(200)
  @ApiOperation({ summary: 'Read the current value of nodes, with status codes and source and server timestamps' })
  @ApiOkResponse({ type: OpcuaReadResponse })
  @ApiBadRequestResponse({ description: 'Invalid node ids, or more than 100' })
  @ApiNotFoundResponse({ description: 'One or more node ids are unknown to the server (they are named)' })
  @ApiBadGatewayResponse({ description: 'The server failed the request' })
  @ApiServiceUnavailableResponse({ description: 'Not connected' })
  async read(@Body() body: ReadOpcuaDto): Promise<OpcuaReadResponse> {
    return toOpcuaReadResponse(await this.nodes.read(body.node_ids));
  }

  @RequireRole('engineer')
  @Post('subscribe')
  @ApiOperation({
    summary: 'Map a node to a unit sensor: its data changes, × scale_factor + offset, become readings',
    description:
      'Stored, and restored at every start-up and connection. While connected the node must exist and is monitored ' +
      'at once; while not, the mapping is stored and monitored on the next connection.',
  })
  @ApiCreatedResponse({ type: OpcuaMappingResponse })
  @ApiBadRequestResponse({ description: 'Invalid fields' })
  @ApiNotFoundResponse({ description: 'Unknown node id' })
  @ApiConflictResponse({ description: 'The node, or the unit sensor, is already mapped' })
  @ApiBadGatewayResponse({ description: 'The server failed the request' })
  async subscribe(@Body() body: SubscribeOpcuaDto): Promise<OpcuaMappingResponse> {
    return toOpcuaMappingResponse(
      await this.subscriptionsService.subscribe({
        nodeId: body.node_id,
        unitId: body.unit_id,
        sensorType: body.sensor_type,
        scaleFactor: body.scale_factor,
        offset: body.offset,
        samplingIntervalMs: body.sampling_interval_ms,
      }),
    );
  }

  @RequireRole('viewer')
  @Get('subscriptions')
  @ApiOperation({ summary: 'Every node mapping, with whether its monitored item is active' })
  @ApiOkResponse({ type: OpcuaMappingListResponse })
  subscriptions(@CurrentPrincipal() by: Principal): OpcuaMappingListResponse {
    return { subscriptions: this.subscriptionsService.subscriptions(by).map(toOpcuaMappingResponse) };
  }

  @RequireRole('engineer')
  @Delete('subscriptions/:id')
  @ApiOperation({ summary: 'Delete a node mapping and its monitored item' })
  @ApiOkResponse({ type: OpcuaMappingResponse, description: 'The deleted mapping' })
  @ApiBadRequestResponse({ description: 'Not a UUID' })
  @ApiNotFoundResponse({ description: 'Unknown mapping' })
  async unsubscribe(
    @Param('id', MAPPING_ID) id: string,
    @CurrentPrincipal() by: Principal,
  ): Promise<OpcuaMappingResponse> {
    return toOpcuaMappingResponse(await this.subscriptionsService.unsubscribe(id, by));
  }
}
