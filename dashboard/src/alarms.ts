import { el, replace } from './dom.js';
import { formatTime, formatValue, sensorName, SEVERITY_LABEL, SEVERITY_RANK, STATE_LABEL } from './format.js';
import type { Alarm, Severity } from './types.js';

export interface AlarmActions {
  acknowledge(alarm: Alarm): Promise<void>;
  shelve(alarm: Alarm): void;
  unshelve(alarm: Alarm): Promise<void>;
}

const isShelved = (alarm: Alarm, now = Date.now()): boolean =>
  alarm.shelved_until !== null && Date.parse(alarm.shelved_until) > now;
const isUnacknowledged = (alarm: Alarm): boolean =>
  alarm.state === 'active_unacknowledged' || alarm.state === 'cleared_unacknowledged';

/** Most urgent first: severity, then unacknowledged before acknowledged, active before cleared, newest first. */
function compare(a: Alarm, b: Alarm): number {
  return (
    SEVERITY_RANK[b.severity] - SEVERITY_RANK[a.severity] ||
    Number(isUnacknowledged(b)) - Number(isUnacknowledged(a)) ||
    Number(b.state.startsWith('active')) - Number(a.state.startsWith('active')) ||
    Date.parse(b.raised_at) - Date.parse(a.raised_at)
  );
}

/**
 * Open alarms (active, or cleared but not yet acknowledged): the list, the banner of the most urgent one to
 * acknowledge, and the spoken announcement of new ones. Shelved alarms are listed apart and never annunciated.
 */
export class AlarmBoard {
  private readonly alarms = new Map<string, Alarm>();
  private readonly busy = new Set<string>();
  private mayAct = true;

  constructor(
    private readonly list: HTMLElement,
    private readonly shelvedList: HTMLElement,
    private readonly count: HTMLElement,
    private readonly banner: HTMLElement,
    private readonly announcer: HTMLElement,
    private readonly actions: AlarmActions,
    private readonly changed: () => void,
  ) {}

  /** Replaces everything with the server's list of open alarms. */
  load(alarms: readonly Alarm[]): void {
    this.alarms.clear();
    for (const alarm of alarms) this.alarms.set(alarm.id, alarm);
    this.render();
  }

  /** One transition, from `system_alert` or from the answer to an operator action. */
  apply(alarm: Alarm): void {
    const known = this.alarms.get(alarm.id);
    // Out-of-order guard: an answer to our own action can arrive after the broadcast of a later transition.
    if (known !== undefined && alarm.state === known.state && alarm.shelved_until === known.shelved_until) return;
    if (alarm.state === 'cleared') this.alarms.delete(alarm.id);
    else this.alarms.set(alarm.id, { ...known, ...alarm });
    if (alarm.action === 'raise' && !isShelved(alarm)) {
      this.announcer.textContent = `${SEVERITY_LABEL[alarm.severity]} alarm on ${alarm.unit_id}: ${alarm.message}`;
    }
    this.render();
  }

  /** Acknowledge and shelve need the operator role: a viewer sees the alarms without the buttons. */
  allowActions(allowed: boolean): void {
    if (allowed === this.mayAct) return;
    this.mayAct = allowed;
    this.render();
  }

  /** The most severe annunciated (not shelved) alarm of each unit. */
  worstByUnit(): Map<string, Severity> {
    const worst = new Map<string, Severity>();
    for (const alarm of this.alarms.values()) {
      if (isShelved(alarm)) continue;
      const held = worst.get(alarm.unit_id);
      if (held === undefined || SEVERITY_RANK[alarm.severity] > SEVERITY_RANK[held])
        worst.set(alarm.unit_id, alarm.severity);
    }
    return worst;
  }

  /** Shelves end by themselves: re-sort now and then so an expired one annunciates again. */
  tick(): void {
    const now = Date.now();
    for (const alarm of this.alarms.values()) {
      if (alarm.shelved_until !== null && Date.parse(alarm.shelved_until) <= now) {
        this.render();
        return;
      }
    }
  }

