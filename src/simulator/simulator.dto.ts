import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsInt, IsOptional, IsString, Matches, Max, Min, ValidateBy } from 'class-validator';
import { IDENTIFIER } from '../common/identifier.js';
import type { ActiveScenario } from './plant-model.js';
import {
  MAX_INTERVAL_MS,
  MAX_RATE,
  MAX_SEED,
  MAX_SIMULATED_UNITS,
  MIN_INTERVAL_MS,
  type RunRequest,
  SIMULATOR_PROTOCOLS,
  type SimulatorProtocol,
} from './run-settings.js';
import { SCENARIO_NAMES, type ExpectedAlarm, type ScenarioDefinition } from './scenarios.js';
import type { SimulatorSnapshot } from './simulator.service.js';
import { SENSOR_TYPES } from './unit-model.js';

const MAX_SEED_TEXT = 64;
const MAX_DURATION_S = 86_400;

/** A seed: a whole number that fits 32 bits, or a short text. */
function IsSeed(): PropertyDecorator {
  return ValidateBy({
    name: 'isSeed',
    validator: {
      validate: (value: unknown) =>
        (typeof value === 'number' && Number.isInteger(value) && value >= 0 && value <= MAX_SEED) ||
        (typeof value === 'string' && value.length >= 1 && value.length <= MAX_SEED_TEXT),
      defaultMessage: () =>
        `seed must be a whole number from 0 to ${MAX_SEED} or a text of 1 to ${MAX_SEED_TEXT} characters`,
    },
  });
}

const SEED_SCHEMA = {
  oneOf: [
    { type: 'integer', minimum: 0, maximum: MAX_SEED },
    { type: 'string', minLength: 1, maxLength: MAX_SEED_TEXT },
  ],
};

export class StartSimulatorDto {
  /** What the simulator speaks in this run. */
  @ApiPropertyOptional({
    enum: SIMULATOR_PROTOCOLS,
    description:
      'json: {prefix}/{unit}/{sensor} readings; sparkplug: one Sparkplug B edge node with a device per unit, stored only with SPARKPLUG_ENABLED=true (default SIMULATOR_PROTOCOL)',
    example: 'json',
  })
  @IsOptional()
  @IsIn(SIMULATOR_PROTOCOLS)
  protocol?: SimulatorProtocol;

  /** Simulated units, named UNIT001, UNIT002, ... */
  @ApiPropertyOptional({
    type: 'integer',
    description: 'Simulated units, named UNIT001, UNIT002, ... (default SIMULATOR_UNITS)',
    minimum: 1,
    maximum: MAX_SIMULATED_UNITS,
    example: 5,
  })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(MAX_SIMULATED_UNITS)
  units?: number;

  /** Time between ticks; give this or `rate`. */
  @ApiPropertyOptional({
    type: 'integer',
    description: 'Time between ticks in ms; every online unit sends its four readings each tick. Give this or rate.',
    minimum: MIN_INTERVAL_MS,
    maximum: MAX_INTERVAL_MS,
    example: 1000,
  })
  @IsOptional()
  @IsInt()
  @Min(MIN_INTERVAL_MS)
  @Max(MAX_INTERVAL_MS)
  interval_ms?: number;

  /** Target readings per second; sets the interval to units × 4 / rate. */
  @ApiPropertyOptional({
    type: 'integer',
    description:
      'Target readings per second (load mode): sets the interval to units × 4 / rate, so a high rate needs many units (ticks are at least 10 ms apart). Give this or interval_ms.',
    minimum: 1,
    maximum: MAX_RATE,
    example: 50000,
  })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(MAX_RATE)
  rate?: number;

  /** Same seed, same readings tick for tick. */
  @ApiPropertyOptional({
    description:
      'Seed: the same seed gives the same readings tick for tick (default SIMULATOR_SEED; none: random, following the wall clock)',
    ...SEED_SCHEMA,
    example: 42,
  })
  @IsOptional()
  @IsSeed()
  seed?: string | number;
}

export class InjectScenarioDto {
  /** The scenario to run (GET /scenarios lists them). */
  @ApiProperty({ enum: SCENARIO_NAMES, description: 'The scenario to run (GET /scenarios lists them)' })
  @IsString()
  @IsIn(SCENARIO_NAMES, { message: `scenario must be one of: ${SCENARIO_NAMES.join(', ')}` })
  scenario!: string;

  /** A unit of the running plant. */
  @ApiProperty({ description: 'A unit of the running plant', example: 'UNIT001' })
  @IsString()
  @Matches(IDENTIFIER, { message: 'unit_id must be 1-64 letters, digits, _ or -' })
  unit_id!: string;

