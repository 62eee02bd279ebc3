import { randomInt } from 'node:crypto';
import {
  BadRequestException,
  ConflictException,
  Inject,
  Injectable,
  Logger,
  NotFoundException,
  type OnApplicationShutdown,
  type OnModuleInit,
} from '@nestjs/common';
import { EventBus } from '../common/bus/event-bus.js';
import { ThrottledLogger } from '../common/logging/throttled-logger.js';
import { AppConfig } from '../config/app-config.js';
import { RUNTIME_INFO, type RuntimeInfo } from '../config/runtime.js';
import { CommandsService } from '../commands/commands.service.js';
import { SensorDeclarations } from '../telemetry/sensor-declaration.service.js';
import { ModbusSimService } from './modbus-sim.service.js';
import { OpcuaDemoService } from './opcua-demo.service.js';
import { PlantModel, unitIdOf, type ActiveScenario } from './plant-model.js';
import { RateMeter } from './rate-meter.js';
import { planRun, SEEDED_MODEL_START_MS, type RunDefaults, type RunPlan, type RunRequest } from './run-settings.js';
import { isScenarioName, SCENARIO_NAMES } from './scenarios.js';
import type { Seed } from './seeded-random.js';
import { simulatedSensors, simulatedWritablePoints } from './sensor-labels.js';
import { type CommandCounts, SimulatorCommandHandler } from './simulator-command.handler.js';
import { SimulatorPublisher } from './simulator.publisher.js';
import { SENSOR_COUNT } from './unit-model.js';

/** Ticks by outcome. A skipped tick sends nothing and does not advance the model. */
export interface TickCounts {
  published: number;
  /** Grid points skipped because the process was more than a second behind when their turn came. */
  skippedLate: number;
  /** Ticks skipped because the socket buffer or the QoS 1 in-flight window was full. */
  skippedBackpressure: number;
  /** Ticks skipped while the simulator's MQTT connection was down. */
  skippedDisconnected: number;
}

/** What the simulator is doing, or did in its last run. */
export interface SimulatorSnapshot {
  running: boolean;
  connected: boolean;
  units: number;
  intervalMs: number;
  qos: 0 | 1;
  /** Null for an unseeded run (random seed, model clock = wall clock). */
  seed: Seed | null;
  startedAt?: number;
  stoppedAt?: number;
  /** Time of the newest published tick: every reading it sent carries this timestamp. */
  lastTickAt?: number;
  targetRate: number;
  achievedRate: number;
  readingsPublished: number;
  statusMessagesPublished: number;
  ticks: TickCounts;
  /** Commands received on the units' `.../set` topics, by what the simulator did with them. */
  commands: CommandCounts;
  activeScenarios: ActiveScenario[];
}

export interface InjectCommand {
  scenario: string;
  unitId: string;
  durationS?: number;
  sensor?: string;
}

interface Run {
  readonly plan: RunPlan;
  readonly plant: PlantModel;
  readonly units: ReadonlySet<string>;
  readonly publisher: SimulatorPublisher;
  /** Tick k is due at origin + k × interval. */
  readonly originMs: number;
  readonly startedAt: number;
  readonly meter: RateMeter;
  readonly ticks: TickCounts;
  readonly commands: SimulatorCommandHandler;
  next: number;
  active: boolean;
  timer?: NodeJS.Timeout;
  lastTickAt?: number;
  stoppedAt?: number;
}

/** How far behind its grid the simulator still sends a tick (late, with its own timestamp) rather than skip it. */
const CATCH_UP_MS = 1000;
/** How long a start waits for the broker before answering (the connection keeps trying after that). */
const CONNECT_WAIT_MS = 5000;

/**
 * Runs the plant simulator as a protocol gateway would: its own MQTT connection to the configured broker, readings
 * published every tick on a fixed time grid, so everything it sends takes the same path as real equipment's data.
 * The plant itself (signals, status changes, scenarios) is the pure PlantModel; this class owns time and I/O.
 */
