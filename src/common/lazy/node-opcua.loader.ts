import type * as NodeOpcuaModule from 'node-opcua';

/** node-opcua's exports, as `import * as` would give them. */
export type NodeOpcua = typeof NodeOpcuaModule;

let loaded: NodeOpcua | undefined;
let loading: Promise<NodeOpcua> | undefined;

/**
 * Loads node-opcua on first use. It is the largest library the backend has (some 1,000 modules and 8 MB of source
 * that V8 keeps for lazy compilation), and most starts never speak OPC UA: imported up front it made the backend
 * 35-40 MB larger at rest (embedded bench, node-opcua stubbed against not, side by side). The OPC UA client loads it
 * when it first connects, the demo server when it starts.
 */
export function loadNodeOpcua(): Promise<NodeOpcua> {
  loading ??= import('node-opcua').then((module) => (loaded = module));
  return loading;
}

/**
 * node-opcua, for code that only runs once loadNodeOpcua() has resolved (anything that holds a session, a
 * subscription or a started server); throws before, which is a bug of the caller.
 */
export function nodeOpcua(): NodeOpcua {
  if (loaded === undefined) throw new Error('node-opcua was used before loadNodeOpcua() resolved');
  return loaded;
}
