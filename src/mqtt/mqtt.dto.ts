import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsBoolean,
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  Matches,
  Max,
  MaxLength,
  Min,
  registerDecorator,
  type ValidationArguments,
  type ValidationOptions,
} from 'class-validator';
import type { MqttConnectionState } from './mqtt.events.js';
import type { MqttSnapshot } from './mqtt-connection.service.js';
import { MAX_PUBLISH_BYTES } from './mqtt.publisher.js';
import { MAX_TOPIC_BYTES, publishTopicProblem, topicFilterProblem } from './topic-filter.js';

/** Most filters in one subscribe or unsubscribe call. */
const MAX_FILTERS_PER_CALL = 32;

/** A class-validator rule whose message is the problem the check found (it names the rule that was broken). */
function Checked(check: (value: string) => string | undefined, options?: ValidationOptions): PropertyDecorator {
  return (target: object, propertyName: string | symbol) => {
    registerDecorator({
      name: 'mqttTopic',
      target: target.constructor,
      propertyName: String(propertyName),
      options,
      validator: {
        validate: (value: unknown) => typeof value === 'string' && check(value) === undefined,
        defaultMessage: (args?: ValidationArguments) => {
          // With `each`, the value is the whole array: report its first bad element.
          const values: unknown[] = Array.isArray(args?.value) ? args.value : [args?.value];
          for (const value of values) {
            if (typeof value !== 'string') return `${args?.property ?? 'value'} must be a string`;
            const problem = check(value);
            if (problem !== undefined) return problem;
          }
          return 'invalid';
        },
      },
    });
  };
}

/** Optional overrides of the configured broker connection, for this connection and its reconnects. */
export class ConnectMqttDto {
  /** Broker host name or IP address (default MQTT_BROKER_HOST, or the embedded broker). */
  @ApiPropertyOptional({ example: 'broker.plant.local', maxLength: 253 })
  @IsOptional()
  @IsString()
  @MaxLength(253)
  @Matches(/^[A-Za-z0-9._:-]+$/, { message: 'host must be a host name or an IP address' })
  host?: string;

  /** Broker port (default MQTT_BROKER_PORT). */
  @ApiPropertyOptional({ example: 1883, minimum: 1, maximum: 65535 })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(65535)
  port?: number;

  /** MQTT username (default MQTT_USERNAME). */
  @ApiPropertyOptional({ maxLength: 256 })
  @IsOptional()
  @IsString()
  @MaxLength(256)
  username?: string;

  /** MQTT password (default MQTT_PASSWORD). Never logged, never returned. */
  @ApiPropertyOptional({ maxLength: 1024, format: 'password', writeOnly: true })
  @IsOptional()
  @IsString()
  @MaxLength(1024)
  password?: string;

  /** Client id, which names the persistent session on the broker (default MQTT_CLIENT_ID). */
  @ApiPropertyOptional({ example: 'thermacore_backend', pattern: '^[A-Za-z0-9_.:-]{1,128}$' })
  @IsOptional()
  @IsString()
  @Matches(/^[A-Za-z0-9_.:-]{1,128}$/, {
    message: "client_id must be 1-128 letters, digits, '_', '.', ':' or '-'",
  })
  client_id?: string;

  /** Keepalive in seconds (default MQTT_KEEPALIVE). */
  @ApiPropertyOptional({ example: 60, minimum: 0, maximum: 65535 })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(65535)
  keepalive?: number;

  /** Use TLS, with the CA and client certificate files of MQTT_TLS_* (default MQTT_TLS). */
  @ApiPropertyOptional({ example: false })
  @IsOptional()
  @IsBoolean()
  tls?: boolean;
}

/** Topic filters to add to the session. */
export class SubscribeMqttDto {
  /**
   * MQTT topic filters: `+` matches one whole level, `#` the rest (last level only); `$share/{group}/{filter}`
   * for a shared subscription. Filters outside `{prefix}/{unit_id}/{sensor_type|status}` are allowed; their
   * messages are counted and rejected as topic_invalid.
   */
  @ApiProperty({
    type: [String],
    example: ['plant2/#'],
    minItems: 1,
    maxItems: MAX_FILTERS_PER_CALL,
    description: `MQTT topic filters, each at most ${MAX_TOPIC_BYTES} bytes`,
  })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(MAX_FILTERS_PER_CALL)
  @Checked(topicFilterProblem, { each: true })
  topics!: string[];

  /** 1 (default): held PUBACKs, exactly-once storage. 0: best effort. QoS 2 adds nothing here and is refused. */
  @ApiPropertyOptional({ enum: [0, 1], default: 1 })
  @IsOptional()
  @IsIn([0, 1], { message: 'qos must be 0 or 1 (QoS 2 adds nothing: stored readings are already exactly once)' })
  qos: 0 | 1 = 1;
}

/** Dynamic topic filters to remove from the session. */
export class UnsubscribeMqttDto {
  /** Filters exactly as subscribed. */
  @ApiProperty({ type: [String], example: ['plant2/#'], minItems: 1, maxItems: MAX_FILTERS_PER_CALL })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(MAX_FILTERS_PER_CALL)
  @Checked(topicFilterProblem, { each: true })
  topics!: string[];
}

