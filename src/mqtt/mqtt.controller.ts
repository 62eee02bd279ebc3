import { AppConfig } from '../config/app-config.js';
import { RUNTIME_INFO, type RuntimeInfo } from '../config/runtime.js';
import { credentialReuseProblem, downgradeProblem } from '../common/auth/outbound-credentials.js';
import { CurrentPrincipal } from '../common/auth/current-principal.decorator.js';
import type { Principal } from '../common/auth/principal.js';
import { BadRequestException, Body, Controller, Get, HttpCode, Inject, Post } from '@nestjs/common';
import {
  ApiBadGatewayResponse,
  ApiBadRequestResponse,
  ApiConflictResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiPayloadTooLargeResponse,
  ApiServiceUnavailableResponse,
  ApiTags,
  ApiTooManyRequestsResponse,
} from '@nestjs/swagger';
import { MqttConnectionService } from './mqtt-connection.service.js';
import { MqttSubscriptionsService } from './mqtt-subscriptions.service.js';
import { MqttPublisher } from './mqtt.publisher.js';
import {
  ConnectMqttDto,
  MqttPublishResponse,
  MqttStatusResponse,
  PublishMqttDto,
  SubscribeMqttDto,
  toMqttStatusResponse,
  UnsubscribeMqttDto,
} from './mqtt.dto.js';
import { RequireRole, StrictRateLimit } from '../common/auth/access.js';

/** Manages the backend's MQTT connection: connect, disconnect, subscriptions, test messages, status. */
@ApiTags('mqtt')
@Controller('api/v1/scada/mqtt')
export class MqttController {
  constructor(
    private readonly mqtt: MqttConnectionService,
    private readonly subscriptions: MqttSubscriptionsService,
    private readonly publisher: MqttPublisher,
    private readonly config: AppConfig,
    @Inject(RUNTIME_INFO) private readonly runtime: RuntimeInfo,
  ) {}

  @RequireRole('viewer')
  @Get('status')
  @ApiOperation({
    summary: 'Connection state, broker, client id, protocol, subscriptions, reconnects, message counters',
  })
  @ApiOkResponse({ type: MqttStatusResponse })
  status(): MqttStatusResponse {
    return toMqttStatusResponse(this.mqtt.snapshot());
  }

  @RequireRole('admin')
  @Post('connect')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Connect to the broker, optionally overriding the configured host, credentials, client id or TLS',
    description:
      'Overrides hold for this connection and its automatic reconnects, until the next connect or a restart. ' +
      'Subscriptions belong to the client id: connecting with another one restores the dynamic subscriptions ' +
      'stored for it. MQTT_PASSWORD goes only to the configured host, port and user: a connect elsewhere brings ' +
      'its own password (400 otherwise); with MQTT_TLS=true, `tls: false` is refused.',
  })
  @ApiOkResponse({ type: MqttStatusResponse, description: 'Connected and subscribed' })
  @ApiBadRequestResponse({ description: 'Invalid or unknown fields' })
  @ApiConflictResponse({ description: 'Already connected: disconnect first' })
  @ApiServiceUnavailableResponse({ description: 'Not connected within 5 s; the client keeps retrying with backoff' })
  async connect(@Body() body: ConnectMqttDto = {}): Promise<MqttStatusResponse> {
    const elsewhere =
      (body.host !== undefined && body.host !== this.runtime.brokerHost) ||
      (body.port !== undefined && body.port !== this.runtime.brokerPort) ||
      (body.username !== undefined && body.username !== this.config.mqttUsername);
    const problem =
      credentialReuseProblem({
        variable: 'MQTT_PASSWORD',
        configuredPassword: this.config.mqttPassword,
        elsewhere,
        password: body.password,
      }) ?? downgradeProblem(this.config.mqttTls, body.tls, 'MQTT_TLS');
    if (problem !== undefined) throw new BadRequestException(problem);
    const { client_id: clientId, ...rest } = body;
    return toMqttStatusResponse(await this.mqtt.connect({ ...rest, clientId }));
  }

  @RequireRole('admin')
  @Post('disconnect')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Disconnect and stop reconnecting',
    description: 'The persistent session stays on the broker, which queues readings until the next connect.',
  })
  @ApiOkResponse({ type: MqttStatusResponse })
  @ApiConflictResponse({ description: 'Already disconnected' })
  async disconnect(): Promise<MqttStatusResponse> {
    return toMqttStatusResponse(await this.mqtt.disconnect());
  }

  @RequireRole('engineer')
  @Post('subscribe')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Add topic filters to the session; kept across reconnects and restarts',
    description:
      'Filters outside {prefix}/{unit_id}/{sensor_type|status} are allowed for diagnosis: their messages go ' +
      'through the same parser and are counted as topic_invalid, never stored.',
  })
  @ApiOkResponse({ type: MqttStatusResponse })
  @ApiBadRequestResponse({ description: 'Invalid filter syntax, QoS or unknown fields' })
  @ApiConflictResponse({ description: 'The filter overlaps an existing subscription' })
  @ApiBadGatewayResponse({ description: 'The broker refused the subscription' })
  @ApiServiceUnavailableResponse({ description: 'Not connected' })
  async subscribe(@Body() body: SubscribeMqttDto): Promise<MqttStatusResponse> {
    await this.subscriptions.subscribe(body.topics, body.qos);
    return toMqttStatusResponse(this.mqtt.snapshot());
  }

  @RequireRole('engineer')
  @Post('unsubscribe')
  @HttpCode(200)
  @ApiOperation({ summary: 'Remove dynamic topic filters from the session' })
  @ApiOkResponse({ type: MqttStatusResponse })
  @ApiBadRequestResponse({ description: 'Invalid filter syntax or unknown fields' })
  @ApiNotFoundResponse({ description: 'Not subscribed to that filter' })
  @ApiConflictResponse({ description: 'The configured subscription cannot be removed' })
  @ApiServiceUnavailableResponse({ description: 'Not connected' })
  async unsubscribe(@Body() body: UnsubscribeMqttDto): Promise<MqttStatusResponse> {
    await this.subscriptions.unsubscribe(body.topics);
    return toMqttStatusResponse(this.mqtt.snapshot());
  }

  @RequireRole('engineer')
  @StrictRateLimit()
  @Post('publish')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Publish a test message through the backend connection (it comes back through the subscriptions)',
    description:
      "Only to {prefix}/{unit_id}/{sensor_type} (or .../status) of a unit in the caller's scope (403 otherwise), " +
      'never retained.',
  })
  @ApiOkResponse({ type: MqttPublishResponse, description: 'The broker has the message (for QoS 1 and 2)' })
  @ApiBadRequestResponse({
    description:
      'A topic outside {prefix}/{unit_id}/{sensor_type}, wildcards or $ in it, retain, invalid QoS or unknown fields',
  })
  @ApiPayloadTooLargeResponse({ description: 'Payload over 16 KiB' })
  @ApiServiceUnavailableResponse({ description: 'Not connected, or the broker did not acknowledge' })
  @ApiTooManyRequestsResponse({ description: 'Over MQTT_PUBLISH_RATE_LIMIT_PER_MINUTE test messages this minute' })
  async publish(@Body() body: PublishMqttDto, @CurrentPrincipal() by: Principal): Promise<MqttPublishResponse> {
    const bytes = await this.publisher.publishTestMessage(body.topic, body.payload, body.qos, body.retain, by);
    return { topic: body.topic, qos: body.qos, retain: body.retain, bytes };
  }
}
