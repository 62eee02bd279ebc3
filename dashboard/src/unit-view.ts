import { ApiError, type ApiClient, API } from './api.js';
import { CommandControl, controlShape } from './command-control.js';
import { el, replace } from './dom.js';
import { formatDateTime, formatValue, sensorName } from './format.js';
import type { PlantState } from './plant.js';
import type { CommandStatus, HistoryResponse } from './types.js';
import uPlot from './vendor/uPlot.esm.js';

const RANGES: { label: string; ms: number }[] = [
  { label: '15 min', ms: 15 * 60_000 },
  { label: '1 h', ms: 3_600_000 },
  { label: '6 h', ms: 6 * 3_600_000 },
  { label: '24 h', ms: 24 * 3_600_000 },
  { label: '7 d', ms: 7 * 24 * 3_600_000 },
];
/** A preset range ending now follows the clock; a zoomed one stays where the user put it. */
const FOLLOW_MS = 30_000;

interface Chart {
  type: string;
  figure: HTMLElement;
  live: HTMLElement;
  holder: HTMLElement;
  note: HTMLElement;
  plot?: uPlot;
  control?: CommandControl;
}

/**
 * One unit in detail: a history chart per sensor from the historian (GET /telemetry/history), bucketed to about one
 * point per pixel with `max_points`, the bucket's min–max as a band around its average. Drag across a chart to zoom
 * every chart of the unit into that span (the data is fetched again, finer); the range buttons go back.
 */
export class UnitView {
  private unitId: string | undefined;
  private range = { from: 0, to: 0, span: RANGES[1].ms, follow: true };
  private charts: Chart[] = [];
  private controls: CommandControl[] = [];
  /** Whether the signed-in caller may command a unit (operator and above, unit in scope); nobody until known. */
  private mayCommand: (unitId: string) => boolean = () => false;
  private generation = 0;
  private timer: number | undefined;
  private readonly title = el('h2', { id: 'unit-view-title' });
  private readonly status = el('span', { class: 'unit-status' });
  private readonly rangeLabel = el('p', { class: 'muted num', 'aria-live': 'polite' });
  private readonly buttons: HTMLButtonElement[];
  private readonly body = el('div', { class: 'charts' });
  private readonly resize = new ResizeObserver(() => this.fit());

  constructor(
    private readonly root: HTMLElement,
    private readonly api: ApiClient,
    private readonly plant: PlantState,
    close: () => void,
  ) {
    const back = el('button', { type: 'button' }, '← All units');
    back.addEventListener('click', close);
    this.buttons = RANGES.map((r) => {
      const button = el('button', { type: 'button', 'aria-pressed': 'false' }, r.label);
      button.addEventListener('click', () => this.preset(r.ms));
      return button;
    });
    replace(
      root,
      el('div', { class: 'section-head' }, back, this.title, this.status),
      el(
        'div',
        { class: 'range-bar', role: 'group', 'aria-label': 'Time range' },
        ...this.buttons,
        el('span', { class: 'muted' }, 'Drag across a chart to zoom'),
      ),
      this.rangeLabel,
      this.body,
    );
    this.resize.observe(this.body);
  }

  /** Set from GET /auth/me: writable points get a control only for callers who may command their unit. */
  allowCommands(mayCommand: (unitId: string) => boolean): void {
    this.mayCommand = mayCommand;
  }

  /**
   * The unit's sensor settings arrived. They load on their own after the unit list, so the view may have opened
   * without them: writable points get their controls now.
   */
  settingsLoaded(unitId: string): void {
    if (unitId !== this.unitId) return;
    for (const chart of this.charts) this.addControl(chart);
  }

  /** A `command_status` event: to the control of its point, if on screen. */
  commandStatus(command: CommandStatus): void {
    if (command.unit_id !== this.unitId) return;
    for (const control of this.controls) control.status(command);
  }

  get shown(): string | undefined {
    return this.unitId;
  }

