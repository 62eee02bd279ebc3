import { Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { AuditLog } from '../common/audit/audit-log.service.js';
import { CommandsService } from '../commands/commands.service.js';
import { AppConfig } from '../config/app-config.js';
import { ModbusDevicesService } from '../modbus/modbus-devices.service.js';
import { SensorDeclarations } from '../telemetry/sensor-declaration.service.js';
import { type BankCounts, SimulatorRegisterBank } from './modbus-register.bank.js';
import { modbusSimulatedSensors, modbusSimulatedWritablePoints, simulatorDeviceConfig } from './modbus-sim.devices.js';
import { ModbusSimServer } from './modbus-sim.server.js';
import type { PlantModel, PlantTick } from './plant-model.js';

/** The simulator's Modbus server's part of /health. */
export interface ModbusSimHealth extends BankCounts {
  enabled: boolean;
  listening: boolean;
  endpoint?: string;
  /** Units served, as Modbus unit ids 1 to this. */
  units: number;
  /** Devices simulator-UNITnnn the backend polls it with. */
  devices: number;
  last_error?: string;
}

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/**
 * Runs the simulator's Modbus TCP server when SIMULATOR_MODBUS_PORT is set, fed by every tick of the running
 * simulator (like the OPC UA demo server), and points the backend's Modbus source at it: at start-up it makes sure
 * there is one device `simulator-UNITnnn` per served unit, feeding unit MB-UNITnnn, with the setpoint and pump
 * writable through the commands API (channel modbus). Only this server's host and port are let past
 * MODBUS_ALLOWED_HOSTS (ModbusDevicesService). A server that cannot start (port taken) is logged and reported; the
 * backend runs on without it.
 */
@Injectable()
export class ModbusSimService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(ModbusSimService.name);
  private bank?: SimulatorRegisterBank;
  private server?: ModbusSimServer;
  private lastError?: string;
  private devices = 0;
  private registering?: Promise<void>;

  constructor(
    private readonly config: AppConfig,
    private readonly modbus: ModbusDevicesService,
    private readonly declarations: SensorDeclarations,
    private readonly commands: CommandsService,
    private readonly audit: AuditLog,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const own = this.config.simulatorModbus;
    if (own === undefined) return;
    const bank = new SimulatorRegisterBank(this.config.simulatorUnits);
    const server = new ModbusSimServer(bank, own.bindHost, own.port);
    try {
      await server.start();
    } catch (err) {
      this.lastError = message(err);
      this.logger.error(`Simulator Modbus server did not start on ${own.bindHost}:${own.port}: ${this.lastError}`);
      return;
    }
    this.bank = bank;
    this.server = server;
    this.logger.log(
      `Simulator Modbus TCP server on ${own.bindHost}:${own.port}: unit ids 1-${bank.unitCount} ` +
        `(float32 input registers 0-7, setpoint holding 0-1, pump coil 0)`,
    );
    // In the background: it waits for the Modbus source to restore its stored devices (a bootstrap hook of its own,
    // in an order Nest does not promise), and readiness need not wait for it.
    this.registering = this.registerDevices(bank.unitCount, own.connectHost, own.port).catch((err: unknown) =>
      this.logger.warn(`Simulator Modbus devices not registered: ${message(err)}`),
    );
  }

  async onApplicationShutdown(): Promise<void> {
    await this.registering;
    await this.server?.stop();
    this.server = undefined;
  }

  /** Called by the simulator with every tick it publishes. */
  publish(tick: PlantTick, plant: PlantModel): void {
    this.bank?.update(tick, plant);
  }

  /** The simulator stopped: the units stop answering. */
  detach(): void {
    this.bank?.detach();
  }

  health(): ModbusSimHealth {
    const own = this.config.simulatorModbus;
    return {
      enabled: own !== undefined,
      listening: this.server?.listening ?? false,
      endpoint: own === undefined ? undefined : `${own.bindHost}:${own.port}`,
      units: this.bank?.unitCount ?? 0,
      devices: this.devices,
      reads: this.bank?.counts.reads ?? 0,
      writes: this.bank?.counts.writes ?? 0,
      exceptions: this.bank?.counts.exceptions ?? 0,
      last_error: this.lastError,
    };
  }

  /**
   * Labels first (so the pump is a digital point with its OFF/ON names), then the devices, then the writable points
   * (their sensors exist by then). Each step that fails is logged; the server keeps serving.
   */
  private async registerDevices(units: number, host: string, port: number): Promise<void> {
    try {
      await this.declarations.declare(modbusSimulatedSensors(units));
    } catch (err) {
      this.logger.warn(`Simulator Modbus sensors not labelled: ${message(err)}`);
    }
    const changed: Record<string, string> = {};
    for (let i = 0; i < units; i++) {
      const config = simulatorDeviceConfig(i, host, port, this.config.simulatorIntervalMs);
      try {
        const outcome = await this.modbus.ensure(config);
        this.devices++;
        if (outcome !== 'unchanged') changed[config.name] = outcome;
      } catch (err) {
        this.lastError = `${config.name}: ${message(err)}`;
        this.logger.warn(`Simulator Modbus device not registered: ${this.lastError}`);
        break;
      }
    }
    if (Object.keys(changed).length > 0) {
      await this.audit.record({
        actor: 'simulator',
        actorKind: 'none',
        action: 'modbus_devices.declare',
        target: { devices: Object.keys(changed) },
        result: 'ok',
        newValue: changed,
        detail: `The simulator's Modbus server (SIMULATOR_MODBUS_PORT ${port}) declared its devices`,
      });
    }
    this.logger.log(
      `Simulator Modbus devices: ${this.devices} polled (${Object.keys(changed).length} created or updated)`,
    );
    try {
      await this.commands.declareWritable('simulator', modbusSimulatedWritablePoints(this.devices));
    } catch (err) {
      this.logger.warn(`Simulator Modbus points not declared writable: ${message(err)}`);
    }
  }
}
