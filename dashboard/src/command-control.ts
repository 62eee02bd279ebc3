import { ApiError, type ApiClient, API } from './api.js';
import { el, replace } from './dom.js';
import { formatValue } from './format.js';
import type { CommandSettings, CommandState, CommandStatus, SensorInfo, Selection } from './types.js';

/** What the operator may send: a number within limits, or one of the named states. */
export type ControlShape =
  | { mode: 'setpoint'; min: number | null; max: number | null }
  | { mode: 'states'; states: { value: number; name: string }[] };

const DIGITAL_DEFAULT = [
  { value: 0, name: 'OFF' },
  { value: 1, name: 'ON' },
];

/** The control a writable point gets, from its kind and command settings. */
export function controlShape(sensor: SensorInfo, command: CommandSettings): ControlShape {
  if (sensor.kind === 'digital' || sensor.kind === 'enum') {
    const states = sensor.states ?? (sensor.kind === 'digital' ? DIGITAL_DEFAULT : []);
    const allowed = command.allowed_states;
    return { mode: 'states', states: allowed === null ? states : states.filter((s) => allowed.includes(s.value)) };
  }
  return { mode: 'setpoint', min: command.min, max: command.max };
}

/** Why a typed setpoint cannot be sent (the server checks again and decides), or undefined. */
export function setpointProblem(text: string, min: number | null, max: number | null): string | undefined {
  const value = Number(text);
  if (text.trim() === '' || !Number.isFinite(value)) return 'Enter a number';
  if (min !== null && value < min) return `At least ${formatValue(min)}`;
  if (max !== null && value > max) return `At most ${formatValue(max)}`;
  return undefined;
}

const STATE_LABEL: Record<CommandState, string> = {
  pending: 'pending',
  sent: 'sent, waiting for the device',
  confirmed: 'confirmed',
  rejected: 'rejected',
  failed: 'failed',
  timed_out: 'timed out',
};

/**
 * The command control of one writable point in the unit view: a setpoint field with its limits, or a button per
 * state; with select-before-operate a first click selects (POST …/commands/select) and a "Confirm" button operates
 * within the selection's window. The command's progress follows its `command_status` events.
 */
export class CommandControl {
  readonly element: HTMLElement;
  private readonly progress = el('p', { class: 'command-progress', role: 'status', 'aria-live': 'polite' });
  private readonly confirmBox = el('div', { class: 'command-confirm' });
  private commandId: string | undefined;
  /** Events of commands not yet known here: the outcome can overtake the POST's answer. */
  private readonly early = new Map<string, CommandStatus>();
  private confirmTimer: number | undefined;

  constructor(
    private readonly api: ApiClient,
    private readonly unitId: string,
    private readonly sensorType: string,
    private readonly command: CommandSettings,
    shape: ControlShape,
  ) {
    this.element = el(
      'div',
      { class: 'command-control', 'data-sensor': sensorType },
      shape.mode === 'setpoint' ? this.setpointForm(shape.min, shape.max) : this.stateButtons(shape.states),
      this.confirmBox,
      this.progress,
    );
  }

  /** A `command_status` of the unit: shown if it is this control's command. */
  status(command: CommandStatus): void {
    if (command.id === this.commandId) return this.show(command);
    if (command.sensor_type !== this.sensorType) return;
    this.early.set(command.id, command);
    if (this.early.size > 8) this.early.delete(this.early.keys().next().value as string);
  }

  destroy(): void {
    window.clearTimeout(this.confirmTimer);
  }