  render(): void {
    const all = [...this.alarms.values()].sort(compare);
    const annunciated = all.filter((a) => !isShelved(a));
    const shelved = all.filter((a) => isShelved(a));
    replace(this.list, ...annunciated.map((a) => this.item(a)));
    replace(this.shelvedList, ...shelved.map((a) => this.item(a)));
    this.shelvedList.closest('details')?.toggleAttribute('hidden', shelved.length === 0);
    this.count.textContent = String(annunciated.length);
    this.count.className = `count ${annunciated.length > 0 ? `severity-${annunciated[0].severity}` : ''}`;
    this.list.dataset.empty = String(annunciated.length === 0);
    this.renderBanner(annunciated);
    this.changed();
  }

  private renderBanner(annunciated: Alarm[]): void {
    const top = annunciated.find(isUnacknowledged);
    if (top === undefined) {
      this.banner.hidden = true;
      this.banner.replaceChildren();
      return;
    }
    const others = annunciated.filter(isUnacknowledged).length - 1;
    this.banner.hidden = false;
    this.banner.className = `alarm-banner severity-${top.severity}`;
    replace(
      this.banner,
      el('strong', { class: 'banner-severity' }, SEVERITY_LABEL[top.severity]),
      el('span', { class: 'banner-text' }, `${top.unit_id} · ${sensorName(top.sensor_type)} · ${top.message}`),
      others > 0 ? el('span', { class: 'banner-more' }, `+${others} more unacknowledged`) : null,
      this.mayAct ? this.button(top, 'Acknowledge', 'primary', () => this.actions.acknowledge(top)) : null,
    );
  }

  private item(alarm: Alarm): HTMLLIElement {
    const shelved = isShelved(alarm);
    const actions = el('div', { class: 'alarm-actions', hidden: !this.mayAct });
    if (isUnacknowledged(alarm)) {
      actions.append(this.button(alarm, 'Acknowledge', 'primary', () => this.actions.acknowledge(alarm)));
    }
    if (shelved) actions.append(this.button(alarm, 'Unshelve', '', () => this.actions.unshelve(alarm)));
    else {
      const shelve = el('button', { type: 'button', 'aria-label': `Shelve alarm ${alarm.message}` }, 'Shelve…');
      shelve.addEventListener('click', () => this.actions.shelve(alarm));
      actions.append(shelve);
    }
    return el(
      'li',
      {
        class: `alarm severity-${alarm.severity} state-${alarm.state}${shelved ? ' shelved' : ''}`,
        'data-alarm-id': alarm.id,
        'data-state': alarm.state,
        'data-unit': alarm.unit_id,
        'data-sensor': alarm.sensor_type,
      },
      el(
        'div',
        { class: 'alarm-head' },
        el('span', { class: `badge severity-${alarm.severity}` }, SEVERITY_LABEL[alarm.severity]),
        el('span', { class: 'alarm-where' }, `${alarm.unit_id} · ${sensorName(alarm.sensor_type)}`),
        el('time', { datetime: alarm.raised_at, class: 'num' }, formatTime(alarm.raised_at)),
      ),
      el('p', { class: 'alarm-message' }, alarm.message),
      el(
        'p',
        { class: 'alarm-meta' },
        el('span', { class: 'alarm-state' }, STATE_LABEL[alarm.state]),
        alarm.value === null ? null : ` · value ${formatValue(alarm.value)}`,
        alarm.threshold === null ? null : `, limit ${formatValue(alarm.threshold)}`,
        (alarm.raise_count ?? 1) > 1 ? ` · raised ${alarm.raise_count} times` : null,
        shelved && alarm.shelved_until !== null ? ` · shelved until ${formatTime(alarm.shelved_until)}` : null,
      ),
      actions,
    );
  }

  private button(alarm: Alarm, label: string, kind: string, run: () => Promise<void>): HTMLButtonElement {
    const button = el(
      'button',
      {
        type: 'button',
        class: kind,
        'aria-label': `${label} alarm ${alarm.message}`,
        disabled: this.busy.has(alarm.id),
      },
      label,
    );
    button.addEventListener('click', () => {
      this.busy.add(alarm.id);
      button.disabled = true;
      void run().finally(() => {
        this.busy.delete(alarm.id);
        this.render();
      });
    });
    return button;
  }
}
