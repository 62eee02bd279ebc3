import { el, replace, setText } from './dom.js';
import { formatTime, formatValue, sensorName, SEVERITY_LABEL } from './format.js';
import type { PlantState } from './plant.js';
import { drawSparkline } from './sparkline.js';
import type { Severity } from './types.js';

interface Row {
  value: HTMLElement;
  unit: HTMLElement;
  quality: HTMLElement;
  spark: HTMLCanvasElement;
  name: HTMLElement;
}

interface Card {
  root: HTMLElement;
  status: HTMLElement;
  alarm: HTMLElement;
  body: HTMLTableSectionElement;
  rows: Map<string, Row>;
}

/**
 * The unit cards: status, each sensor's latest value with unit and quality, and a sparkline. Cards are built once
 * per unit and updated in place; redraws are batched to one per animation frame however many readings arrive.
 */
export class Overview {
  private readonly cards = new Map<string, Card>();
  private readonly dirty = new Map<string, Set<string>>();
  private frame: number | undefined;

  constructor(
    private readonly grid: HTMLElement,
    private readonly plant: PlantState,
    private readonly open: (unitId: string) => void,
  ) {}

  /** Shows exactly these units, in this order. */
  show(unitIds: readonly string[]): void {
    for (const id of [...this.cards.keys()]) if (!unitIds.includes(id)) this.cards.delete(id);
    replace(this.grid, ...unitIds.map((id) => this.card(id).root));
    for (const id of unitIds) this.refresh(id);
  }

  /** Marks sensors of a unit for a redraw at the next frame. */
  changed(unitId: string, sensorTypes: Iterable<string>): void {
    if (!this.cards.has(unitId)) return;
    let set = this.dirty.get(unitId);
    if (set === undefined) {
      set = new Set();
      this.dirty.set(unitId, set);
    }
    for (const type of sensorTypes) set.add(type);
    this.frame ??= requestAnimationFrame(() => this.flush());
  }

  /** Redraws a unit's card completely (status, new sensors, settings). */
  refresh(unitId: string): void {
    const card = this.cards.get(unitId);
    if (card === undefined) return;
    const unit = this.plant.unit(unitId);
    setText(card.status, unit.status);
    card.status.className = `unit-status status-${unit.status}`;
    card.root.dataset.status = unit.status;
    const sensors = this.plant.sortedSensors(unitId);
    if (sensors.length !== card.rows.size || sensors.some((s) => !card.rows.has(s.type))) {
      card.rows.clear();
      replace(card.body, ...sensors.map((s) => this.row(unitId, card, s.type)));
      if (sensors.length === 0) {
        card.body.append(el('tr', {}, el('td', { colspan: 5, class: 'muted' }, 'Waiting for readings…')));
      }
    }
    for (const s of sensors) this.drawRow(unitId, card, s.type);
  }

  /** The most severe annunciated alarm of each unit (none: no badge). */
  markAlarms(worst: ReadonlyMap<string, Severity>): void {
    for (const [id, card] of this.cards) {
      const severity = worst.get(id);
      card.alarm.hidden = severity === undefined;
      card.root.dataset.alarm = severity ?? '';
      if (severity !== undefined) {
        card.alarm.className = `badge severity-${severity}`;
        setText(card.alarm, SEVERITY_LABEL[severity]);
      }
    }
  }

  /** Sparklines keep moving left as time passes, even when a unit is silent. */
  tick(): void {
    for (const [unitId, card] of this.cards) this.changed(unitId, card.rows.keys());
  }

  private flush(): void {
    this.frame = undefined;
    const dirty = [...this.dirty];
    this.dirty.clear();
    for (const [unitId, types] of dirty) {
      const card = this.cards.get(unitId);
      if (card === undefined) continue;
      if ([...types].some((t) => !card.rows.has(t))) this.refresh(unitId);
      else for (const type of types) this.drawRow(unitId, card, type);
    }
  }

  private card(unitId: string): Card {
    const existing = this.cards.get(unitId);
    if (existing !== undefined) return existing;
    const titleId = `unit-title-${unitId}`;
    const open = el('button', { type: 'button', class: 'link-button', 'aria-label': `Open unit ${unitId}` }, unitId);
    open.addEventListener('click', () => this.open(unitId));
    const status = el('span', { class: 'unit-status' });
    const alarm = el('span', { class: 'badge', hidden: true });
    const body = el('tbody');
    const root = el(
      'article',
      { class: 'unit-card', 'aria-labelledby': titleId, 'data-unit': unitId },
      el('header', { class: 'unit-card-head' }, el('h3', { id: titleId }, open), status, alarm),
      el(
        'table',
        { class: 'readings' },
        el('caption', { class: 'sr-only' }, `Latest readings of ${unitId}`),
        // Column widths from here, not from the (visually hidden) header row: the layout is fixed, so values align.
        el(
          'colgroup',
          {},
          el('col', { class: 'c-name' }),
          el('col', { class: 'c-value' }),
          el('col', { class: 'c-eu' }),
          el('col', { class: 'c-quality' }),
          el('col', { class: 'c-spark' }),
        ),
        el(
          'thead',
          { class: 'sr-only' },
          el(
            'tr',
            {},
            el('th', { scope: 'col' }, 'Sensor'),
            el('th', { scope: 'col' }, 'Value'),
            el('th', { scope: 'col' }, 'Unit'),
            el('th', { scope: 'col' }, 'Quality'),
            el('th', { scope: 'col' }, 'Last 5 minutes'),
          ),
        ),
        body,
      ),
    );
    const card: Card = { root, status, alarm, body, rows: new Map() };
    this.cards.set(unitId, card);
    return card;
  }

  private row(unitId: string, card: Card, type: string): HTMLTableRowElement {
    const name = el('th', { scope: 'row' });
    const value = el('td', { class: 'value num' });
    const unit = el('td', { class: 'eu' });
    const quality = el('td', { class: 'quality' });
    const spark = el('canvas', { class: 'spark', 'aria-hidden': 'true' });
    card.rows.set(type, { name, value, unit, quality, spark });
    return el('tr', { 'data-sensor': type, 'data-unit': unitId }, name, value, unit, quality, el('td', {}, spark));
  }

  private drawRow(unitId: string, card: Card, type: string): void {
    const row = card.rows.get(type);
    if (row === undefined) return;
    const sensor = this.plant.sensor(unitId, type);
    setText(row.name, sensorName(type, sensor.settings?.display_name));
    setText(row.value, sensor.state ?? formatValue(sensor.value));
    setText(row.unit, sensor.settings?.engineering_unit ?? '');
    const quality = sensor.quality ?? '';
    setText(row.quality, quality);
    row.quality.className = `quality quality-${quality.toLowerCase()}`;
    row.value.title = sensor.time === undefined ? '' : `at ${formatTime(sensor.time)}`;
    drawSparkline(row.spark, sensor.trail, quality === 'BAD' ? '#9ca3af' : '#2563eb');
    row.spark.dataset.points = String(sensor.trail.t.length);
  }
}
