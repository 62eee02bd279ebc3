import { Body, Controller, Get, HttpCode, Post } from '@nestjs/common';
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
  constructor(private readonly mqtt: MqttConnectionService) {}

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
      'stored for it.',
  })
  @ApiOkResponse({ type: MqttStatusResponse, description: 'Connected and subscribed' })
  @ApiBadRequestResponse({ description: 'Invalid or unknown fields' })
  @ApiConflictResponse({ description: 'Already connected: disconnect first' })
  @ApiServiceUnavailableResponse({ description: 'Not connected within 5 s; the client keeps retrying with backoff' })
  async connect(@Body() body: ConnectMqttDto = {}): Promise<MqttStatusResponse> {
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
    return toMqttStatusResponse(await this.mqtt.subscribe(body.topics, body.qos));
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
    return toMqttStatusResponse(await this.mqtt.unsubscribe(body.topics));
  }

  @RequireRole('engineer')
  @StrictRateLimit()
  @Post('publish')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Publish a test message through the backend connection (it comes back through the subscriptions)',
  })
  @ApiOkResponse({ type: MqttPublishResponse, description: 'The broker has the message (for QoS 1 and 2)' })
  @ApiBadRequestResponse({ description: 'Wildcards or $ in the topic, invalid QoS or unknown fields' })
  @ApiPayloadTooLargeResponse({ description: 'Payload over 16 KiB' })
  @ApiServiceUnavailableResponse({ description: 'Not connected, or the broker did not acknowledge' })
  @ApiTooManyRequestsResponse({ description: 'Over MQTT_PUBLISH_RATE_LIMIT_PER_MINUTE test messages this minute' })
  async publish(@Body() body: PublishMqttDto): Promise<MqttPublishResponse> {
    const bytes = await this.mqtt.publish(body.topic, body.payload, body.qos, body.retain);
    return { topic: body.topic, qos: body.qos, retain: body.retain, bytes };
  }
}
