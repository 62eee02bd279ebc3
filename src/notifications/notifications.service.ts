import { randomUUID } from 'node:crypto';
import { BadRequestException, ConflictException, Injectable, NotFoundException } from '@nestjs/common';
import { AuditTrail } from '../common/audit/audit-trail.js';
import { assertUnitInScope, type Principal } from '../common/auth/principal.js';
import { decodeCursor, encodeCursor, FOREIGN_CURSOR } from '../common/paging.js';
import { ChannelSender, SendError } from './channel.sender.js';
import type {
  ChannelTestResultDto,
  CreateNotificationChannelDto,
  NotificationChannelResponseDto,
} from './dto/notification-channel.dto.js';
import { toNotificationChannelResponse } from './dto/notification-channel.dto.js';
import {
  DEFAULT_DELIVERY_PAGE,
  type DeliveryPageDto,
  type DeliveryQueryDto,
  toDeliveryResponse,
} from './dto/notification-delivery.dto.js';
import {
  type CreateNotificationRuleDto,
  type NotificationRuleResponseDto,
  toNotificationRuleDefinition,
  toNotificationRuleResponse,
} from './dto/notification-rule.dto.js';
import { type NotificationChannel, parseChannelConfig } from './notification-channel.js';
import { NotificationChannelRepository } from './notification-channel.repository.js';
import { NotificationDeliveryRepository } from './notification-delivery.repository.js';
import { renderNotification } from './notification-message.js';
import { DEFAULT_SUBJECT, DEFAULT_TEMPLATE, validateNotificationRule } from './notification-rule.js';
import { NotificationRuleRepository } from './notification-rule.repository.js';

/** Bounds on what engineers create: channels and rules are read on every alarm transition. */
export const MAX_CHANNELS = 100;
export const MAX_RULES = 200;
const CURSOR_TAG = 'nd1';

/**
 * Channels, routing rules and the delivery list. Channels and rules are plant-wide, so a credential limited to
 * units may not change or read them. Every change records old → new for the audit log (responses, which never
 * carry a secret); the interceptor writes the row.
 */
@Injectable()
export class NotificationsService {
  constructor(
    private readonly channels: NotificationChannelRepository,
    private readonly rules: NotificationRuleRepository,
    private readonly deliveries: NotificationDeliveryRepository,
    private readonly sender: ChannelSender,
  ) {}

  // ---- channels ---------------------------------------------------------------------------------------------

  async listChannels(by: Principal): Promise<NotificationChannelResponseDto[]> {
    assertUnitInScope(by, null, 'Notification channels');
    return (await this.channels.list()).map(toNotificationChannelResponse);
  }

  async getChannel(id: string, by: Principal): Promise<NotificationChannelResponseDto> {
    assertUnitInScope(by, null, 'Notification channels');
    return toNotificationChannelResponse(await this.channelOr404(id));
  }

  async createChannel(body: CreateNotificationChannelDto, by: Principal): Promise<NotificationChannelResponseDto> {
    assertUnitInScope(by, null, 'Notification channels');
    if ((await this.channels.count()) >= MAX_CHANNELS) {
      throw new ConflictException(`At most ${MAX_CHANNELS} notification channels; delete one first`);
    }
    const saved = await this.saveChannel(randomUUID(), body, null);
    AuditTrail.change(null, toNotificationChannelResponse(saved));
    return toNotificationChannelResponse(saved);
  }

  async replaceChannel(
    id: string,
    body: CreateNotificationChannelDto,
    by: Principal,
  ): Promise<NotificationChannelResponseDto> {
    assertUnitInScope(by, null, 'Notification channels');
    const current = await this.channelOr404(id);
    if (current.type !== body.type) {
      throw new BadRequestException(`A channel's type cannot change (it is ${current.type}); create a new channel`);
    }
    const saved = await this.saveChannel(id, body, current);
    AuditTrail.change(toNotificationChannelResponse(current), toNotificationChannelResponse(saved));
    return toNotificationChannelResponse(saved);
  }

  async deleteChannel(id: string, by: Principal): Promise<void> {
    assertUnitInScope(by, null, 'Notification channels');
    const current = await this.channelOr404(id);
    const users = await this.rules.usingChannel(id);
    if (users.length > 0) {
      throw new ConflictException(`Channel '${current.name}' is used by rules ${users.join(', ')}; change them first`);
    }
    await this.channels.remove(id);
    AuditTrail.change(toNotificationChannelResponse(current), null);
  }

  /** Sends a test message now (not through the outbox) and says whether the receiver took it. */
  async testChannel(id: string, by: Principal): Promise<ChannelTestResultDto> {
    assertUnitInScope(by, null, 'Notification channels');
    const channel = await this.channelOr404(id);
    const now = new Date();
    const rendered = renderNotification(
      { subject: `[test] ${DEFAULT_SUBJECT}`, template: `Test message from ThermaCore SCADA: ${DEFAULT_TEMPLATE}` },
      {
        alarm_id: '00000000-0000-0000-0000-000000000000',
        rule_id: '00000000-0000-0000-0000-000000000000',
        unit_id: 'TEST',
        sensor_type: 'test',
        severity: 'info',
        value: null,
        threshold: null,
        state: 'active_unacknowledged',
        message: 'This is a test notification',
        raised_at: now.toISOString(),
        at: now.toISOString(),
        actor: by.name,
      },
      'test',
      0,
    );
    let result: ChannelTestResultDto;
    try {
      await this.sender.send(channel, {
        ...rendered,
        deliveryId: `test|${randomUUID()}`,
        transition: 'test',
        step: 0,
        alarm: null,
      });
      result = { ok: true };
    } catch (err) {
      result = { ok: false, error: err instanceof SendError ? err.message : 'send failed' };
    }
    AuditTrail.change(null, { channel_id: id, name: channel.name, test: result });
    return result;
  }

