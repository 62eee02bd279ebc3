import type { PlantModel } from './plant-model.js';
import { parseSetCommand } from './set-command.parser.js';
import { isControlPoint } from './unit-control.js';

/** Commands the simulator received, by what it did with them. */
export interface CommandCounts {
  accepted: number;
  rejected: number;
  /** Past their `expires_at` when they arrived: ignored, as the contract says, with no answer. */
  expired: number;
  /** Not the command JSON: no answer (there is no command id to answer). */
  malformed: number;
  /** For a unit whose link is down or that has not reported yet: no answer, the command times out. */
  unanswered: number;
}

/** What the handler sends back: the ack, and for an accepted command the point's new value (the readback). */
export interface CommandReplies {
  acknowledge(unitId: string, point: string, commandId: string, reason?: string): void;
  publishPoint(unitId: string, point: string, value: number, timestamp: string): void;
}

/**
 * The simulator's side of the command contract (docs/commands.md): a command on `{prefix}/{unit}/{point}/set` is
 * ignored after its `expires_at`, judged by the unit (PlantModel.command), answered on `.../set/ack` with
 * `accepted` or `rejected` and a reason, and, when accepted, the point reports its new value at once, so readback
 * confirms it; the process then follows over the next ticks. Commands are rare: one small object per command.
 */
export class SimulatorCommandHandler {
  readonly counts: CommandCounts = { accepted: 0, rejected: 0, expired: 0, malformed: 0, unanswered: 0 };

  constructor(
    private readonly plant: PlantModel,
    private readonly replies: CommandReplies,
    private readonly now: () => number = Date.now,
  ) {}

  handle(unitId: string, point: string, payload: Buffer): void {
    const command = parseSetCommand(payload);
    if (command === undefined) {
      this.counts.malformed++;
      return;
    }
    const now = this.now();
    if (command.expiresAtMs <= now) {
      this.counts.expired++;
      return;
    }
    if (!isControlPoint(point)) {
      this.counts.rejected++;
      this.replies.acknowledge(unitId, point, command.commandId, `${point} is not a writable point of this unit`);
      return;
    }
    const answer = this.plant.command(unitId, point, command.value);
    if (answer === undefined || 'silent' in answer) {
      this.counts.unanswered++;
      return;
    }
    if (!answer.accepted) {
      this.counts.rejected++;
      this.replies.acknowledge(unitId, point, command.commandId, answer.reason);
      return;
    }
    this.counts.accepted++;
    this.replies.acknowledge(unitId, point, command.commandId);
    this.replies.publishPoint(unitId, point, answer.value, new Date(now).toISOString());
  }
}