@Injectable()
export class SimulatorService implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(SimulatorService.name);
  private readonly skipLog = new ThrottledLogger(this.logger);
  private readonly defaults: RunDefaults;
  /** What a start with no settings runs; shown by the status before the first start. */
  private readonly defaultPlan: RunPlan;
  private run: Run | undefined;
  /** The previous run's disconnect, which a new start waits for (both use the same client id). */
  private ending: Promise<void> = Promise.resolve();
  private autostartDone = false;
  /** A start in progress (connecting): further starts get 409, a stop waits for it. */
  private starting: Promise<SimulatorSnapshot> | undefined;

  constructor(
    private readonly config: AppConfig,
    @Inject(RUNTIME_INFO) private readonly runtime: RuntimeInfo,
    private readonly bus: EventBus,
    private readonly opcuaDemo: OpcuaDemoService,
    private readonly sensorDeclarations: SensorDeclarations,
    private readonly commandsService: CommandsService,
    private readonly modbusSim: ModbusSimService,
  ) {
    this.defaults = {
      units: config.simulatorUnits,
      intervalMs: config.simulatorIntervalMs,
      rate: config.simulatorRate,
      seed: config.simulatorSeed,
    };
    const planned = planRun({}, this.defaults);
    // AppConfig has already refused settings that cannot be planned.
    if (!planned.ok) throw new Error(planned.error);
    this.defaultPlan = planned.plan;
  }

  /**
   * Autostart waits for the backend's own MQTT subscription, so the first ticks are not published to nobody.
   * Subscribing here (before any bootstrap hook connects) cannot miss that event.
   */
  onModuleInit(): void {
    if (!this.config.simulatorAutostart) return;
    const off = this.bus.on('mqtt.connection_changed', SimulatorService.name, (change) => {
      if (!change.connected || this.autostartDone) return;
      this.autostartDone = true;
      off();
      this.start().catch((err: unknown) =>
        this.logger.error(`Simulator autostart failed: ${err instanceof Error ? err.message : String(err)}`),
      );
    });
  }

  async onApplicationShutdown(): Promise<void> {
    await this.stop();
  }

  /** Starts a run. Refuses (409) while one is running: a silent restart would drop the scenarios being rehearsed. */
  async start(request: RunRequest = {}): Promise<SimulatorSnapshot> {
    if (this.run?.active || this.starting !== undefined) {
      throw new ConflictException(
        'The simulator is already running; POST /api/v1/scada/simulator/stop first to start it with other settings',
      );
    }
    if (!this.runtime.brokerEmbedded && !this.config.simulatorAllowExternal) {
      throw new ConflictException(
        `The simulator publishes fake readings: it refuses to start on an external broker ` +
          `(${this.runtime.brokerHost}:${this.runtime.brokerPort}) unless SIMULATOR_ALLOW_EXTERNAL=true`,
      );
    }
    const planned = planRun(request, this.defaults);
    if (!planned.ok) throw new BadRequestException(planned.error);
    this.autostartDone = true;
    // Claimed synchronously, so a concurrent start gets its 409 and a stop waits for this start to finish.
    const starting = this.launch(planned.plan).finally(() => (this.starting = undefined));
    this.starting = starting;
    return await starting;
  }

  /** Stops publishing at once; answers with the final figures. Stopping a stopped simulator is not an error. */
  async stop(): Promise<SimulatorSnapshot> {
    this.autostartDone = true;
    await this.starting?.catch(() => undefined);
    const run = this.run;
    if (run?.active) {
      run.active = false;
      run.stoppedAt = Date.now();
      clearTimeout(run.timer);
      this.modbusSim.detach();
      this.ending = run.publisher
        .end()
        .catch((err: unknown) =>
          this.logger.warn(`Simulator disconnect: ${err instanceof Error ? err.message : String(err)}`),
        );
      await this.ending;
      this.logger.log(
        `Simulator stopped after ${run.ticks.published} ticks, ${run.publisher.readingsPublished} readings`,
      );
    }
    return this.status();
  }

  /** Starts a scenario on a unit of the running plant; it reverts by itself after its duration. */
  inject(command: InjectCommand): ActiveScenario {
    const run = this.run;
    if (!run?.active) {
      throw new ConflictException('The simulator is not running; POST /api/v1/scada/simulator/start first');
    }
    if (!isScenarioName(command.scenario)) {
      throw new BadRequestException(
        `Unknown scenario '${command.scenario}'; known: ${SCENARIO_NAMES.join(', ')} (GET /api/v1/scada/simulator/scenarios)`,
      );
    }
    if (!run.units.has(command.unitId)) {
      const ids = run.plant.unitIds;
      throw new NotFoundException(
        `Unknown unit '${command.unitId}': the simulator runs ${ids[0]} to ${ids[ids.length - 1]}`,
      );
    }
    const result = run.plant.inject({
      scenario: command.scenario,
      unitId: command.unitId,
      startMs: Date.now(),
      durationMs: command.durationS === undefined ? undefined : command.durationS * 1000,
      sensor: command.sensor,
    });
    if (!result.ok) throw new BadRequestException(result.error);
    this.logger.log(
      `Scenario ${result.scenario.scenario} on ${result.scenario.unitId} until ${new Date(result.scenario.endMs).toISOString()}`,
    );
    return result.scenario;
  }

  /**
   * Connects first, then lays the time grid, so the first tick does not fall before the connection is up. A broker
   * that does not answer within CONNECT_WAIT_MS does not fail the start: the run begins, and its ticks count as
   * skipped while mqtt.js keeps reconnecting.
   */
  private async launch(plan: RunPlan): Promise<SimulatorSnapshot> {
    await this.ending;
    // On the embedded broker the simulator has an identity of its own, generated at this start, which may take the
    // command topics of this run's units (set before it connects: a connection keeps the identity it logged in as).
    const gate = this.runtime.brokerGate;
    gate?.setSimulatorUnits(Array.from({ length: plan.units }, (_, i) => unitIdOf(i)));
    const own = gate?.simulator;
    const publisher = new SimulatorPublisher({
      host: this.runtime.brokerHost,
      port: this.runtime.brokerPort,
      clientId: `${this.config.mqttClientId}_simulator`,
      username: own?.username ?? this.config.mqttUsername,
      password: own?.password ?? this.config.mqttPassword,
      keepalive: this.config.mqttKeepalive,
      topicPrefix: this.config.mqttTopicPrefix,
      qos: this.config.simulatorQos,
    });
    await publisher.waitConnected(CONNECT_WAIT_MS);
    // Before the time grid is laid: however long the database takes, no tick of the run is late because of it.
    await this.declareSensors(plan.units);

    const startedAt = Date.now();
    // Ticks on whole seconds and their multiples of the interval, as a polling gateway stamps its readings.
    const originMs = Math.ceil(startedAt / 1000) * 1000;
    const plant = new PlantModel({
      seed: plan.seed ?? randomInt(0, 2 ** 32),
      units: plan.units,
      anomalies: {
        badQualityProbability: this.config.simulatorBadQualityProbability,
        uncertainQualityProbability: this.config.simulatorUncertainQualityProbability,
        outlierProbability: this.config.simulatorOutlierProbability,
      },
      status: {
        meanTimeBetweenFailuresMs: this.config.simulatorOutageIntervalMs,
        meanTimeToRepairMs: this.config.simulatorOutageDurationMs,
        meanTimeBetweenMaintenanceMs: this.config.simulatorMaintenanceIntervalMs,
        meanMaintenanceDurationMs: this.config.simulatorMaintenanceDurationMs,
      },
      // A seeded run repeats whatever hour it starts at; an unseeded one follows the real time of day.
      timeOffsetMs: plan.seed === undefined ? 0 : SEEDED_MODEL_START_MS - originMs,
    });
    const run: Run = {
      plan,
      plant,
      units: new Set(plant.unitIds),
      publisher,
      originMs,
      startedAt,
      meter: new RateMeter(),
      ticks: { published: 0, skippedLate: 0, skippedBackpressure: 0, skippedDisconnected: 0 },
      commands: new SimulatorCommandHandler(plant, publisher),
      next: 0,
      active: true,
    };
    this.run = run;
    publisher.listenForCommands(plant.unitIds, (unitId, point, payload) => {
      if (run.active) run.commands.handle(unitId, point, payload);
    });
    this.schedule(run);
    this.logger.log(
      `Simulator started: ${plan.units} units, a tick every ${Number(plan.intervalMs.toFixed(3))} ms ` +
        `(${Math.round(plan.targetRate)} readings/s), QoS ${this.config.simulatorQos}, ` +
        (plan.seed === undefined ? 'random seed' : `seed ${String(plan.seed)}`) +
        (publisher.connected ? '' : `; broker ${this.runtime.brokerHost}:${this.runtime.brokerPort} not answering yet`),
    );
    return this.status();
  }

  /**
   * Registers the plant's sensors with their engineering units and display names (where an engineer has not set
   * others), so screens label the values from the first one on. A failure only costs the labels: the run goes on.
   */
  private async declareSensors(units: number): Promise<void> {
    try {
      const labelled = await this.sensorDeclarations.declare(simulatedSensors(units));
      if (labelled > 0) this.logger.log(`Simulator sensors labelled with units and names: ${labelled}`);
    } catch (err) {
      this.logger.warn(
        `Simulator sensors not registered (their readings register them, unlabelled): ${err instanceof Error ? err.message : String(err)}`,
      );
      return;
    }
    // Its setpoints and pumps are writable from the first start, as a gateway's birth certificate would say; what
    // an engineer set (or removed and set again) is kept: only points with no command settings are declared.
    try {
      const declared = await this.commandsService.declareWritable('simulator', simulatedWritablePoints(units));
      if (declared > 0) this.logger.log(`Simulator points declared writable: ${declared}`);
    } catch (err) {
      this.logger.warn(
        `Simulator points not declared writable (an engineer can with PUT …/command-settings): ${err instanceof Error ? err.message : String(err)}`,
      );
    }
  }

  status(): SimulatorSnapshot {
    const run = this.run;
    const now = Date.now();
    const running = run?.active ?? false;
    const plan = run?.plan ?? this.defaultPlan;
    return {
      running,
      connected: run?.publisher.connected ?? false,
      units: plan.units,
      intervalMs: plan.intervalMs,
      qos: this.config.simulatorQos,
      seed: plan.seed ?? null,
      startedAt: run?.startedAt,
      stoppedAt: run?.stoppedAt,
      lastTickAt: run?.lastTickAt,
      targetRate: plan.targetRate,
      achievedRate: running && run ? run.meter.perSecond(now) : 0,
      readingsPublished: run?.publisher.readingsPublished ?? 0,
      statusMessagesPublished: run?.publisher.statusPublished ?? 0,
      ticks: { ...(run?.ticks ?? { published: 0, skippedLate: 0, skippedBackpressure: 0, skippedDisconnected: 0 }) },
      commands: { ...(run?.commands.counts ?? { accepted: 0, rejected: 0, expired: 0, malformed: 0, unanswered: 0 }) },
      activeScenarios: running && run ? run.plant.activeScenarios(now) : [],
    };
  }

  /** The simulator's part of /health. */
  health(): { connected: boolean; running: boolean; simulation_units: number } {
    const run = this.run;
    const running = run?.active ?? false;
    return {
      connected: run?.publisher.connected ?? false,
      running,
      simulation_units: running && run ? run.plan.units : 0,
    };
  }

  private schedule(run: Run): void {
    const due = run.originMs + run.next * run.plan.intervalMs;
    run.timer = setTimeout(() => this.tick(run), Math.max(0, due - Date.now()));
  }

  /**
   * Publishes every grid point that has come due. A tick that is late (a busy event loop, a GC pause) still goes
   * out, stamped with its own time, like a gateway forwarding what it buffered; only grid points more than
   * CATCH_UP_MS behind are skipped and counted, so a machine that cannot keep up sends bounded bursts rather
   * than an ever longer queue, and a seeded run stays identical through ordinary jitter.
   */
  private tick(run: Run): void {
    run.timer = undefined;
    if (!run.active) return;
    const publisher = run.publisher;
    const interval = run.plan.intervalMs;
    const now = Date.now();
    const due = Math.floor((now - run.originMs) / interval);
    const oldestKept = Math.ceil((now - CATCH_UP_MS - run.originMs) / interval);
    if (oldestKept > run.next) {
      const skipped = oldestKept - run.next;
      run.ticks.skippedLate += skipped;
      run.next = oldestKept;
      this.skipLog.warn('late', `Simulator fell over ${CATCH_UP_MS} ms behind its grid: skipped ${skipped} tick(s)`);
    }
    for (; run.next <= due; run.next++) {
      const blocked = publisher.blocked(run.plan.units * SENSOR_COUNT);
      if (blocked === 'disconnected') {
        run.ticks.skippedDisconnected++;
        continue;
      }
      if (blocked === 'backpressure') {
        run.ticks.skippedBackpressure++;
        this.skipLog.warn('backpressure', 'Simulator skipped a tick: the broker is not taking messages as fast');
        continue;
      }
      const t = run.originMs + run.next * interval;
      const tick = run.plant.tick(t);
      publisher.publish(tick);
      this.opcuaDemo.publish(tick);
      this.modbusSim.publish(tick, run.plant);
      run.ticks.published++;
      run.lastTickAt = t;
      run.meter.record(Date.now(), tick.readings.length);
    }
    this.schedule(run);
  }
}