  /** How long the scenario lasts; it then reverts by itself. */
  @ApiPropertyOptional({
    type: 'integer',
    description: "How long the scenario lasts, in seconds; it then reverts by itself (default: the scenario's own)",
    minimum: 1,
    maximum: MAX_DURATION_S,
    example: 60,
  })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(MAX_DURATION_S)
  duration_s?: number;

  /** The sensor of a single-sensor scenario. */
  @ApiPropertyOptional({
    enum: SENSOR_TYPES,
    description: "For sensor_failure, stuck_value and drift: the sensor to act on (default: the scenario's own)",
  })
  @IsOptional()
  @IsIn(SENSOR_TYPES, { message: `sensor must be one of: ${SENSOR_TYPES.join(', ')}` })
  sensor?: string;
}

export class SimulatorRateDto {
  /** Readings per second the settings ask for, with every unit online. */
  @ApiProperty({ description: 'Readings per second the settings ask for, with every unit online' })
  target!: number;
  /** Readings per second actually published over the last 10 s. */
  @ApiProperty({ description: 'Readings per second actually handed to the broker connection over the last 10 s' })
  achieved!: number;
}

export class SimulatorTicksDto {
  @ApiProperty({ description: 'Ticks published' })
  published!: number;
  @ApiProperty({ description: 'Ticks skipped because the process was more than a second behind its time grid' })
  skipped_late!: number;
  @ApiProperty({ description: 'Ticks skipped because the broker connection was not taking messages as fast' })
  skipped_backpressure!: number;
  @ApiProperty({ description: "Ticks skipped while the simulator's MQTT connection was down" })
  skipped_disconnected!: number;
}

export class SimulatorCommandsDto {
  @ApiProperty({ description: 'Commands the units accepted (acked, new value reported)' })
  accepted!: number;
  @ApiProperty({
    description: 'Commands the units rejected, with a reason in the ack (out of range, unit offline, ...)',
  })
  rejected!: number;
  @ApiProperty({ description: 'Commands past their expires_at on arrival: ignored, no answer' })
  expired!: number;
  @ApiProperty({ description: 'Messages on a set topic that were not a command: ignored, no answer' })
  malformed!: number;
  @ApiProperty({ description: 'Commands to a unit whose link was down (or that had not reported yet): no answer' })
  unanswered!: number;
}

export class ActiveScenarioDto {
  @ApiProperty({ example: 'UNIT001' })
  unit_id!: string;
  @ApiProperty({ enum: SCENARIO_NAMES })
  scenario!: string;
  /** The sensor acted on (the scenario's main sensor for whole-unit scenarios). */
  @ApiProperty({
    enum: SENSOR_TYPES,
    description: "The sensor acted on (the scenario's main sensor for whole-unit ones)",
  })
  sensor!: string;
  @ApiProperty({ description: 'ISO 8601' })
  started_at!: string;
  /** When it reverts by itself. */
  @ApiProperty({ description: 'ISO 8601: when the scenario reverts by itself' })
  ends_at!: string;
}

export class SimulatorStatusDto {
  @ApiProperty()
  running!: boolean;
  /** Whether the simulator's own MQTT connection is up. */
  @ApiProperty({ description: "Whether the simulator's own MQTT connection is up" })
  connected!: boolean;
  /** Units of the current (or last) run; the configured count before the first. */
  @ApiProperty({ description: 'Units of the current or last run (the configured count before the first)' })
  units!: number;
  @ApiProperty({ enum: SIMULATOR_PROTOCOLS, description: 'What the current or last run speaks (SIMULATOR_PROTOCOL)' })
  protocol!: SimulatorProtocol;
  @ApiProperty({ description: 'Time between ticks in ms (may have a fraction when set by a rate)' })
  interval_ms!: number;
  @ApiProperty({ enum: [0, 1], description: 'MQTT QoS of the readings (SIMULATOR_QOS)' })
  qos!: number;
  /** Null: an unseeded run. */
  @ApiProperty({ ...SEED_SCHEMA, nullable: true, description: 'Seed of the run; null when unseeded (random)' })
  seed!: string | number | null;
  @ApiPropertyOptional({ description: 'ISO 8601' })
  started_at?: string;
  @ApiPropertyOptional({ description: 'ISO 8601' })
  stopped_at?: string;
  /** Timestamp of the newest published tick: every reading it sent carries it. */
  @ApiPropertyOptional({ description: 'ISO 8601 timestamp of the newest published tick, carried by all its readings' })
  last_tick_at?: string;
  @ApiProperty({ type: SimulatorRateDto })
  rate!: SimulatorRateDto;
  /** Readings and status messages published in this run. */
  @ApiProperty({ description: 'Readings and status messages published in this run' })
  messages_published!: number;
  @ApiProperty()
  readings_published!: number;
  @ApiProperty()
  status_messages_published!: number;
  @ApiProperty({ type: SimulatorTicksDto })
  ticks!: SimulatorTicksDto;
  @ApiProperty({
    type: SimulatorCommandsDto,
    description: 'Commands received on the units’ set topics (in Sparkplug mode: DCMD metrics)',
  })
  commands!: SimulatorCommandsDto;
  @ApiProperty({ type: [ActiveScenarioDto] })
  active_scenarios!: ActiveScenarioDto[];
}

