// A module (not a script), so that the block below augments the bus's vocabulary instead of declaring a new module.
export {};

declare module '../common/bus/event-map.js' {
  interface ReadingSources {
    modbus: true;
  }
}
