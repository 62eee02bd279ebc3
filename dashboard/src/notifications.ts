import { ApiError, type ApiClient, API } from './api.js';
import { el, replace } from './dom.js';
import { formatTime } from './format.js';

/** What the panel reads of GET /notifications/channels. */
interface Channel {
  id: string;
  name: string;
  type: string;
  enabled: boolean;
}
/** What the panel reads of GET /notifications/deliveries. */
interface Delivery {
  id: string;
  kind: string;
  unit_id: string | null;
  channel_id: string;
  transition: string;
  step: number;
  status: string;
  attempts: number;
  last_error: string | null;
  created_at: string;
}

const LAST_DELIVERIES = 10;

/**
 * Notification channels and the last deliveries with their status, for engineers (the routes need that role and
 * a plant-wide credential): hidden for other roles, and hidden for good once the server refuses (403) or has no
 * notifications (404). Read-only: channels and rules are managed over the API.
 */
export class NotificationsPanel {
  private allowed = true;
  private readonly channels = el('ul', { class: 'notify-channels', 'aria-label': 'Notification channels' });
  private readonly deliveries = el('ul', { class: 'notify-deliveries', 'aria-label': 'Last notification deliveries' });

  constructor(
    private readonly root: HTMLElement,
    private readonly api: ApiClient,
  ) {
    replace(
      root,
      el('h2', { id: 'notifications-title' }, 'Notifications'),
      el('h3', {}, 'Channels'),
      this.channels,
      el('h3', {}, 'Last deliveries'),
      this.deliveries,
    );
  }

  /** Shows the panel for the roles that may read it (engineer and admin). */
  allow(allowed: boolean): void {
    this.allowed = allowed;
    this.root.hidden = !allowed;
    if (allowed) void this.load();
  }

  async load(): Promise<void> {
    if (!this.allowed) return;
    let channels: Channel[];
    let page: { items: Delivery[] };
    try {
      [channels, page] = await Promise.all([
        this.api.get<Channel[]>(`${API}/notifications/channels`),
        this.api.get<{ items: Delivery[] }>(`${API}/notifications/deliveries?limit=${LAST_DELIVERIES}`),
      ]);
    } catch (err) {
      if (err instanceof ApiError && (err.status === 403 || err.status === 404)) this.allow(false);
      return;
    }
    this.root.hidden = false;
    const names = new Map(channels.map((c) => [c.id, c.name]));
    replace(
      this.channels,
      ...(channels.length === 0
        ? [el('li', { class: 'muted' }, 'No channel yet (POST /api/v1/scada/notifications/channels)')]
        : channels.map((c) =>
            el(
              'li',
              { 'data-channel': c.name },
              el('span', { class: 'notify-name' }, c.name),
              ` ${c.type}`,
              c.enabled ? null : el('span', { class: 'muted' }, ' (disabled)'),
            ),
          )),
    );
    replace(
      this.deliveries,
      ...(page.items.length === 0
        ? [el('li', { class: 'muted' }, 'Nothing sent yet')]
        : page.items.map((d) =>
            el(
              'li',
              { 'data-status': d.status, title: d.last_error ?? '' },
              el('span', { class: `notify-status status-${d.status}` }, d.status),
              ` ${d.kind === 'summary' ? 'flood summary' : `${d.unit_id ?? ''} ${d.transition.replaceAll('_', ' ')}`}`,
              d.step > 0 ? ` (escalation ${d.step})` : null,
              ` → ${names.get(d.channel_id) ?? 'deleted channel'} · ${formatTime(d.created_at)}`,
              d.attempts > 1 ? ` · ${d.attempts} attempts` : null,
            ),
          )),
    );
  }
}
