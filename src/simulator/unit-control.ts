import { FLOW_RATE, POWER, PRESSURE, TEMPERATURE, type UnitFrame } from './unit-model.js';

/**
 * The writable points of every simulated unit, what a command to them may ask, and how the unit's process answers.
 * They are not among the four measured sensors: a unit reports them by exception (when a command changes them), as
 * many controllers report a setpoint or a run command, so the measured streams and seeded runs stay as they were.
 */
export const CONTROL_POINTS = ['temperature_setpoint', 'pump'] as const;
export type ControlPoint = (typeof CONTROL_POINTS)[number];

export function isControlPoint(value: string): value is ControlPoint {
  return (CONTROL_POINTS as readonly string[]).includes(value);
}

/** The range the unit's own temperature controller takes (°C); a setpoint outside it is rejected by the unit. */
export const SETPOINT_RANGE = { min: 0, max: 35 } as const;
/** The pump's states, as the point's state table names them. */
export const PUMP_STATES = [
  { value: 0, name: 'OFF' },
  { value: 1, name: 'ON' },
] as const;

/**
 * Share of the gap to the setpoint that the controller closes: a proportional controller settles with an offset,
 * and the process' own swings show through, scaled down.
 */
const CONTROL_GAIN = 0.9;
/** Time constants (ms) of the temperature approaching its setpoint and of the pump running up or down. */
const TEMPERATURE_TAU_MS = 15_000;
const PUMP_TAU_MS = 2_000;
/** Share of the pump's power drawn at standstill (controls, heating of the drive), and of pressure left (static head). */
const STANDBY_POWER = 0.05;
const STANDING_PRESSURE = 0.3;

/** What a unit answers to a command: done (with the value it now reports), or refused with its reason. */
export type ControlVerdict = { accepted: true; value: number } | { accepted: false; reason: string };

/**
 * The commanded state of one unit and the process' response to it, stepped with the unit's frames. Created at the
 * first command to a unit: a unit nobody commanded runs exactly as before (its pump on, its temperature free).
 * Deterministic in the sequence of commands and step times.
 */
export class UnitControl {
  /** Undefined until a setpoint is commanded: the temperature runs free. */
  setpoint: number | undefined;
  pumpOn = true;
  /** Added to the free temperature; relaxes towards CONTROL_GAIN × (setpoint − free temperature). */
  private temperatureOffset = 0;
  /** 1 = running at the demanded flow, 0 = standing still. */
  private pumpSpeed = 1;
  private lastT = Number.NaN;

  /** Judges and applies a command; nothing changes when it is refused. */
  command(point: ControlPoint, value: number): ControlVerdict {
    if (!Number.isFinite(value)) return { accepted: false, reason: 'the value is not a number' };
    if (point === 'pump') {
      if (value !== 0 && value !== 1) return { accepted: false, reason: `pump takes 0 (OFF) or 1 (ON), not ${value}` };
      this.pumpOn = value === 1;
      return { accepted: true, value };
    }
    if (value < SETPOINT_RANGE.min || value > SETPOINT_RANGE.max) {
      return {
        accepted: false,
        reason: `setpoint ${value} °C is outside the unit's range ${SETPOINT_RANGE.min} to ${SETPOINT_RANGE.max} °C`,
      };
    }
    this.setpoint = value;
    return { accepted: true, value };
  }

  /** Moves the frame's values (and baseline, which scenarios anchor on) to what the commanded process does. */
  apply(frame: UnitFrame, tMs: number): void {
    const dt = Number.isNaN(this.lastT) ? 0 : Math.max(0, tMs - this.lastT);
    this.lastT = Number.isNaN(this.lastT) ? tMs : Math.max(this.lastT, tMs);

    const speedTarget = this.pumpOn ? 1 : 0;
    this.pumpSpeed = speedTarget + (this.pumpSpeed - speedTarget) * Math.exp(-dt / PUMP_TAU_MS);
    const speed = this.pumpSpeed;
    scale(frame, FLOW_RATE, speed);
    scale(frame, POWER, STANDBY_POWER + (1 - STANDBY_POWER) * speed);
    scale(frame, PRESSURE, STANDING_PRESSURE + (1 - STANDING_PRESSURE) * speed);

    const free = frame.baseline[TEMPERATURE];
    const offsetTarget = this.setpoint === undefined ? 0 : CONTROL_GAIN * (this.setpoint - free);
    this.temperatureOffset =
      offsetTarget + (this.temperatureOffset - offsetTarget) * Math.exp(-dt / TEMPERATURE_TAU_MS);
    frame.baseline[TEMPERATURE] += this.temperatureOffset;
    frame.values[TEMPERATURE] += this.temperatureOffset;
  }
}

function scale(frame: UnitFrame, index: number, factor: number): void {
  frame.baseline[index] *= factor;
  frame.values[index] *= factor;
}
