import { randomUUID } from 'node:crypto';
import {
  BadRequestException,
  ConflictException,
  Injectable,
  Logger,
  NotFoundException,
  type OnModuleDestroy,
  type OnModuleInit,
} from '@nestjs/common';
import { AuditLog } from '../common/audit/audit-log.service.js';
import { AuditTrail } from '../common/audit/audit-trail.js';
import { roleSatisfies } from '../common/auth/access.js';
import { assertUnitInScope, type Principal } from '../common/auth/principal.js';
import { EventBus } from '../common/bus/event-bus.js';
import type { ProcessedBatch } from '../common/bus/event-map.js';
import { FeatureRegistry } from '../common/feature/feature.registry.js';
import { ThrottledLogger } from '../common/logging/throttled-logger.js';
import { decodeCursor, encodeCursor, FOREIGN_CURSOR } from '../common/paging.js';
import { PeriodicJobs } from '../common/scheduling/periodic-jobs.js';
import { AppConfig } from '../config/app-config.js';
import { checkCommandValue, readsBack } from './command-limits.js';
import { CommandChannels, type CommandOutcomes, type SendResult } from './command-channel.js';
import { CommandMetrics, type CommandRefusal } from './command.metrics.js';
import { type CommandPoint, type CommandRecord, CommandRepository, UNIQUE_VIOLATION } from './command.repository.js';
import { type ChannelKind, commandSettingsProblems, type CommandSettings } from './command-settings.js';
import { type CommandEvent, CommandProgress, type CommandOutcome, OUTCOMES, type Transition } from './command-state.js';
import {
  type CommandPageDto,
  type CommandQueryDto,
  type CommandResponseDto,
  type CreateCommandDto,
  DEFAULT_COMMAND_PAGE,
  type SelectCommandDto,
  type SelectionResponseDto,
  toCommandResponse,
} from './dto/command.dto.js';
import { type CommandSettingsDto, toCommandSettings } from './dto/command-settings.dto.js';
import { SelectionBook } from './selection.book.js';

const CURSOR_TAG = 'cmd1';
/** A command whose deadline passed this long ago with no outcome stored has lost its instance (see expireOrphans). */
const ORPHAN_GRACE_MS = 30_000;
const ORPHAN_SWEEP_MS = 10_000;
const PRUNE_INTERVAL_MS = 300_000;

/** A command of this instance that waits for its outcome. */
interface OpenCommand {
  record: CommandRecord;
  progress: CommandProgress;
  settings: CommandSettings;
  by: Principal;
  timer?: NodeJS.Timeout;
  /** Events of one command are applied one after the other (each stores its transition). */
  chain: Promise<void>;
}

/**
 * The write path (docs/commands.md): writable points, the command API, the safety rules and every command's
 * lifecycle. A command is checked (point, limits, unit status, channel, alarms, selection, one in flight per
 * point), stored, handed to its channel once, and then only waits: for the device's ack (through CommandChannels)
 * and/or its value in the reading stream, or for its deadline. Every state change is stored, goes out on the bus as
 * `command.status_changed` (the gateway's `command_status`) and, when final, into the audit log.
 */
