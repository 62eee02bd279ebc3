import type { UnitStatusChange } from '../common/bus/event-map.js';

/** Unit statuses committed by one batch, in one event. */
export interface UnitStatusChanges {
  changes: UnitStatusChange[];
}

declare module '../common/bus/event-map.js' {
  interface EventMap {
    /** Emitted by the reading writer once a batch's unit statuses are committed to `units`. */
    'units.status_changed': UnitStatusChanges;
  }
}
