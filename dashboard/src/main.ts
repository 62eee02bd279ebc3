import { AlarmBoard } from './alarms.js';
import { ApiClient, ApiError, API } from './api.js';
import { Credentials } from './auth.js';
import { byId } from './dom.js';
import { sensorName } from './format.js';
import { type ConnectionState, LiveConnection } from './live.js';
import { NotificationsPanel } from './notifications.js';
import { Overview } from './overview.js';
import { PlantState, TRAIL_MS } from './plant.js';
import { SimulatorPanel } from './simulator.js';
import type { Alarm, HistoryResponse, LatestResponse, SensorInfo, UnitInfo } from './types.js';
import { UnitView } from './unit-view.js';

/** Cards on screen at once; each is a Socket.IO room. A large plant is browsed with the filter. */
const MAX_CARDS = 24;
const SENSOR_REFETCH_MS = 10_000;

const credentials = new Credentials();
const plant = new PlantState();
let signInOpen = false;
const api = new ApiClient(credentials, () => showSignIn());

// --- small pieces of the page -------------------------------------------------------------------------------

const toastBox = byId('toast');
let toastTimer: number | undefined;
function toast(text: string, error = false): void {
  toastBox.textContent = text;
  toastBox.className = `toast${error ? ' error' : ''}`;
  toastBox.hidden = false;
  window.clearTimeout(toastTimer);
  toastTimer = window.setTimeout(() => (toastBox.hidden = true), error ? 8000 : 4000);
}

const connection = byId('connection');
const CONNECTION_LABEL: Record<ConnectionState, string> = {
  connecting: 'Connecting…',
  connected: 'Live',
  disconnected: 'Disconnected',
  unauthorized: 'Not signed in',
};
function setConnection(state: ConnectionState, detail?: string): void {
  connection.dataset.state = state;
  byId('connection-label').textContent = CONNECTION_LABEL[state];
  connection.title = detail ?? '';
  if (state === 'unauthorized') showSignIn();
}

// --- sign-in ---------------------------------------------------------------------------------------------------

const signInDialog = byId<HTMLDialogElement>('sign-in-dialog');
const signInError = byId('sign-in-error');
const keyInput = byId<HTMLInputElement>('api-key');
const signOutButton = byId<HTMLButtonElement>('sign-out');
signOutButton.hidden = credentials.token === undefined;

function showSignIn(): void {
  if (signInOpen) return;
  signInOpen = true;
  signInError.textContent = credentials.token === undefined ? '' : 'The key was refused or has expired.';
  signInDialog.showModal();
  keyInput.focus();
}

byId<HTMLFormElement>('sign-in-form').addEventListener('submit', (event) => {
  event.preventDefault();
  const key = keyInput.value.trim();
  if (key === '') return;
  credentials.set(key);
  void (async () => {
    try {
      await api.get(`${API}/units?limit=1`);
    } catch (err) {
      signInError.textContent =
        err instanceof ApiError && err.status === 401 ? 'This key was refused.' : (err as Error).message;
      return;
    }
    keyInput.value = '';
    signInOpen = false;
    signInDialog.close();
    signOutButton.hidden = false;
    live.reconnect();
    await refreshAll();
  })();
});
signInDialog.addEventListener('cancel', (event) => event.preventDefault()); // nothing to show without a key

signOutButton.addEventListener('click', () => {
  credentials.clear();
  window.location.reload();
});

// --- alarms ------------------------------------------------------------------------------------------------------

const shelveDialog = byId<HTMLDialogElement>('shelve-dialog');
const shelveForm = byId<HTMLFormElement>('shelve-form');
let shelving: Alarm | undefined;

const alarms = new AlarmBoard(
  byId('alarm-list'),
  byId('alarm-shelved-list'),
  byId('alarm-count'),
  byId('alarm-banner'),
  byId('announcer'),
  {
    acknowledge: async (alarm) => {
      try {
        alarms.apply(await api.post<Alarm>(`${API}/alerts/${alarm.id}/acknowledge`, {}));
      } catch (err) {
        actionFailed('acknowledge', err);
      }
    },
    shelve: (alarm) => {
      shelving = alarm;
      byId('shelve-alarm').textContent = `${alarm.unit_id} · ${sensorName(alarm.sensor_type)} · ${alarm.message}`;
      shelveForm.reset();
      shelveDialog.showModal();
    },
    unshelve: async (alarm) => {
      try {
        alarms.apply(await api.post<Alarm>(`${API}/alerts/${alarm.id}/unshelve`, {}));
      } catch (err) {
        actionFailed('unshelve', err);
      }
    },
  },
  () => overview.markAlarms(alarms.worstByUnit()),
);

function actionFailed(what: string, err: unknown): void {
  if (err instanceof ApiError && err.status === 403)
    toast(`You may not ${what} alarms: that needs the operator role`, true);
  else toast(`Could not ${what}: ${(err as Error).message}`, true);
}

