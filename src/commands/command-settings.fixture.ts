import { type CommandSettings, OPEN_COMMAND_SETTINGS } from './command-settings.js';

/** Command settings with every limit off, for specs: override what the spec is about. */
export const commandSettings = (over: Partial<CommandSettings> = {}): CommandSettings => ({
  ...OPEN_COMMAND_SETTINGS,
  ...over,
});
