import { isDeepStrictEqual } from 'node:util';
import {
  BadRequestException,
  ConflictException,
  Injectable,
  Logger,
  NotFoundException,
  type OnApplicationBootstrap,
  type OnModuleDestroy,
} from '@nestjs/common';
import { AuditTrail } from '../common/audit/audit-trail.js';
import { ANONYMOUS, assertUnitInScope, mayAccessUnit, type Principal } from '../common/auth/principal.js';
import { EventBus } from '../common/bus/event-bus.js';
import { ThrottledLogger } from '../common/logging/throttled-logger.js';
import { AppConfig } from '../config/app-config.js';
import { OutboundHostPolicy } from '../notifications/outbound-host.policy.js';
import { PipelineStats } from '../pipeline/pipeline-stats.js';
import { Batcher } from '../processor/batcher.js';
import { SensorDeclarations } from '../telemetry/sensor-declaration.service.js';
import { deviceProblems } from './device.validator.js';
import { DevicePoller, type PointResult, type PollerSnapshot, type WriteOutcome } from './device.poller.js';
import { ModbusDeviceRepository } from './modbus-device.repository.js';
import { isBitArea, type ModbusDevice, type ModbusDeviceConfig } from './register-map.js';
import { planWrite } from './write.planner.js';

/** A device as the API reports it: its configuration and how its polling goes. */
export interface DeviceState {
  device: ModbusDevice;
  /** Why a stored device is not polled (its host is no longer in MODBUS_ALLOWED_HOSTS). */
  refused?: string;
  poller?: PollerSnapshot;
}

/** The Modbus source as /health, /metrics and the status read it. */
export interface ModbusSnapshot {
  devices: DeviceState[];
  readings: number;
  batches: number;
}

function unitsOf(device: ModbusDeviceConfig): string[] {
  return [...new Set(device.points.map((p) => p.unitId))];
}

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/**
 * The Modbus TCP devices: stored (ModbusDeviceRepository), restored and polled at start-up, changed over REST. Each
 * device has its own DevicePoller; their results go through the one shared Batcher as `readings.received`, like
 * MQTT's and OPC UA's, stamped with the poll time. A device is addressed by its own id and maps points of one or
 * more units, so every unit of it is checked against the caller's scope (a caller limited to UNIT001 neither sees
 * nor changes a device that also feeds UNIT002).
 */