shelveForm.addEventListener('submit', (event) => {
  event.preventDefault();
  const alarm = shelving;
  if (alarm === undefined) return;
  const minutes = Number(byId<HTMLSelectElement>('shelve-minutes').value);
  const reason = byId<HTMLInputElement>('shelve-reason').value.trim();
  if (reason === '') return;
  void (async () => {
    try {
      alarms.apply(await api.post<Alarm>(`${API}/alerts/${alarm.id}/shelve`, { minutes, reason }));
      shelveDialog.close();
      toast(`Shelved for ${minutes} min`);
    } catch (err) {
      actionFailed('shelve', err);
    }
  })();
});
byId('shelve-cancel').addEventListener('click', () => shelveDialog.close());

async function loadAlarms(): Promise<void> {
  try {
    alarms.load(await api.get<Alarm[]>(`${API}/alerts`));
  } catch (err) {
    if (!(err instanceof ApiError && err.status === 401)) toast(`Alarms unavailable: ${(err as Error).message}`, true);
  }
}

// --- units -------------------------------------------------------------------------------------------------------

const overview = new Overview(byId('unit-grid'), plant, (unitId) => navigate(unitId));
const filter = byId<HTMLInputElement>('unit-filter');
let allUnits: string[] = [];
let shownUnits: string[] = [];
const sensorsFetched = new Map<string, number>();
let latestMissing = false;

async function loadUnits(): Promise<void> {
  let units: UnitInfo[];
  try {
    units = await api.getAll<UnitInfo>(`${API}/units`);
  } catch (err) {
    if (!(err instanceof ApiError && err.status === 401)) toast(`Units unavailable: ${(err as Error).message}`, true);
    return;
  }
  for (const u of units) plant.unit(u.unit_id).status = u.status;
  allUnits = units.map((u) => u.unit_id).sort();
  pickUnits();
}

function pickUnits(): void {
  const text = filter.value.trim().toLowerCase();
  const matching = allUnits.filter((id) => id.toLowerCase().includes(text));
  const next = matching.slice(0, MAX_CARDS);
  byId('unit-count').textContent =
    matching.length > next.length
      ? `Showing ${next.length} of ${matching.length} units: filter to see others`
      : `${next.length} ${next.length === 1 ? 'unit' : 'units'}`;
  const added = next.filter((id) => !shownUnits.includes(id));
  shownUnits = next;
  byId('unit-empty').hidden = allUnits.length > 0;
  overview.show(shownUnits);
  live.follow(unitView.shown === undefined ? shownUnits : [...new Set([...shownUnits, unitView.shown])]);
  overview.markAlarms(alarms.worstByUnit());
  for (const id of added) void loadSensors(id);
}

filter.addEventListener('input', () => pickUnits());

/** Sensor settings carry the engineering unit and display name shown next to each value. */
async function loadSensors(unitId: string): Promise<void> {
  sensorsFetched.set(unitId, Date.now());
  try {
    const sensors = await api.getAll<SensorInfo>(`${API}/units/${encodeURIComponent(unitId)}/sensors`);
    for (const s of sensors) plant.sensor(unitId, s.sensor_type).settings = s;
    overview.refresh(unitId);
    unitView.settingsLoaded(unitId);
    void loadTrails(
      unitId,
      sensors.map((s) => s.sensor_type),
    );
  } catch {
    // Settings only label the values; the next new sensor type asks again.
  }
}

/** Sparklines start with the stored last minutes, from the historian: about one averaged point per second. */
const TRAIL_POINTS = Math.round(TRAIL_MS / 1000);
const trailsLoaded = new Set<string>();
let historyMissing = false;

async function loadTrails(unitId: string, sensorTypes: readonly string[]): Promise<void> {
  const to = new Date();
  const from = new Date(to.getTime() - TRAIL_MS);
  await Promise.all(
    sensorTypes.map(async (type) => {
      const key = `${unitId}/${type}`;
      if (historyMissing || trailsLoaded.has(key)) return;
      trailsLoaded.add(key);
      const query = new URLSearchParams({
        unit_id: unitId,
        sensor_type: type,
        from: from.toISOString(),
        to: to.toISOString(),
        max_points: String(TRAIL_POINTS),
        agg: 'avg',
      });
      try {
        const history = await api.get<HistoryResponse>(`${API}/telemetry/history?${query.toString()}`);
        const points = history.points.flatMap((p) =>
          typeof p.avg === 'number' ? [{ t: Date.parse(p.time), v: p.avg }] : [],
        );
        if (plant.prefill(unitId, type, points)) overview.changed(unitId, [type]);
      } catch (err) {
        // Without the historian route (Nest's own 404, "Cannot GET …") trails fill live only; other failures try
        // again the next time the unit's sensors load.
        if (err instanceof ApiError && err.status === 404 && err.message.startsWith('Cannot GET'))
          historyMissing = true;
        else trailsLoaded.delete(key);
      }
    }),
  );
}