export class ScenarioDto {
  @ApiProperty({ enum: SCENARIO_NAMES })
  name!: string;
  @ApiProperty()
  description!: string;
  /** `{ kind: 'threshold', sensor, direction, limit, default_rule }`, or `{ kind }` for stale_data, bad_quality, unit_offline, none. */
  @ApiProperty({
    description:
      "The alarm the scenario should raise: { kind: 'threshold', sensor, direction, limit, default_rule } or { kind } for stale_data, bad_quality, unit_offline, none",
    example: { kind: 'threshold', sensor: 'temperature', direction: 'above', limit: 85, default_rule: true },
  })
  expected_alarm!: Record<string, unknown>;
  @ApiProperty({ description: 'Which alarm should fire, and why' })
  alarm_note!: string;
  @ApiProperty()
  default_duration_s!: number;
  /** Whether an injection may pick the sensor. */
  @ApiProperty({ description: 'Whether an injection may name the sensor to act on' })
  per_sensor!: boolean;
  @ApiProperty({ enum: SENSOR_TYPES })
  default_sensor!: string;
}

export function toRunRequest(dto: StartSimulatorDto): RunRequest {
  return { protocol: dto.protocol, units: dto.units, intervalMs: dto.interval_ms, rate: dto.rate, seed: dto.seed };
}

const iso = (ms: number | undefined): string | undefined => (ms === undefined ? undefined : new Date(ms).toISOString());

export function toActiveScenarioResponse(active: ActiveScenario): ActiveScenarioDto {
  return {
    unit_id: active.unitId,
    scenario: active.scenario,
    sensor: active.sensor,
    started_at: new Date(active.startMs).toISOString(),
    ends_at: new Date(active.endMs).toISOString(),
  };
}

export function toSimulatorStatusResponse(s: SimulatorSnapshot): SimulatorStatusDto {
  return {
    running: s.running,
    connected: s.connected,
    units: s.units,
    protocol: s.protocol,
    interval_ms: Math.round(s.intervalMs * 1000) / 1000,
    qos: s.qos,
    seed: s.seed,
    started_at: iso(s.startedAt),
    stopped_at: iso(s.stoppedAt),
    last_tick_at: iso(s.lastTickAt),
    rate: { target: Math.round(s.targetRate * 1000) / 1000, achieved: Math.round(s.achievedRate * 10) / 10 },
    messages_published: s.readingsPublished + s.statusMessagesPublished,
    readings_published: s.readingsPublished,
    status_messages_published: s.statusMessagesPublished,
    ticks: {
      published: s.ticks.published,
      skipped_late: s.ticks.skippedLate,
      skipped_backpressure: s.ticks.skippedBackpressure,
      skipped_disconnected: s.ticks.skippedDisconnected,
    },
    commands: { ...s.commands },
    active_scenarios: s.activeScenarios.map(toActiveScenarioResponse),
  };
}

function toExpectedAlarmResponse(alarm: ExpectedAlarm): Record<string, unknown> {
  if (alarm.kind !== 'threshold') return { kind: alarm.kind };
  return {
    kind: alarm.kind,
    sensor: alarm.sensor,
    direction: alarm.direction,
    limit: alarm.limit,
    default_rule: alarm.defaultRule,
  };
}

export function toScenarioResponse(definition: ScenarioDefinition): ScenarioDto {
  return {
    name: definition.name,
    description: definition.description,
    expected_alarm: toExpectedAlarmResponse(definition.expectedAlarm),
    alarm_note: definition.alarmNote,
    default_duration_s: definition.defaultDurationMs / 1000,
    per_sensor: definition.perSensor,
    default_sensor: definition.defaultSensor,
  };
}