@Injectable()
export class ModbusDevicesService implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(ModbusDevicesService.name);
  private readonly throttled = new ThrottledLogger(this.logger);
  private readonly devices = new Map<string, ModbusDevice>();
  private readonly pollers = new Map<string, DevicePoller>();
  private readonly refused = new Map<string, string>();
  private readonly hosts: OutboundHostPolicy;
  private readonly batcher: Batcher;
  /** Settled once the stored devices are restored: `ensure` must not take a stored device for a missing one. */
  private readonly restored: Promise<void>;
  private markRestored!: () => void;

  constructor(
    private readonly config: AppConfig,
    bus: EventBus,
    private readonly stats: PipelineStats,
    private readonly repository: ModbusDeviceRepository,
    private readonly declarations: SensorDeclarations,
  ) {
    // The simulator's own Modbus server (SIMULATOR_MODBUS_PORT) is allowed by itself, and only its host and port.
    const own = config.simulatorModbus;
    const simulator =
      own === undefined
        ? []
        : [`${own.connectHost.includes(':') ? `[${own.connectHost}]` : own.connectHost}:${own.port}`];
    this.restored = new Promise((resolve) => (this.markRestored = resolve));
    this.hosts = new OutboundHostPolicy(
      [...config.modbusAllowedHosts, ...simulator],
      'MODBUS_ALLOWED_HOSTS',
      'devices',
    );
    // Poll results need no acknowledgement: batches go out on size and window only.
    this.batcher = new Batcher({
      maxMessages: config.ingestBatchSize,
      windowMs: config.ingestBatchWindowMs,
      sink: (batch) => bus.emit('readings.received', batch),
    });
  }

  async onApplicationBootstrap(): Promise<void> {
    try {
      for (const device of await this.repository.list()) {
        this.devices.set(device.id, device);
        await this.declare(device);
        this.start(device);
      }
    } finally {
      this.markRestored();
    }
    if (this.devices.size > 0) this.logger.log(`Polling ${this.pollers.size} of ${this.devices.size} Modbus devices`);
  }

  async onModuleDestroy(): Promise<void> {
    await Promise.all([...this.pollers.values()].map((p) => p.stop()));
    this.pollers.clear();
    this.batcher.flush();
  }

  /** Every device whose units are all in the caller's scope. */
  list(by: Principal): DeviceState[] {
    return [...this.devices.values()]
      .filter((d) => unitsOf(d).every((u) => mayAccessUnit(by, u)))
      .map((d) => this.state(d));
  }

  get(id: string, by: Principal): DeviceState {
    return this.state(this.load(id, by));
  }

  async create(config: ModbusDeviceConfig, by: Principal): Promise<DeviceState> {
    this.check(config, by);
    if (this.devices.size >= this.config.modbusMaxDevices) {
      throw new ConflictException(`At most ${this.config.modbusMaxDevices} Modbus devices (MODBUS_MAX_DEVICES)`);
    }
    const device = await this.repository.insert(config);
    if (device === undefined) throw new ConflictException(`A Modbus device named '${config.name}' exists already`);
    this.devices.set(device.id, device);
    await this.declare(device);
    this.start(device);
    this.logger.log(`Modbus device ${device.name} (${device.host}:${device.port}): ${device.points.length} points`);
    return this.state(device);
  }

  /**
   * Makes the device named `config.name` have this configuration, for a source that declares its own devices (the
   * simulator's Modbus server): created when missing, replaced when it differs (an engineer's edit of it does not
   * survive the next start), left alone when equal. The same rules as the API's, with no caller scope to check.
   */
  async ensure(config: ModbusDeviceConfig): Promise<'created' | 'updated' | 'unchanged'> {
    await this.restored;
    const existing = [...this.devices.values()].find((d) => d.name === config.name);
    if (existing === undefined) {
      await this.create(config, ANONYMOUS);
      return 'created';
    }
    const { name, host, port, modbusUnitId, pollIntervalMs, timeoutMs, maxGap, points } = existing;
    const current: ModbusDeviceConfig = { name, host, port, modbusUnitId, pollIntervalMs, timeoutMs, maxGap, points };
    if (isDeepStrictEqual(current, config)) return 'unchanged';
    await this.update(existing.id, config, ANONYMOUS);
    return 'updated';
  }

  /** Replaces a device's configuration; its poller restarts with the new register map. */
  async update(id: string, config: ModbusDeviceConfig, by: Principal): Promise<DeviceState> {
    const old = this.load(id, by);
    this.check(config, by, id);
    const device = await this.repository.update(id, config);
    if (device === undefined) {
      if (!this.devices.has(id)) throw new NotFoundException(`Unknown Modbus device '${id}'`);
      throw new ConflictException(`A Modbus device named '${config.name}' exists already`);
    }
    await this.stop(id);
    this.devices.set(id, device);
    await this.declare(device);
    this.start(device);
    AuditTrail.change(old, device);
    return this.state(device);
  }

  async remove(id: string, by: Principal): Promise<DeviceState> {
    const device = this.load(id, by);
    const state = this.state(device);
    if (!(await this.repository.remove(id))) throw new NotFoundException(`Unknown Modbus device '${id}'`);
    await this.stop(id);
    this.devices.delete(id);
    this.logger.log(`Removed Modbus device ${device.name}`);
    return state;
  }

  /** One read of every point now, for commissioning; nothing goes down the pipeline. */
  async readNow(id: string, by: Principal): Promise<{ device: ModbusDevice; readAt: Date; results: PointResult[] }> {
    const device = this.load(id, by);
    const poller = this.pollers.get(id);
    if (poller === undefined)
      throw new ConflictException(this.refused.get(id) ?? `Modbus device '${id}' is not polled`);
    const readAt = new Date();
    return { device, readAt, results: await poller.readNow() };
  }

  /** Writes a commanded value to the point that feeds unit/sensor (the commands API has checked role and scope). */
  async write(unitId: string, sensorType: string, value: number): Promise<WriteOutcome> {
    for (const device of this.devices.values()) {
      const point = device.points.find((p) => p.unitId === unitId && p.sensorType === sensorType);
      if (point === undefined) continue;
      const poller = this.pollers.get(device.id);
      if (poller === undefined)
        return { ok: false, exception: false, reason: `Modbus device ${device.name} is not polled` };
      const request = planWrite(point, value);
      if ('problem' in request) return { ok: false, exception: true, reason: request.problem };
      return poller.write(request);
    }
    return { ok: false, exception: false, reason: `no Modbus point feeds ${unitId}/${sensorType}` };
  }

  snapshot(): ModbusSnapshot {
    return {
      devices: [...this.devices.values()].map((d) => this.state(d)),
      readings: this.batcher.readingsEmitted,
      batches: this.batcher.batchesEmitted,
    };
  }

  private state(device: ModbusDevice): DeviceState {
    return { device, refused: this.refused.get(device.id), poller: this.pollers.get(device.id)?.snapshot() };
  }

  /** The device, after checking all its units against the caller's scope (403), or 404. */
  private load(id: string, by: Principal): ModbusDevice {
    const device = this.devices.get(id);
    if (device === undefined) throw new NotFoundException(`Unknown Modbus device '${id}'`);
    for (const unit of unitsOf(device)) assertUnitInScope(by, unit, `Modbus device ${id}`);
    return device;
  }

  /** The rules a configuration must meet: scope, the validator's, and no sensor fed by another device. */
  private check(config: ModbusDeviceConfig, by: Principal, self?: string): void {
    for (const unit of unitsOf(config)) assertUnitInScope(by, unit, `A point of unit ${unit}`);
    const problems = deviceProblems(config, this.hosts);
    if (problems.length > 0) throw new BadRequestException(problems);
    const fed = new Map<string, ModbusDevice>();
    for (const other of this.devices.values()) {
      if (other.id === self) continue;
      for (const p of other.points) fed.set(`${p.unitId}/${p.sensorType}`, other);
    }
    for (const p of config.points) {
      const other = fed.get(`${p.unitId}/${p.sensorType}`);
      if (other)
        throw new ConflictException(`${p.unitId}/${p.sensorType} is already fed by Modbus device ${other.name}`);
    }
  }

  private start(device: ModbusDevice): void {
    const refused = this.hosts.problem(device.host, device.port);
    if (refused !== undefined) {
      this.refused.set(device.id, refused);
      this.logger.warn(`Not polling Modbus device ${device.name}: ${refused}`);
      return;
    }
    this.refused.delete(device.id);
    const poller = new DevicePoller(device, (d, results, pollTime) => this.take(d, results, pollTime), {
      reconnectMaxMs: this.config.modbusReconnectMaxMs,
    });
    this.pollers.set(device.id, poller);
    poller.start();
  }

  private async stop(id: string): Promise<void> {
    const poller = this.pollers.get(id);
    this.pollers.delete(id);
    this.refused.delete(id);
    await poller?.stop();
  }

  /** Registers the device's sensors; bits are digital points (a kind an engineer set is kept). */
  private async declare(device: ModbusDevice): Promise<void> {
    try {
      await this.declarations.declare(
        device.points.map((p) => ({
          unitId: p.unitId,
          sensorType: p.sensorType,
          kind: isBitArea(p.area) ? ('digital' as const) : undefined,
        })),
      );
    } catch (err) {
      // The readings register their sensors anyway (within the caps); only the digital kind waits.
      this.throttled.warn('declare', `Declaring the sensors of Modbus device ${device.name}: ${message(err)}`);
    }
  }

  /** One poll's results into the open batch: per point only an array push, no promise, no I/O. */
  private take(device: ModbusDevice, results: readonly PointResult[], pollTime: number): void {
    const receivedAt = performance.timeOrigin + performance.now();
    const points = device.points;
    for (let i = 0; i < results.length; i++) {
      const r = results[i];
      this.batcher.add(undefined, {
        reading: {
          unitId: points[i].unitId,
          sensorType: points[i].sensorType,
          value: r.value,
          quality: r.quality,
          timestamp: pollTime,
          receivedAt,
          source: 'modbus',
        },
      });
    }
    this.stats.received += results.length;
  }
}
