import type { CommandSettings } from './command-settings.js';

/** Command settings with every limit off, for specs: override what the spec is about. */
export const commandSettings = (over: Partial<CommandSettings> = {}): CommandSettings => ({
  channel: 'mqtt',
  min: null,
  max: null,
  max_step: null,
  allowed_states: null,
  select_before_operate: false,
  confirmation: 'ack',
  readback_tolerance: 0,
  timeout_ms: 10_000,
  ...over,
});
