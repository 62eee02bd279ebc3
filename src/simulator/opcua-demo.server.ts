import type { OPCUAServer, StatusCode, UAVariable } from 'node-opcua';
import { loadNodeOpcua, nodeOpcua } from '../common/lazy/node-opcua.loader.js';
import type { Quality } from '../common/bus/event-map.js';
import type { SimulatedReading } from './plant-model.js';
import { SENSOR_TYPES } from './unit-model.js';

export interface OpcuaDemoServerOptions {
  /** TCP port; 0 picks a free one (see `port` once started). */
  port: number;
  /** node-opcua keeps the server certificate here (created on first start, which takes a moment). */
  pkiDir: string;
  unitIds: readonly string[];
  sensorTypes?: readonly string[];
}

/** The status code a quality is served with (node-opcua is loaded by then: the server has started). */
function statusOf(quality: Quality): StatusCode {
  const { StatusCodes } = nodeOpcua();
  return quality === 'GOOD' ? StatusCodes.Good : quality === 'UNCERTAIN' ? StatusCodes.Uncertain : StatusCodes.Bad;
}

/**
 * A real OPC UA server (node-opcua) that serves simulated units, so the OPC UA path can be tried, and tested, with
 * no plant attached. Address space: Objects/Units/<unit>/<sensor>, a Double variable per sensor with node id
 * `ns=1;s=<unit>.<sensor>`. Values are pushed in (`update` with a simulator tick, or `setValue`), each with its
 * quality as status code and its tick time as source timestamp. Security mode None, anonymous: a demo only.
 */
export class OpcuaDemoServer {
  private server?: OPCUAServer;
  private readonly variables = new Map<string, UAVariable>();
  private readonly sensorTypes: readonly string[];

  constructor(private readonly options: OpcuaDemoServerOptions) {
    this.sensorTypes = options.sensorTypes ?? SENSOR_TYPES;
  }

  /** The node id of a unit's sensor variable. */
  static nodeIdOf(unitId: string, sensorType: string): string {
    return `ns=1;s=${unitId}.${sensorType}`;
  }

  get running(): boolean {
    return this.server !== undefined;
  }

  /** The port listened on (the chosen one when started with 0). */
  get port(): number {
    const endpoint = this.server?.endpoints[0] as { port?: number } | undefined;
    return endpoint?.port ?? this.options.port;
  }

  /** An endpoint URL for clients on this machine. */
  get endpointUrl(): string {
    return `opc.tcp://127.0.0.1:${this.port}`;
  }

  get variableCount(): number {
    return this.variables.size;
  }

  async start(): Promise<void> {
    if (this.server) return;
    const { DataType, MessageSecurityMode, OPCUACertificateManager, OPCUAServer, SecurityPolicy, StatusCodes } =
      await loadNodeOpcua();
    const server = new OPCUAServer({
      port: this.options.port,
      serverCertificateManager: new OPCUACertificateManager({
        rootFolder: this.options.pkiDir,
        automaticallyAcceptUnknownCertificate: true,
      }),
      securityModes: [MessageSecurityMode.None],
      securityPolicies: [SecurityPolicy.None],
      allowAnonymous: true,
      // Anonymous only: its None endpoint offers no user-name login, and a user sent anyway is refused.
      userManager: { isValidUser: () => false },
      buildInfo: { productName: 'ThermaCore simulator', manufacturerName: 'ThermaCore' },
    });
    await server.initialize();
    const addressSpace = server.engine.addressSpace;
    if (!addressSpace) throw new Error('node-opcua server has no address space after initialize');
    const namespace = addressSpace.getOwnNamespace();
    const units = namespace.addFolder(addressSpace.rootFolder.objects, { browseName: 'Units', nodeId: 's=Units' });
    this.variables.clear();
    for (const unitId of this.options.unitIds) {
      const folder = namespace.addFolder(units, { browseName: unitId, nodeId: `s=${unitId}` });
      for (const sensorType of this.sensorTypes) {
        const variable = namespace.addVariable({
          componentOf: folder,
          browseName: sensorType,
          nodeId: `s=${unitId}.${sensorType}`,
          dataType: 'Double',
        });
        // No value until the simulator sends one: a client sees Bad_WaitingForInitialData, not a made-up 0.
        variable.setValueFromSource({ dataType: DataType.Null }, StatusCodes.BadWaitingForInitialData);
        this.variables.set(`${unitId}.${sensorType}`, variable);
      }
    }
    await server.start();
    this.server = server;
  }

  /** Sets one variable; false when the unit or sensor is not served. */
  setValue(unitId: string, sensorType: string, value: number, quality: Quality = 'GOOD', time = new Date()): boolean {
    const variable = this.variables.get(`${unitId}.${sensorType}`);
    if (!variable) return false;
    variable.setValueFromSource({ dataType: nodeOpcua().DataType.Double, value }, statusOf(quality), time);
    return true;
  }

  /** Applies a simulator tick: every reading of a served unit becomes its variable's new value. */
  update(readings: readonly SimulatedReading[]): void {
    if (!this.server) return;
    let time: Date | undefined;
    let stamp: string | undefined;
    for (const r of readings) {
      // A tick's readings share one timestamp: parse it once.
      if (r.timestamp !== stamp) {
        stamp = r.timestamp;
        time = new Date(stamp);
      }
      this.setValue(r.unit_id, r.sensor_type, r.value, r.quality, time);
    }
  }

  /** Shuts down at once: clients see the connection drop (and reconnect when a server is back on the port). */
  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    this.variables.clear();
    if (server) await server.shutdown(0);
  }
}