/** Latest values for the first screen, from the historian's latest endpoint (contract of issue 8). */
async function loadLatest(): Promise<void> {
  if (latestMissing) return;
  try {
    const latest = await api.get<LatestResponse>(`${API}/telemetry/latest`);
    for (const unit of latest.units) {
      const changed = plant.apply(
        unit.unit_id,
        unit.sensors.map((s) => ({
          sensor_type: s.sensor_type,
          value: s.value,
          quality: s.quality,
          timestamp: s.time,
          state: s.state,
        })),
      );
      overview.changed(unit.unit_id, changed);
    }
  } catch (err) {
    // Without the endpoint, the subscribe_unit answer (when it carries them) and live data fill the cards.
    if (err instanceof ApiError && err.status === 404) latestMissing = true;
  }
}

// --- live data -----------------------------------------------------------------------------------------------------

const live = new LiveConnection(credentials, {
  state: setConnection,
  connected: () => void Promise.all([loadAlarms(), loadLatest()]),
  sensorData: ({ unit_id, readings }) => {
    const changed = plant.apply(unit_id, readings);
    overview.changed(unit_id, changed);
    unitView.changed(unit_id, changed);
    const unit = plant.unit(unit_id);
    const unlabelled = [...changed].some((t) => unit.sensors.get(t)?.settings === undefined);
    if (unlabelled && Date.now() - (sensorsFetched.get(unit_id) ?? 0) > SENSOR_REFETCH_MS) void loadSensors(unit_id);
  },
  unitStatus: ({ unit_id, status }) => {
    plant.unit(unit_id).status = status;
    overview.refresh(unit_id);
    if (unitView.shown === unit_id) unitView.refreshStatus();
  },
  alert: (alarm) => alarms.apply(alarm),
  commandStatus: (command) => unitView.commandStatus(command),
  snapshot: (unitId, readings) => overview.changed(unitId, plant.apply(unitId, readings)),
});

// --- views ---------------------------------------------------------------------------------------------------------

const plantSection = byId('plant');
const unitView = new UnitView(byId('unit-view'), api, plant, () => navigate(undefined));

function navigate(unitId: string | undefined): void {
  const url = new URL(window.location.href);
  if (unitId === undefined) url.searchParams.delete('unit');
  else url.searchParams.set('unit', unitId);
  window.history.pushState(null, '', url);
  route();
}

function route(): void {
  const unitId = new URLSearchParams(window.location.search).get('unit');
  if (unitId === null) {
    unitView.close();
    plantSection.hidden = false;
    live.follow(shownUnits);
    return;
  }
  plantSection.hidden = true;
  live.follow([...new Set([...shownUnits, unitId])]);
  const open = async (): Promise<void> => {
    if (!sensorsFetched.has(unitId)) await loadSensors(unitId);
    unitView.open(unitId);
  };
  void open();
}
window.addEventListener('popstate', route);

// --- simulator and identity ---------------------------------------------------------------------------------------

const simulator = new SimulatorPanel(byId('simulator'), api, toast);
const notifications = new NotificationsPanel(byId('notifications'), api);

/** Who the credentials stand for (GET /auth/me, from the authentication issue), and so which controls to show. */
interface Identity {
  kind: string;
  name: string;
  role: string;
  /** The units the credentials are limited to; null for the whole plant. */
  units?: string[] | null;
}
const ROLES = ['viewer', 'operator', 'engineer', 'admin'];

async function loadIdentity(): Promise<void> {
  let me: Identity;
  try {
    me = await api.get<Identity>(`${API}/auth/me`);
  } catch (err) {
    // A backend without the endpoint has no authentication: everyone may do everything.
    if (err instanceof ApiError && err.status === 404) {
      byId('identity').textContent = '';
      unitView.allowCommands(() => true);
    }
    return;
  }
  const rank = ROLES.indexOf(me.role);
  const scope = me.units ?? null;
  unitView.allowCommands(
    (unitId) => rank >= ROLES.indexOf('operator') && (scope === null || scope.length === 0 || scope.includes(unitId)),
  );
  alarms.allowActions(rank >= ROLES.indexOf('operator'));
  simulator.allow(rank >= ROLES.indexOf('engineer'));
  notifications.allow(rank >= ROLES.indexOf('engineer'));
  byId('identity').textContent = me.kind === 'anonymous' ? '' : `${me.name} · ${me.role}`;
}

async function refreshAll(): Promise<void> {
  await Promise.all([loadUnits(), loadIdentity()]);
  await Promise.all([loadAlarms(), loadLatest(), simulator.load(), notifications.load()]);
  route();
}

window.setInterval(() => overview.tick(), 1000);
window.setInterval(() => alarms.tick(), 10_000);
window.setInterval(() => {
  if (!signInOpen) void Promise.all([simulator.load(), notifications.load()]);
}, 5000);
window.setInterval(() => {
  if (!signInOpen) void loadUnits();
}, 30_000);

void refreshAll();
