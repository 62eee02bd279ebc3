/**
 * A real node-opcua server with nodes to command, for the OPC UA write channel's end-to-end spec (run as a child
 * process by OpcuaServerProcess.start with `main`, like the simulator's demo server, and speaking its IPC protocol).
 * The demo server serves writable Doubles only; this one adds the types and the refusal a plant has:
 *
 * - `ns=1;s=CTRL1.setpoint`  Int16, writable (a controller in tenths of a degree)
 * - `ns=1;s=CTRL1.pump`      Boolean, writable
 * - `ns=1;s=CTRL1.limit`     Double, read-only (CurrentRead only: a write answers BadNotWritable)
 *
 * The parent sets values with `{ type: 'set', ... }` and reads them back with `{ type: 'get', ... }`.
 */
import {
  DataType,
  MessageSecurityMode,
  OPCUACertificateManager,
  OPCUAServer,
  SecurityPolicy,
  StatusCodes,
  type UAVariable,
} from 'node-opcua';

export type ControlCommand =
  | { type: 'set'; id: number; unitId: string; sensorType: string; value: number }
  | { type: 'get'; id: number; unitId: string; sensorType: string }
  | { type: 'stop'; id: number };

export type ControlReply =
  { type: 'started'; endpointUrl: string } | { type: 'done'; id: number; ok: boolean; value?: number | boolean | null };

export const CONTROL_UNIT = 'CTRL1';
const NODES: { name: string; dataType: DataType; writable: boolean; initial: number | boolean }[] = [
  { name: 'setpoint', dataType: DataType.Int16, writable: true, initial: 500 },
  { name: 'pump', dataType: DataType.Boolean, writable: true, initial: false },
  { name: 'limit', dataType: DataType.Double, writable: false, initial: 90 },
];

async function main(): Promise<void> {
  const server = new OPCUAServer({
    port: Number(process.env.OPCUA_DEMO_SERVER_PORT ?? 0),
    serverCertificateManager: new OPCUACertificateManager({
      rootFolder: process.env.OPCUA_PKI_DIR ?? './data/opcua-pki',
      automaticallyAcceptUnknownCertificate: true,
    }),
    securityModes: [MessageSecurityMode.None],
    securityPolicies: [SecurityPolicy.None],
    allowAnonymous: true,
  });
  await server.initialize();
  const addressSpace = server.engine.addressSpace!;
  const namespace = addressSpace.getOwnNamespace();
  const folder = namespace.addFolder(addressSpace.rootFolder.objects, { browseName: CONTROL_UNIT });
  const variables = new Map<string, UAVariable>();
  for (const node of NODES) {
    const variable = namespace.addVariable({
      componentOf: folder,
      browseName: node.name,
      nodeId: `s=${CONTROL_UNIT}.${node.name}`,
      dataType: DataType[node.dataType],
      accessLevel: node.writable ? 'CurrentRead | CurrentWrite' : 'CurrentRead',
      userAccessLevel: node.writable ? 'CurrentRead | CurrentWrite' : 'CurrentRead',
    });
    variable.setValueFromSource({ dataType: node.dataType, value: node.initial }, StatusCodes.Good);
    variables.set(`${CONTROL_UNIT}.${node.name}`, variable);
  }
  await server.start();
  const send = (reply: ControlReply, then: () => void = () => undefined) => process.send?.(reply, then);
  process.on('message', (command: ControlCommand) => {
    if (command.type === 'stop') {
      void server.shutdown(0).finally(() => send({ type: 'done', id: command.id, ok: true }, () => process.exit(0)));
      return;
    }
    const variable = variables.get(`${command.unitId}.${command.sensorType}`);
    if (variable === undefined) return send({ type: 'done', id: command.id, ok: false });
    if (command.type === 'set') {
      const { dataType } = variable.readValue().value;
      const value = dataType === DataType.Boolean ? command.value !== 0 : command.value;
      variable.setValueFromSource({ dataType, value }, StatusCodes.Good);
      return send({ type: 'done', id: command.id, ok: true });
    }
    send({ type: 'done', id: command.id, ok: true, value: variable.readValue().value.value as number | boolean });
  });
  process.on('disconnect', () => void server.shutdown(0).finally(() => process.exit(0)));
  const endpoint = server.endpoints[0] as { port?: number } | undefined;
  send({ type: 'started', endpointUrl: `opc.tcp://127.0.0.1:${endpoint?.port ?? 0}` });
}

main().catch((err: unknown) => {
  console.error(`OPC UA control server failed: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
