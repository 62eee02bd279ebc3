import type { CommandResponseDto } from './dto/command.dto.js';

declare module '../common/bus/event-map.js' {
  interface EventMap {
    /** A command changed state (src/commands/commands.service.ts); the gateway sends it to the unit's room as `command_status`. */
    'command.status_changed': CommandResponseDto;
  }
}