  private setpointForm(min: number | null, max: number | null): HTMLElement {
    const input = el('input', {
      type: 'number',
      step: 'any',
      min: min ?? undefined,
      max: max ?? undefined,
      'aria-label': `New value for ${this.sensorType}`,
    });
    const hint = el('span', { class: 'muted command-limits' }, limitsText(min, max));
    const error = el('span', { class: 'command-error', role: 'alert' });
    const form = el(
      'form',
      // The page's own check says why (the browser's would only block); the server checks again and decides.
      { class: 'command-setpoint', novalidate: true },
      input,
      el('button', { type: 'submit' }, this.command.select_before_operate ? 'Select' : 'Send'),
      hint,
      error,
    );
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      const problem = setpointProblem(input.value, min, max);
      error.textContent = problem ?? '';
      if (problem === undefined) void this.request(Number(input.value), formatValue(Number(input.value)));
    });
    return form;
  }

  private stateButtons(states: { value: number; name: string }[]): HTMLElement {
    return el(
      'div',
      { class: 'command-states', role: 'group', 'aria-label': `Set ${this.sensorType}` },
      ...states.map((s) => {
        const button = el('button', { type: 'button', 'data-state': s.name }, s.name);
        button.addEventListener('click', () => void this.request(s.value, s.name));
        return button;
      }),
    );
  }

  /** Operates at once, or selects first and asks for a confirmation when the point wants select-before-operate. */
  private async request(value: number, label: string): Promise<void> {
    this.clearConfirm();
    if (!this.command.select_before_operate) return this.operate(value);
    let selection: Selection;
    try {
      selection = await this.api.post<Selection>(`${this.path()}/select`, { value });
    } catch (err) {
      return this.refused(err);
    }
    const left = Math.max(0, Date.parse(selection.expires_at) - Date.now());
    const confirm = el('button', { type: 'button', class: 'command-confirm-button' }, `Confirm ${label}`);
    confirm.addEventListener('click', () => {
      this.clearConfirm();
      void this.operate(value, selection.selection_id);
    });
    replace(this.confirmBox, confirm, el('span', { class: 'muted' }, ` within ${Math.round(left / 1000)} s`));
    this.progress.textContent = `Selected ${label}: confirm to send`;
    this.progress.dataset.state = 'selected';
    this.confirmTimer = window.setTimeout(() => {
      this.clearConfirm();
      this.progress.textContent = 'Selection expired: select again';
      this.progress.dataset.state = 'expired';
    }, left);
  }

  private async operate(value: number, selectionId?: string): Promise<void> {
    try {
      const command = await this.api.post<CommandStatus>(this.path(), {
        value,
        ...(selectionId === undefined ? {} : { selection_id: selectionId }),
      });
      this.commandId = command.id;
      this.show(command);
      const early = this.early.get(command.id);
      if (early !== undefined && isFinal(early.state)) this.show(early);
      this.early.clear();
    } catch (err) {
      this.refused(err);
    }
  }

  private show(command: CommandStatus): void {
    // A late event must not undo an outcome already shown.
    if (this.progress.dataset.command === command.id && isFinal(this.progress.dataset.state)) return;
    this.progress.dataset.command = command.id;
    this.progress.dataset.state = command.state;
    const reason = command.reason === null ? '' : `: ${command.reason}`;
    this.progress.textContent = `${formatValue(command.value)} ${STATE_LABEL[command.state]}${reason}`;
  }

  private refused(err: unknown): void {
    this.progress.dataset.state = 'refused';
    this.progress.textContent =
      err instanceof ApiError ? `Refused (${err.status}): ${err.message}` : `Refused: ${(err as Error).message}`;
  }

  private clearConfirm(): void {
    window.clearTimeout(this.confirmTimer);
    this.confirmBox.replaceChildren();
  }

  private path(): string {
    return `${API}/units/${encodeURIComponent(this.unitId)}/sensors/${encodeURIComponent(this.sensorType)}/commands`;
  }
}

function limitsText(min: number | null, max: number | null): string {
  if (min !== null && max !== null) return `${formatValue(min)} – ${formatValue(max)}`;
  if (min !== null) return `≥ ${formatValue(min)}`;
  if (max !== null) return `≤ ${formatValue(max)}`;
  return 'no limits';
}

const isFinal = (state: string | undefined): boolean =>
  state === 'confirmed' || state === 'rejected' || state === 'failed' || state === 'timed_out';
