import {
  ConflictException,
  Inject,
  Injectable,
  Logger,
  NotFoundException,
  type OnModuleDestroy,
  type OnModuleInit,
} from '@nestjs/common';
import { AuditTrail } from '../common/audit/audit-trail.js';
import { DatabasePool } from '../common/database/database.pool.js';
import { ThrottledLogger } from '../common/logging/throttled-logger.js';
import { FeatureRegistry, type MetricSample } from '../common/feature/feature.registry.js';
import { RUNTIME_INFO, type RuntimeInfo } from '../config/runtime.js';
import { newDeviceCredential, normalisedUnits } from './device-credential.js';
import { type DeviceRecord, DeviceRepository } from './device.repository.js';

/**
 * How often the embedded broker's device list is read again: a device created or revoked on another instance (or
 * by the CLI) is known here within this time; here, at once. One query per interval, never one per CONNECT.
 */
const REFRESH_MS = 10_000;

/**
 * Device credentials: created (the password shown once), listed, revoked. With the embedded broker, also keeps its
 * gate's device list current and reports its refusals in /metrics.
 */
@Injectable()
export class DevicesService implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger('Devices');
  private readonly errorLog = new ThrottledLogger(this.logger, 60_000);
  private readonly repository: DeviceRepository;
  private timer: NodeJS.Timeout | undefined;
  private activeDevices = 0;

  constructor(
    db: DatabasePool,
    @Inject(RUNTIME_INFO) private readonly runtime: RuntimeInfo,
    private readonly metrics: FeatureRegistry,
  ) {
    this.repository = new DeviceRepository(db);
  }

  /** Before the backend connects (a bootstrap hook): devices can connect as soon as the broker accepts anyone. */
  async onModuleInit(): Promise<void> {
    const gate = this.runtime.brokerGate;
    if (gate === undefined) return;
    this.metrics.register('devices', () => this.samples());
    await this.refresh();
    this.timer = setInterval(() => void this.refresh(), REFRESH_MS);
    this.timer.unref();
  }

  onModuleDestroy(): void {
    clearInterval(this.timer);
  }

  async create(
    input: { name: string; units: readonly string[]; publish_status?: boolean; sparkplug_nodes?: readonly string[] },
    by: string | null,
  ): Promise<{ record: DeviceRecord; password: string }> {
    const credential = newDeviceCredential();
    const inserted = await this.repository.insert({
      ...credential,
      name: input.name,
      units: normalisedUnits(input.units),
      publishStatus: input.publish_status ?? false,
      sparkplugNodes: [...new Set(input.sparkplug_nodes ?? [])].sort(),
      createdBy: by,
    });
    if (!inserted) {
      throw new ConflictException(
        `An active device named '${input.name}' exists; revoke it first or pick another name`,
      );
    }
    const record = (await this.repository.find(credential.id))!;
    AuditTrail.change(null, record);
    await this.refresh();
    return { record, password: credential.secret };
  }

  list(includeRevoked: boolean): Promise<DeviceRecord[]> {
    return this.repository.list(includeRevoked);
  }

  /** Revokes a device: refused at its next CONNECT, and its open connections to the embedded broker closed. */
  async revoke(id: string, by: string | null): Promise<DeviceRecord> {
    const before = await this.repository.find(id);
    if (before === undefined) throw new NotFoundException(`Unknown device '${id}'`);
    const after = (await this.repository.revoke(id, by))!;
    AuditTrail.change(before, after);
    await this.refresh();
    return after;
  }

  /** Hands the active devices to the embedded broker's gate. While the database fails, the last list stays. */
  private async refresh(): Promise<void> {
    const gate = this.runtime.brokerGate;
    if (gate === undefined) return;
    try {
      const devices = await this.repository.active();
      gate.setDevices(devices);
      this.activeDevices = devices.length;
    } catch (err) {
      this.errorLog.error(
        'refresh',
        `Cannot read the MQTT devices: ${err instanceof Error ? err.message : String(err)}`,
      );
    }
  }

  private *samples(): Iterable<MetricSample> {
    yield {
      name: 'scada_mqtt_devices',
      help: 'Active device credentials the embedded broker knows',
      type: 'gauge',
      value: this.activeDevices,
    };
    for (const [reason, value] of this.runtime.brokerGate?.refused ?? []) {
      yield {
        name: 'scada_mqtt_auth_refused_total',
        help: 'Connections, publishes and subscriptions the embedded broker refused, by reason',
        type: 'counter',
        value,
        labels: { reason },
      };
    }
  }
}