@Injectable()
export class CommandsService implements CommandOutcomes, OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger(CommandsService.name);
  private readonly errors = new ThrottledLogger(this.logger);
  private readonly open = new Map<string, OpenCommand>();
  /** Commands waiting for a readback, by unit then sensor type: the per-reading cost is a map lookup. */
  private readonly readbacks = new Map<string, Map<string, OpenCommand>>();
  private readonly selections: SelectionBook;
  private readonly metrics = new CommandMetrics();
  private unsubscribe?: () => void;

  constructor(
    private readonly config: AppConfig,
    private readonly repository: CommandRepository,
    private readonly channels: CommandChannels,
    private readonly bus: EventBus,
    private readonly audit: AuditLog,
    private readonly features: FeatureRegistry,
    private readonly jobs: PeriodicJobs,
  ) {
    this.selections = new SelectionBook(config.commandsSelectWindowMs);
  }

  onModuleInit(): void {
    this.channels.reportTo(this);
    this.unsubscribe = this.bus.on('readings.processed', CommandsService.name, (batch) => this.watchReadbacks(batch));
    this.features.register('commands', () => this.metrics.samples(this.channels.kinds(), this.open.size));
    this.jobs.every('commands.orphans', ORPHAN_SWEEP_MS, () => this.sweepOrphans());
    this.jobs.every(
      'commands.prune',
      PRUNE_INTERVAL_MS,
      async () => void (await this.repository.prune(this.config.commandsRetentionSeconds, this.config.commandsMaxRows)),
      { immediately: true },
    );
  }

  onModuleDestroy(): void {
    this.unsubscribe?.();
    for (const open of this.open.values()) clearTimeout(open.timer);
  }

  // ---- writable points ----------------------------------------------------------------------------------------

  async putSettings(sensorId: number, dto: CommandSettingsDto, by: Principal): Promise<CommandSettings> {
    const sensor = await this.repository.sensor(sensorId);
    if (sensor === null) throw new NotFoundException(`Unknown sensor ${sensorId}`);
    assertUnitInScope(by, sensor.unitId, `Sensor ${sensorId}`);
    const settings = toCommandSettings(dto);
    const problems = [
      ...this.channelProblems(settings.channel, sensor.unitId, sensor.sensorType),
      ...commandSettingsProblems(settings, sensor),
    ];
    if (problems.length > 0) throw new BadRequestException(problems);
    await this.repository.saveSettings(sensorId, settings);
    AuditTrail.change(sensor.command, settings);
    return settings;
  }

  async removeSettings(sensorId: number, by: Principal): Promise<void> {
    const sensor = await this.repository.sensor(sensorId);
    if (sensor === null) throw new NotFoundException(`Unknown sensor ${sensorId}`);
    assertUnitInScope(by, sensor.unitId, `Sensor ${sensorId}`);
    if (sensor.command === null) throw new NotFoundException(`Sensor ${sensorId} is not writable`);
    await this.repository.saveSettings(sensorId, null);
    AuditTrail.change(sensor.command, null);
  }

  /**
   * Makes points writable that are not yet, for a source that knows its own writable points (the simulator at
   * start). Checked like a PUT (commandSettingsProblems against each point as stored); settings an engineer has
   * set, or set meanwhile, are kept. One audit row (`command_settings.declare`, the source as actor) when any point
   * changed. Answers how many did.
   */
  async declareWritable(
    actor: string,
    points: readonly { unitId: string; sensorType: string; settings: CommandSettings }[],
  ): Promise<number> {
    const wanted = new Map(points.map((p) => [`${p.unitId}/${p.sensorType}`, p.settings]));
    const candidates = await this.repository.readOnlyPoints(points);
    const entries: { sensorId: number; settings: CommandSettings }[] = [];
    for (const point of candidates) {
      const settings = wanted.get(`${point.unitId}/${point.sensorType}`)!;
      const problems = commandSettingsProblems(settings, point);
      if (problems.length === 0) entries.push({ sensorId: point.id, settings });
      else
        this.errors.warn(
          'declare',
          `${actor} cannot declare ${point.unitId}/${point.sensorType} writable: ${problems.join('; ')}`,
        );
    }
    const declared = await this.repository.fillSettings(entries);
    if (declared > 0) {
      const types = [...new Set(points.map((p) => p.sensorType))];
      await this.audit.record({
        actor,
        actorKind: 'none',
        action: 'command_settings.declare',
        target: { sensor_types: types, points: declared },
        result: 'ok',
        oldValue: null,
        newValue: Object.fromEntries(types.map((t) => [t, points.find((p) => p.sensorType === t)!.settings])),
        detail: `${actor} declared ${declared} point(s) writable that had no command settings`,
      });
    }
    return declared;
  }

  // ---- select, operate ----------------------------------------------------------------------------------------

  async select(
    unitId: string,
    sensorType: string,
    dto: SelectCommandDto,
    by: Principal,
  ): Promise<SelectionResponseDto> {
    const { point, settings } = await this.writablePoint(unitId, sensorType);
    const value = this.checkedValue(
      unitId,
      sensorType,
      settings,
      point,
      dto.value,
      await this.repository.lastValue(point.sensorId),
    );
    const selection = this.selections.select(unitId, sensorType, value, by.id);
    const answer: SelectionResponseDto = {
      selection_id: selection.id,
      unit_id: unitId,
      sensor_type: sensorType,
      value,
      expires_at: new Date(selection.expiresAt).toISOString(),
    };
    AuditTrail.change(null, answer);
    return answer;
  }

  async issue(unitId: string, sensorType: string, dto: CreateCommandDto, by: Principal): Promise<CommandResponseDto> {
    const { point, settings } = await this.writablePoint(unitId, sensorType);
    const lastValue = await this.repository.lastValue(point.sensorId);
    const value = this.checkedValue(unitId, sensorType, settings, point, dto.value, lastValue);
    if (this.config.commandsRefusedUnitStatuses.includes(point.unitStatus as never)) {
      this.refuse('unit_status', `Unit '${unitId}' is ${point.unitStatus}: commands to it are refused`);
    }
    const channel = this.channels.get(settings.channel);
    const unavailable =
      channel === undefined ? `no '${settings.channel}' command channel runs here` : channel.unavailable();
    if (channel === undefined || unavailable !== undefined)
      this.refuse('channel_unavailable', `Cannot send: ${unavailable}`);
    if (!roleSatisfies(by.role, 'engineer') && (await this.repository.hasUnacknowledgedCritical(unitId, sensorType))) {
      this.refuse(
        'critical_alarm',
        `${unitId}/${sensorType} has an unacknowledged critical alarm: acknowledge it first, or an engineer may command`,
      );
    }
    if (settings.select_before_operate || dto.selection_id !== undefined) {
      const taken = this.selections.take(dto.selection_id, unitId, sensorType, value, by.id);
      if (!taken.ok) this.refuse('selection', taken.reason);
    }
    if ((await this.repository.openCount(unitId)) >= this.config.commandsMaxOpenPerUnit) {
      this.refuse(
        'in_flight',
        `Unit '${unitId}' has ${this.config.commandsMaxOpenPerUnit} commands in flight; wait for them`,
      );
    }
    const createdAt = new Date();
    let record: CommandRecord;
    try {
      record = await this.repository.insert({
        id: randomUUID(),
        unitId,
        sensorType,
        sensorId: point.sensorId,
        channel: settings.channel,
        value,
        previousValue: lastValue,
        confirmation: settings.confirmation,
        comment: dto.comment ?? null,
        selectionId: dto.selection_id ?? null,
        issuedBy: by.name,
        issuedById: by.id,
        createdAt,
        expiresAt: new Date(createdAt.getTime() + settings.timeout_ms),
      });
    } catch (err) {
      if ((err as { code?: string }).code === UNIQUE_VIOLATION) {
        this.refuse('in_flight', `${unitId}/${sensorType} has a command in flight; wait for its outcome`);
      }
      throw err;
    }
    this.metrics.issuedOn(settings.channel);
    AuditTrail.change({ value: lastValue }, toCommandResponse(record));
    const open = this.track(record, settings, by);
    this.bus.emit('command.status_changed', toCommandResponse(record));
    const sent = await channel.send({
      id: record.id,
      unitId,
      sensorType,
      value,
      issuedAt: record.createdAt,
      expiresAt: record.expiresAt,
    });
    for (const event of eventsOf(sent)) this.apply(open, event);
    await open.chain;
    return toCommandResponse(open.record);
  }

  // ---- reads --------------------------------------------------------------------------------------------------

  async get(id: string, by: Principal): Promise<CommandResponseDto> {
    const record = this.open.get(id)?.record ?? (await this.repository.find(id));
    if (record === null) throw new NotFoundException(`Unknown command '${id}'`);
    assertUnitInScope(by, record.unitId, `Command ${id}`);
    return toCommandResponse(record);
  }

  /** Newest first; a credential limited to units sees only theirs (a unit_id outside it is refused by the guard). */
  async page(query: CommandQueryDto, by: Principal): Promise<CommandPageDto> {
    const limit = query.limit ?? DEFAULT_COMMAND_PAGE;
    let before: { createdAt: Date; id: string } | undefined;
    if (query.cursor !== undefined) {
      const keys = decodeCursor(CURSOR_TAG, query.cursor, 2);
      const at = keys === undefined ? NaN : Date.parse(keys[0]);
      if (keys === undefined || Number.isNaN(at) || !/^[0-9a-f-]{36}$/.test(keys[1])) {
        throw new BadRequestException(FOREIGN_CURSOR);
      }
      before = { createdAt: new Date(at), id: keys[1] };
    }
    const unitIds = query.unit_id !== undefined ? [query.unit_id] : by.units;
    const rows = await this.repository.page({ unitIds, state: query.state, before, limit: limit + 1 });
    const items = rows.slice(0, limit).map(toCommandResponse);
    const last = rows.length > limit ? rows[limit - 1] : undefined;
    return {
      items,
      limit,
      next_cursor: last === undefined ? null : encodeCursor(CURSOR_TAG, [last.createdAt.toISOString(), last.id]),
    };
  }

  // ---- outcomes -----------------------------------------------------------------------------------------------

  acknowledged(
    commandId: string,
    unitId: string,
    sensorType: string,
    accepted: boolean,
    reason?: string,
  ): 'taken' | 'unknown_command' | 'topic_mismatch' {
    const open = this.open.get(commandId);
    if (open === undefined) return 'unknown_command';
    // The broker lets a device ack only on its own units' topics; the topic must also be the command's point.
    if (open.record.unitId !== unitId || open.record.sensorType !== sensorType) return 'topic_mismatch';
    this.apply(open, { type: 'ack', accepted, reason });
    return 'taken';
  }

  /** Per batch: nothing at all while no command waits for a readback; otherwise a map lookup per reading. */
  private watchReadbacks(batch: ProcessedBatch): void {
    if (this.readbacks.size === 0) return;
    for (const reading of batch.readings) {
      const open = this.readbacks.get(reading.unitId)?.get(reading.sensorType);
      if (open === undefined || reading.time < open.record.createdAt.getTime()) continue;
      if (reading.quality !== 'BAD' && readsBack(open.settings, open.record.value, reading.value)) {
        this.unwatch(open);
        this.apply(open, { type: 'readback' });
      }
    }
  }

  private track(record: CommandRecord, settings: CommandSettings, by: Principal): OpenCommand {
    const open: OpenCommand = {
      record,
      settings,
      by,
      progress: new CommandProgress(settings.confirmation),
      chain: Promise.resolve(),
    };
    this.open.set(record.id, open);
    if (open.progress.wantsReadback) {
      let units = this.readbacks.get(record.unitId);
      if (units === undefined) this.readbacks.set(record.unitId, (units = new Map<string, OpenCommand>()));
      units.set(record.sensorType, open);
    }
    open.timer = setTimeout(() => this.apply(open, { type: 'deadline' }), record.expiresAt.getTime() - Date.now());
    open.timer.unref();
    return open;
  }

  private apply(open: OpenCommand, event: CommandEvent): void {
    open.chain = open.chain
      .then(async () => {
        for (const transition of open.progress.apply(event)) await this.store(open, transition);
      })
      .catch((err: unknown) => {
        this.errors.error('store', `Command ${open.record.id}: state not stored: ${(err as Error).message}`);
      });
  }

  private async store(open: OpenCommand, transition: Transition): Promise<void> {
    const at = new Date();
    const updated = await this.repository.transition(
      open.record.id,
      transition.from,
      transition.to,
      transition.reason,
      at,
    );
    if (updated === null) {
      // Finished elsewhere meanwhile (the orphan sweep): that outcome stands.
      this.close(open);
      return;
    }
    open.record = updated;
    this.bus.emit('command.status_changed', toCommandResponse(updated));
    if (isOutcome(updated.state)) {
      this.close(open);
      this.finished(updated, updated.state, open.by);
    }
  }

  private finished(record: CommandRecord, outcome: CommandOutcome, by: Principal | undefined): void {
    this.metrics.finished(
      record.channel,
      outcome,
      (record.finishedAt ?? new Date()).getTime() - record.createdAt.getTime(),
    );
    void this.audit.record({
      actor: record.issuedBy,
      actorKind: by?.kind ?? 'none',
      actorId: record.issuedById,
      role: by?.role,
      action: 'commands.outcome',
      target: {
        command_id: record.id,
        unit_id: record.unitId,
        sensor_type: record.sensorType,
        channel: record.channel,
      },
      result: outcome === 'confirmed' ? 'ok' : 'failed',
      oldValue: { value: record.previousValue },
      newValue: { value: record.value, state: outcome },
      detail: record.reason ?? undefined,
    });
  }

  private close(open: OpenCommand): void {
    clearTimeout(open.timer);
    this.open.delete(open.record.id);
    this.unwatch(open);
  }

  private unwatch(open: OpenCommand): void {
    const units = this.readbacks.get(open.record.unitId);
    if (units?.get(open.record.sensorType) !== open) return;
    units.delete(open.record.sensorType);
    if (units.size === 0) this.readbacks.delete(open.record.unitId);
  }

  private async sweepOrphans(): Promise<void> {
    for (const record of await this.repository.expireOrphans(ORPHAN_GRACE_MS)) {
      const open = this.open.get(record.id);
      if (open !== undefined) this.close(open);
      this.bus.emit('command.status_changed', toCommandResponse(record));
      this.finished(record, 'timed_out', open?.by);
    }
  }

  // ---- checks -------------------------------------------------------------------------------------------------

  private async writablePoint(
    unitId: string,
    sensorType: string,
  ): Promise<{ point: CommandPoint; settings: CommandSettings }> {
    const point = await this.repository.point(unitId, sensorType);
    if (point === null) {
      if (!(await this.repository.unitExists(unitId))) throw new NotFoundException(`Unknown unit '${unitId}'`);
      throw new NotFoundException(`Unit '${unitId}' has no sensor '${sensorType}'`);
    }
    if (point.command === null) {
      this.metrics.refusedFor('not_writable');
      throw new BadRequestException(
        `${unitId}/${sensorType} is not writable: an engineer declares it with PUT /api/v1/scada/sensors/${point.sensorId}/command-settings`,
      );
    }
    const channelProblem = this.channels.get(point.command.channel)?.pointProblem?.(unitId, sensorType);
    if (channelProblem !== undefined) {
      this.metrics.refusedFor('not_writable');
      throw new BadRequestException(`${unitId}/${sensorType} cannot be commanded now: ${channelProblem}`);
    }
    const problems = commandSettingsProblems(point.command, point);
    if (problems.length > 0) {
      this.metrics.refusedFor('not_writable');
      throw new BadRequestException(
        `The command settings of ${unitId}/${sensorType} no longer fit the point (${problems.join('; ')}); an engineer must renew them`,
      );
    }
    return { point, settings: point.command };
  }

  /** Settings naming a channel that does not run here, or that cannot reach this point. */
  private channelProblems(kind: ChannelKind, unitId: string, sensorType: string): string[] {
    const channel = this.channels.get(kind);
    if (channel === undefined) {
      return [`channel '${kind}' has no command channel here; use ${this.channels.kinds().join(' or ')}`];
    }
    const problem = channel.pointProblem?.(unitId, sensorType);
    return problem === undefined ? [] : [problem];
  }

  /** The limits' answer, then the channel's (whether the value fits what the device holds). */
  private checkedValue(
    unitId: string,
    sensorType: string,
    settings: CommandSettings,
    point: CommandPoint,
    requested: CreateCommandDto['value'],
    lastValue: number | null,
  ): number {
    const check = checkCommandValue(settings, point, requested, lastValue);
    const problem = check.ok
      ? this.channels.get(settings.channel)?.valueProblem?.(unitId, sensorType, check.value)
      : check.reason;
    if (check.ok && problem === undefined) return check.value;
    this.metrics.refusedFor('limits');
    throw new BadRequestException(problem);
  }

  private refuse(reason: CommandRefusal, message: string): never {
    this.metrics.refusedFor(reason);
    throw new ConflictException(message);
  }
}

const isOutcome = (state: string): state is CommandOutcome => (OUTCOMES as readonly string[]).includes(state);

/** The events a channel's answer to `send` stands for. */
function eventsOf(result: SendResult): CommandEvent[] {
  switch (result.outcome) {
    case 'sent':
      return [{ type: 'sent' }];
    case 'accepted':
      return [{ type: 'sent' }, { type: 'ack', accepted: true }];
    case 'rejected':
      return [{ type: 'sent' }, { type: 'ack', accepted: false, reason: result.reason }];
    case 'failed':
      return [{ type: 'send_failed', reason: result.reason }];
  }
}