/** A test message, published through the backend's own broker connection. */
export class PublishMqttDto {
  /** Topic without wildcards; `$` topics belong to the broker. */
  @ApiProperty({ example: 'scada/UNIT001/temperature', maxLength: MAX_TOPIC_BYTES })
  @Checked(publishTopicProblem)
  topic!: string;

  /** Payload text, sent as is (a JSON document goes as a string). */
  @ApiProperty({
    example: '{"value": 25.5, "quality": "GOOD"}',
    description: `Payload text, at most ${MAX_PUBLISH_BYTES} bytes (UTF-8)`,
  })
  @IsString()
  payload!: string;

  @ApiPropertyOptional({ enum: [0, 1, 2], default: 1 })
  @IsOptional()
  @IsIn([0, 1, 2])
  qos: 0 | 1 | 2 = 1;

  /** Retained messages are replayed to every new subscription: a retained reading is stored again each time. */
  @ApiPropertyOptional({ default: false })
  @IsOptional()
  @IsBoolean()
  retain: boolean = false;
}

export class MqttPublishResponse {
  @ApiProperty() topic!: string;
  @ApiProperty({ enum: [0, 1, 2] }) qos!: number;
  @ApiProperty() retain!: boolean;
  /** Payload size; the payload itself is not echoed. */
  @ApiProperty() bytes!: number;
}

export class MqttSubscriptionResponse {
  @ApiProperty({ example: 'scada/#' }) filter!: string;
  @ApiProperty({ enum: [0, 1] }) qos!: number;
  /** From MQTT_TOPIC_PREFIX / MQTT_SHARED_GROUP; cannot be removed at run time. */
  @ApiProperty() configured!: boolean;
  /** Confirmed by the broker on the current connection. */
  @ApiProperty() active!: boolean;
  /** Can match reading or status topics; messages on other topics are rejected as topic_invalid. */
  @ApiProperty() reading_topics!: boolean;
}

export class MqttMessagesResponse {
  /** Messages taken in on any subscription. */
  @ApiProperty() received!: number;
  /** Readings and unit statuses that passed validation. */
  @ApiProperty() accepted!: number;
  @ApiProperty() rejected!: number;
  @ApiProperty({ type: 'object', additionalProperties: { type: 'number' }, example: { topic_invalid: 2 } })
  rejected_by_reason!: Record<string, number>;
}

export class MqttStatusResponse {
  @ApiProperty({ enum: ['connected', 'connecting', 'disconnected'] }) state!: MqttConnectionState;
  @ApiProperty() connected!: boolean;
  @ApiProperty({ example: '127.0.0.1' }) broker_host!: string;
  @ApiProperty({ example: 1883 }) broker_port!: number;
  @ApiProperty() embedded_broker!: boolean;
  @ApiProperty() tls!: boolean;
  @ApiProperty() client_id!: string;
  @ApiPropertyOptional() username?: string;
  @ApiProperty({ enum: ['MQTT 5', 'MQTT 3.1.1'] }) protocol!: string;
  @ApiProperty({ enum: [4, 5] }) protocol_version!: number;
  @ApiPropertyOptional({ description: 'MQTT_SHARED_GROUP, when instances split the stream' }) shared_group?: string;
  /** Filters the broker confirmed on the current connection. */
  @ApiProperty({ type: [String] }) subscribed_topics!: string[];
  @ApiProperty({ type: [MqttSubscriptionResponse] }) subscriptions!: MqttSubscriptionResponse[];
  /** Reconnect attempts since start. */
  @ApiProperty() reconnects!: number;
  @ApiPropertyOptional({ description: 'While reconnecting: the current delay between attempts' })
  reconnect_delay_ms?: number;
  /** QoS 1 acknowledgements held until their readings commit. */
  @ApiProperty() pending_acks!: number;
  @ApiProperty({
    description:
      'The backend has stopped reading from the broker: MQTT_MAX_PENDING_ACKS readings wait for their commit (the broker keeps the rest)',
  })
  intake_paused!: boolean;
  @ApiProperty({ description: 'Times intake paused for that reason since start' })
  intake_pauses!: number;
  @ApiPropertyOptional() last_error?: string;
  @ApiProperty({ type: MqttMessagesResponse }) messages!: MqttMessagesResponse;
}

export function toMqttStatusResponse(s: MqttSnapshot): MqttStatusResponse {
  return {
    state: s.state,
    connected: s.connected,
    broker_host: s.broker.host,
    broker_port: s.broker.port,
    embedded_broker: s.broker.embedded,
    tls: s.broker.tls,
    client_id: s.broker.clientId,
    username: s.broker.username,
    protocol: s.protocolVersion === 5 ? 'MQTT 5' : 'MQTT 3.1.1',
    protocol_version: s.protocolVersion,
    shared_group: s.sharedGroup,
    subscribed_topics: s.subscribedTopics,
    subscriptions: s.subscriptions.map((x) => ({
      filter: x.filter,
      qos: x.qos,
      configured: x.configured,
      active: x.active,
      reading_topics: x.readingTopics,
    })),
    reconnects: s.reconnects,
    reconnect_delay_ms: s.reconnectDelayMs,
    pending_acks: s.pendingAcks,
    intake_paused: s.intakePaused,
    intake_pauses: s.intakePauses,
    last_error: s.lastError,
    messages: {
      received: s.messages.received,
      accepted: s.messages.accepted,
      rejected: s.messages.rejected,
      rejected_by_reason: s.messages.rejectedByReason,
    },
  };
}