  private async channelOr404(id: string): Promise<NotificationChannel> {
    const channel = await this.channels.find(id);
    if (channel === null) throw new NotFoundException(`Unknown notification channel '${id}'`);
    return channel;
  }

  private async saveChannel(
    id: string,
    body: CreateNotificationChannelDto,
    current: NotificationChannel | null,
  ): Promise<NotificationChannel> {
    const secret = body.secret ?? current?.secret ?? null;
    const parsed = parseChannelConfig(body.type, body.config, secret, this.sender.hostPolicy);
    if (!parsed.ok) throw new BadRequestException(parsed.problems);
    if (await this.channels.nameTaken(body.name, id)) {
      throw new ConflictException(`A notification channel named '${body.name}' exists`);
    }
    return this.channels.save({ ...parsed.channel, id, name: body.name, enabled: body.enabled ?? true, secret });
  }

  // ---- rules ------------------------------------------------------------------------------------------------

  async listRules(by: Principal): Promise<NotificationRuleResponseDto[]> {
    assertUnitInScope(by, null, 'Notification rules');
    return (await this.rules.list()).map(toNotificationRuleResponse);
  }

  async getRule(id: string, by: Principal): Promise<NotificationRuleResponseDto> {
    assertUnitInScope(by, null, 'Notification rules');
    return toNotificationRuleResponse(await this.ruleOr404(id));
  }

  async createRule(body: CreateNotificationRuleDto, by: Principal): Promise<NotificationRuleResponseDto> {
    assertUnitInScope(by, null, 'Notification rules');
    if ((await this.rules.count()) >= MAX_RULES) {
      throw new ConflictException(`At most ${MAX_RULES} notification rules; delete one first`);
    }
    const saved = toNotificationRuleResponse(await this.saveRule(randomUUID(), body));
    AuditTrail.change(null, saved);
    return saved;
  }

  async replaceRule(id: string, body: CreateNotificationRuleDto, by: Principal): Promise<NotificationRuleResponseDto> {
    assertUnitInScope(by, null, 'Notification rules');
    const current = toNotificationRuleResponse(await this.ruleOr404(id));
    const saved = toNotificationRuleResponse(await this.saveRule(id, body));
    AuditTrail.change(current, saved);
    return saved;
  }

  async deleteRule(id: string, by: Principal): Promise<void> {
    assertUnitInScope(by, null, 'Notification rules');
    const current = toNotificationRuleResponse(await this.ruleOr404(id));
    await this.rules.remove(id);
    AuditTrail.change(current, null);
  }

  private async ruleOr404(id: string) {
    const rule = await this.rules.find(id);
    if (rule === null) throw new NotFoundException(`Unknown notification rule '${id}'`);
    return rule;
  }

  private async saveRule(id: string, body: CreateNotificationRuleDto) {
    const definition = toNotificationRuleDefinition(body);
    const ids = [...definition.channelIds, ...definition.escalation.flatMap((s) => s.channelIds)];
    const known = await this.channels.findMany([...new Set(ids)]);
    const problems = validateNotificationRule(definition, (channelId) => known.has(channelId));
    if (problems.length > 0) throw new BadRequestException(problems);
    if (await this.rules.nameTaken(definition.name, id)) {
      throw new ConflictException(`A notification rule named '${definition.name}' exists`);
    }
    return this.rules.save(id, definition);
  }

  // ---- deliveries -------------------------------------------------------------------------------------------

  /** Newest first; a credential limited to units sees only their deliveries. */
  async deliveryPage(query: DeliveryQueryDto, by: Principal): Promise<DeliveryPageDto> {
    const limit = query.limit ?? DEFAULT_DELIVERY_PAGE;
    let beforeId: string | undefined;
    if (query.cursor !== undefined) {
      const keys = decodeCursor(CURSOR_TAG, query.cursor, 1);
      if (keys === undefined || !/^\d{1,19}$/.test(keys[0])) throw new BadRequestException(FOREIGN_CURSOR);
      beforeId = keys[0];
    }
    const rows = await this.deliveries.page({
      status: query.status,
      channelId: query.channel_id,
      alarmId: query.alarm_id,
      units: by.units,
      beforeId,
      limit: limit + 1,
    });
    const items = rows.slice(0, limit).map(toDeliveryResponse);
    const last = items.at(-1);
    return {
      items,
      limit,
      next_cursor: rows.length > limit && last !== undefined ? encodeCursor(CURSOR_TAG, [last.id]) : null,
    };
  }
}
