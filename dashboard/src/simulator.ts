import { ApiError, type ApiClient, API } from './api.js';
import { el, replace } from './dom.js';
import { formatTime } from './format.js';
import type { ScenarioInfo, SimulatorStatus } from './types.js';

const SIM = `${API}/simulator`;

/**
 * Start, stop and inject scenarios into the plant simulator. Needs the engineer role: the controls show for the
 * roles allowed (GET /auth/me), or until the server refuses (403); with authentication off everyone may.
 */
export class SimulatorPanel {
  private scenarios: ScenarioInfo[] = [];
  private status: SimulatorStatus | undefined;
  private denied = false;
  private readonly summary = el('p', { class: 'sim-summary', role: 'status' });
  private readonly controls = el('div', { class: 'sim-controls' });
  private readonly start = el('button', { type: 'button', class: 'primary' }, 'Start');
  private readonly stop = el('button', { type: 'button' }, 'Stop');
  private readonly scenario = el('select', { id: 'sim-scenario' });
  private readonly unit = el('select', { id: 'sim-unit' });
  private readonly duration = el('input', {
    id: 'sim-duration',
    type: 'number',
    min: 1,
    max: 86400,
    step: 1,
    inputmode: 'numeric',
  });
  private readonly describe = el('p', { class: 'muted sim-description', id: 'sim-scenario-description' });
  private readonly active = el('ul', { class: 'sim-active' });
  private readonly message = el('p', { class: 'sim-message', role: 'status' });

  constructor(
    private readonly root: HTMLElement,
    private readonly api: ApiClient,
    private readonly toast: (text: string, error?: boolean) => void,
  ) {
    const form = el(
      'form',
      { class: 'sim-inject', 'aria-label': 'Inject a scenario' },
      el('label', { for: 'sim-scenario' }, 'Scenario'),
      this.scenario,
      el('label', { for: 'sim-unit' }, 'Unit'),
      this.unit,
      el('label', { for: 'sim-duration' }, 'Duration (s)'),
      this.duration,
      this.describe,
      el('button', { type: 'submit', class: 'primary' }, 'Inject scenario'),
    );
    this.scenario.setAttribute('aria-describedby', this.describe.id);
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      void this.inject();
    });
    this.scenario.addEventListener('change', () => this.describeScenario());
    this.start.addEventListener('click', () => void this.act('start'));
    this.stop.addEventListener('click', () => void this.act('stop'));
    replace(this.controls, el('div', { class: 'sim-buttons' }, this.start, this.stop), form);
    replace(
      root,
      el('h2', { id: 'simulator-title' }, 'Simulator'),
      this.summary,
      this.controls,
      this.active,
      this.message,
    );
  }

  async load(): Promise<void> {
    try {
      if (this.scenarios.length === 0) {
        this.scenarios = await this.api.get<ScenarioInfo[]>(`${SIM}/scenarios`);
        replace(
          this.scenario,
          ...this.scenarios.map((s) => el('option', { value: s.name }, s.name.replaceAll('_', ' '))),
        );
        this.describeScenario();
      }
      this.show(await this.api.get<SimulatorStatus>(`${SIM}/status`));
    } catch (err) {
      if (err instanceof ApiError && err.status === 404)
        this.root.hidden = true; // a backend without a simulator
      else this.summary.textContent = `Simulator status unavailable: ${(err as Error).message}`;
    }
  }

  private describeScenario(): void {
    const s = this.scenarios.find((x) => x.name === this.scenario.value);
    this.describe.textContent = s === undefined ? '' : `${s.description} ${s.alarm_note}`;
    this.duration.placeholder = s === undefined ? '' : String(s.default_duration_s);
  }

  private show(status: SimulatorStatus): void {
    this.status = status;
    this.root.dataset.running = String(status.running);
    this.summary.textContent = status.running
      ? `Running: ${status.units} units every ${status.interval_ms} ms, ${status.rate.achieved} readings/s`
      : 'Stopped';
    this.start.disabled = status.running;
    this.stop.disabled = !status.running;
    const selected = this.unit.value;
    const units = Array.from({ length: status.units }, (_, i) => `UNIT${String(i + 1).padStart(3, '0')}`);
    if (this.unit.options.length !== units.length) {
      replace(this.unit, ...units.map((u) => el('option', { value: u }, u)));
      if (units.includes(selected)) this.unit.value = selected;
    }
    replace(
      this.active,
      ...status.active_scenarios.map((a) =>
        el('li', {}, `${a.scenario.replaceAll('_', ' ')} on ${a.unit_id} (${a.sensor}) until ${formatTime(a.ends_at)}`),
      ),
    );
  }

  private async act(action: 'start' | 'stop'): Promise<void> {
    try {
      this.show(await this.api.post<SimulatorStatus>(`${SIM}/${action}`));
      this.toast(action === 'start' ? 'Simulator started' : 'Simulator stopped');
    } catch (err) {
      this.failed(err);
    }
  }

  private async inject(): Promise<void> {
    const body: Record<string, unknown> = { scenario: this.scenario.value, unit_id: this.unit.value };
    if (this.duration.value !== '') body.duration_s = Number(this.duration.value);
    try {
      const active = await this.api.post<{ scenario: string; unit_id: string; ends_at: string }>(`${SIM}/inject`, body);
      this.toast(
        `${active.scenario.replaceAll('_', ' ')} injected on ${active.unit_id} until ${formatTime(active.ends_at)}`,
      );
      await this.load();
    } catch (err) {
      this.failed(err);
    }
  }

  /** Shows or hides the controls for the signed-in role (engineer and above may control the simulator). */
  allow(allowed: boolean): void {
    this.denied = !allowed;
    this.controls.hidden = !allowed;
    this.message.textContent = allowed
      ? ''
      : 'Controlling the simulator needs the engineer role; your key may only watch it.';
  }

  private failed(err: unknown): void {
    if (err instanceof ApiError && err.status === 403) {
      this.allow(false);
      return;
    }
    this.toast((err as Error).message, true);
  }

  /** Whether this user was refused simulator control (then only the status is shown). */
  get refused(): boolean {
    return this.denied;
  }

  get running(): boolean {
    return this.status?.running ?? false;
  }
}