  open(unitId: string): void {
    this.close();
    this.unitId = unitId;
    this.root.hidden = false;
    this.title.textContent = unitId;
    this.refreshStatus();
    this.charts = this.plant.sortedSensors(unitId).map((s) => this.chart(s.type));
    replace(this.body, ...this.charts.map((c) => c.figure));
    if (this.charts.length === 0) this.body.append(el('p', { class: 'muted' }, 'No sensors reported yet.'));
    this.preset(this.range.span);
    this.timer = window.setInterval(() => {
      if (this.range.follow) this.preset(this.range.span);
    }, FOLLOW_MS);
  }

  close(): void {
    window.clearInterval(this.timer);
    for (const chart of this.charts) chart.plot?.destroy();
    for (const control of this.controls) control.destroy();
    this.charts = [];
    this.controls = [];
    this.unitId = undefined;
    this.root.hidden = true;
    this.generation++;
  }

  refreshStatus(): void {
    if (this.unitId === undefined) return;
    const status = this.plant.unit(this.unitId).status;
    this.status.textContent = status;
    this.status.className = `unit-status status-${status}`;
  }

  /** New live readings of the unit shown: the latest value next to each chart's title. */
  changed(unitId: string, sensorTypes: Set<string>): void {
    if (unitId !== this.unitId) return;
    for (const chart of this.charts) if (sensorTypes.has(chart.type)) this.showLive(chart);
  }

  private showLive(chart: Chart): void {
    if (this.unitId === undefined) return;
    const sensor = this.plant.sensor(this.unitId, chart.type);
    chart.live.textContent =
      sensor.value === undefined
        ? ''
        : `now ${sensor.state ?? formatValue(sensor.value)} ${sensor.settings?.engineering_unit ?? ''} ${sensor.quality ?? ''}`;
  }

  private preset(span: number): void {
    const to = Date.now();
    this.range = { from: to - span, to, span, follow: true };
    this.buttons.forEach((b, i) => b.setAttribute('aria-pressed', String(RANGES[i].ms === span)));
    void this.load();
  }

  private zoom(from: number, to: number): void {
    if (to - from < 1000) return;
    this.range = { ...this.range, from, to, follow: false };
    this.buttons.forEach((b) => b.setAttribute('aria-pressed', 'false'));
    void this.load();
  }

  private async load(): Promise<void> {
    const generation = ++this.generation;
    const { from, to } = this.range;
    this.rangeLabel.textContent = `${formatDateTime(from)} – ${formatDateTime(to)}`;
    await Promise.all(this.charts.map((chart) => this.loadChart(chart, from, to, generation)));
  }

  private async loadChart(chart: Chart, from: number, to: number, generation: number): Promise<void> {
    if (this.unitId === undefined) return;
    const width = Math.max(200, Math.floor(chart.holder.clientWidth));
    const query = new URLSearchParams({
      unit_id: this.unitId,
      sensor_type: chart.type,
      from: new Date(from).toISOString(),
      to: new Date(to).toISOString(),
      max_points: String(width),
      agg: 'avg,min,max',
    });
    chart.figure.dataset.state = 'loading';
    let history: HistoryResponse;
    try {
      history = await this.api.get<HistoryResponse>(`${API}/telemetry/history?${query.toString()}`);
    } catch (err) {
      if (generation !== this.generation) return;
      chart.figure.dataset.state = 'unavailable';
      // Nest's own 404 for a route it does not have starts "Cannot GET": a backend without the historian API.
      chart.note.textContent =
        err instanceof ApiError && err.status === 404 && err.message.startsWith('Cannot GET')
          ? 'History unavailable: this backend has no historian API (GET /telemetry/history answered 404). The live value above still updates.'
          : `History unavailable: ${(err as Error).message}`;
      return;
    }
    if (generation !== this.generation) return;
    const times: number[] = [];
    const avg: (number | null)[] = [];
    const min: (number | null)[] = [];
    const max: (number | null)[] = [];
    for (const p of history.points) {
      times.push(Date.parse(p.time) / 1000);
      const mid = p.avg ?? p.value ?? null;
      avg.push(mid);
      min.push(p.min ?? mid);
      max.push(p.max ?? mid);
    }
    chart.figure.dataset.state = 'ready';
    chart.figure.dataset.points = String(times.length);
    chart.note.textContent =
      times.length === 0
        ? 'No readings in this range.'
        : history.bucket === null
          ? `${times.length} readings`
          : `${times.length} buckets of ${history.bucket} (average, band: min–max)`;
    const data: uPlot.AlignedData = [times, avg, min, max];
    if (chart.plot === undefined) chart.plot = this.plot(chart, data);
    else chart.plot.setData(data);
  }

  private chart(type: string): Chart {
    const settings = this.plant.sensor(this.unitId ?? '', type).settings;
    const unit = settings?.engineering_unit;
    const heading = `${sensorName(type, settings?.display_name)}${unit ? ` (${unit})` : ''}`;
    const holder = el('div', { class: 'chart', role: 'img', 'aria-label': `History of ${heading}` });
    const note = el('p', { class: 'muted chart-note' }, 'Loading…');
    const live = el('span', { class: 'live-value' });
    const figure = el(
      'figure',
      { class: 'history', 'data-sensor': type },
      el('figcaption', {}, el('span', {}, heading), live),
      holder,
      note,
    );
    const chart: Chart = { type, figure, live, holder, note };
    this.addControl(chart);
    this.showLive(chart);
    return chart;
  }

  /** A writable point's control above its chart, once its settings are known and the caller may command. */
  private addControl(chart: Chart): void {
    if (chart.control !== undefined || this.unitId === undefined) return;
    const settings = this.plant.sensor(this.unitId, chart.type).settings;
    const command = settings?.command;
    if (settings === undefined || !command || !this.mayCommand(this.unitId)) return;
    chart.control = new CommandControl(this.api, this.unitId, chart.type, command, controlShape(settings, command));
    this.controls.push(chart.control);
    chart.figure.insertBefore(chart.control.element, chart.holder);
  }

  private plot(chart: Chart, data: uPlot.AlignedData): uPlot {
    const options: uPlot.Options = {
      width: Math.max(200, chart.holder.clientWidth),
      height: 220,
      // Show the range asked for, not just the span the data happens to cover.
      scales: { x: { time: true, range: () => [this.range.from / 1000, this.range.to / 1000] } },
      // 24-hour clock on the time axis, as on the rest of the page (uPlot's default is am/pm).
      axes: [
        {
          values: [
            [86400, '{D} {MMM}', null, null, null, null, null, null, 1],
            [3600, '{HH}:{mm}', '\n{D} {MMM}', null, '\n{D} {MMM}', null, null, null, 1],
            [60, '{HH}:{mm}', '\n{D} {MMM}', null, '\n{D} {MMM}', null, null, null, 1],
            [1, ':{ss}', '\n{D} {MMM} {HH}:{mm}', null, '\n{D} {MMM} {HH}:{mm}', null, '\n{HH}:{mm}', null, 1],
          ],
        },
        { size: 60, values: (_u, ticks) => ticks.map((v) => formatValue(v)) },
      ],
      series: [
        { value: (_u, v) => (v === null ? '—' : formatDateTime(v * 1000)) },
        { label: 'Average', stroke: '#2563eb', width: 2, value: (_u, v) => formatValue(v) },
        { label: 'Min', stroke: 'rgba(37, 99, 235, 0.35)', width: 1, value: (_u, v) => formatValue(v) },
        { label: 'Max', stroke: 'rgba(37, 99, 235, 0.35)', width: 1, value: (_u, v) => formatValue(v) },
      ],
      bands: [{ series: [3, 2], fill: 'rgba(37, 99, 235, 0.12)' }],
      // Dragging selects a span; the view fetches it again at a finer bucket instead of stretching coarse points.
      cursor: { drag: { x: true, y: false, setScale: false } },
      hooks: {
        setSelect: [
          (u) => {
            if (u.select.width < 2) return;
            const from = u.posToVal(u.select.left, 'x') * 1000;
            const to = u.posToVal(u.select.left + u.select.width, 'x') * 1000;
            u.setSelect({ left: 0, top: 0, width: 0, height: 0 }, false);
            this.zoom(from, to);
          },
        ],
      },
    };
    return new uPlot(options, data, chart.holder);
  }

  private fit(): void {
    for (const chart of this.charts) {
      chart.plot?.setSize({ width: Math.max(200, chart.holder.clientWidth), height: 220 });
    }
  }
}
