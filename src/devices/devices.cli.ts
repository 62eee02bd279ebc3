import 'reflect-metadata';
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { IDENTIFIER } from '../common/identifier.js';
import { cliAudit } from '../common/audit/cli-audit.js';
import { runCli, withCliDatabase } from '../common/database/cli-database.js';
import { mosquittoAclFile, mosquittoHash, mosquittoPasswordFile, SPARKPLUG_NODE } from './device-access.js';
import { newDeviceCredential, normalisedUnits } from './device-credential.js';
import { MAX_DEVICE_UNITS } from './device.dto.js';
import { type DeviceRecord, DeviceRepository } from './device.repository.js';
import { APP_FEATURES } from '../app.features.js';

const USAGE = `Manage MQTT device credentials in the configured database (DATABASE_URL, or the embedded one under DATA_DIR).

  npm run devices -- create --name <name> --units UNIT001,UNIT002 [--status] [--sparkplug Group/Edge,...]
  npm run devices -- list [--all]
  npm run devices -- revoke <device id>
  npm run devices -- export-mosquitto --password-file <file> --acl-file <file>

create prints the password once; only its hashes are stored. --status lets the device publish unit statuses too;
--sparkplug lets it speak Sparkplug B for those edge nodes ({group}/{edge node}: births, data, deaths, commands).
export-mosquitto writes Mosquitto's password file (user:$7$..., PBKDF2-SHA512) and ACL file for every active
device, plus the backend's own user (MQTT_USERNAME, MQTT_PASSWORD) when both are set; point mosquitto.conf's
password_file and acl_file at them and reload Mosquitto (SIGHUP) after every change. With the embedded database,
stop the backend first (PGlite has one writer), or use the REST API (POST /api/v1/scada/devices) while it runs.`;

function fail(message: string): never {
  console.error(message);
  process.exit(2); // the CLI's exit code for a refused command, so scripts can tell it from a crash
}

function show(device: DeviceRecord): string {
  const state = device.revokedAt === null ? 'active' : `revoked ${device.revokedAt.toISOString()}`;
  const status =
    (device.publishStatus ? '; may publish status' : '') +
    (device.sparkplugNodes.length > 0 ? `; Sparkplug ${device.sparkplugNodes.join(',')}` : '');
  return `${device.id}  ${device.name}  (${device.units.join(',')}${status}; ${state}; created ${device.createdAt.toISOString()})`;
}

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      name: { type: 'string' },
      units: { type: 'string' },
      status: { type: 'boolean', default: false },
      sparkplug: { type: 'string' },
      all: { type: 'boolean', default: false },
      'password-file': { type: 'string' },
      'acl-file': { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  const [command, arg] = positionals;
  if (values.help || command === undefined) {
    console.log(USAGE);
    return;
  }
  if (!['create', 'list', 'revoke', 'export-mosquitto'].includes(command)) {
    fail(`Unknown command '${command}'.\n\n${USAGE}`);
  }

  await withCliDatabase(APP_FEATURES, async ({ config, db }) => {
    const devices = new DeviceRepository(db);
    // Device changes made on the host are audited like the REST routes' (never the password).
    const audit = cliAudit(db, 'npm run devices');
    if (command === 'create') {
      const name = values.name ?? '';
      if (!IDENTIFIER.test(name)) fail('--name must be 1-64 letters, digits, _ or -');
      const units = normalisedUnits(
        (values.units ?? '')
          .split(',')
          .map((u) => u.trim())
          .filter(Boolean),
      );
      if (units.length === 0 || units.length > MAX_DEVICE_UNITS || units.some((u) => !IDENTIFIER.test(u))) {
        fail(`--units must be 1-${MAX_DEVICE_UNITS} unit ids of 1-64 letters, digits, _ or -, separated by commas`);
      }
      const sparkplugNodes = [
        ...new Set(
          (values.sparkplug ?? '')
            .split(',')
            .map((n) => n.trim())
            .filter(Boolean),
        ),
      ].sort();
      if (sparkplugNodes.length > MAX_DEVICE_UNITS || sparkplugNodes.some((n) => !SPARKPLUG_NODE.test(n))) {
        fail(
          "--sparkplug must be '{group}/{edge node}' pairs of Sparkplug ids (no '/', '+', '#', spaces), separated by commas",
        );
      }
      const credential = newDeviceCredential();
      const inserted = await devices.insert({
        ...credential,
        name,
        units,
        publishStatus: values.status,
        sparkplugNodes,
        createdBy: audit.actor,
      });
      if (!inserted) fail(`An active device named '${name}' exists; revoke it first or pick another name`);
      const created = (await devices.find(credential.id))!;
      await audit.record('devices.create', null, created, { id: credential.id });
      console.log(show(created));
      console.log(
        `\nMQTT user name: ${name}\nMQTT password (shown once, only its hashes are stored):\n\n    ${credential.secret}\n`,
      );
    } else if (command === 'list') {
      const list = await devices.list(values.all);
      console.log(list.length === 0 ? 'No devices.' : list.map(show).join('\n'));
    } else if (command === 'revoke') {
      if (arg === undefined || !/^[0-9a-f]{16}$/.test(arg)) fail('revoke needs a device id (16 hexadecimal digits)');
      const before = await devices.find(arg);
      const device = await devices.revoke(arg, audit.actor);
      if (device === undefined) fail(`Unknown device '${arg}'`);
      await audit.record('devices.revoke', before, device, { id: arg });
      console.log(show(device));
      console.log('Embedded brokers refuse it within 10 s; regenerate the Mosquitto files with export-mosquitto.');
    } else {
      const passwordFile = values['password-file'];
      const aclFile = values['acl-file'];
      if (passwordFile === undefined || aclFile === undefined)
        fail('export-mosquitto needs --password-file and --acl-file');
      const active = await devices.active();
      const user = config.mqttUsername;
      const password = config.mqttPassword;
      const backend =
        user !== undefined && password !== undefined ? { user, hash: mosquittoHash(password) } : undefined;
      if (backend === undefined) {
        console.error(
          'MQTT_USERNAME / MQTT_PASSWORD unset: the backend has no user in these files and cannot connect.',
        );
      }
      // Owner-only: the hashes are slow to test, but a password file is still nobody else's business.
      writeFileSync(passwordFile, mosquittoPasswordFile(active, backend), { mode: 0o600 });
      writeFileSync(aclFile, mosquittoAclFile(config.mqttTopicPrefix, active, backend?.user), { mode: 0o600 });
      await audit.record('devices.export_mosquitto', null, null, { devices: active.length });
      console.log(`${active.length} device(s)${backend ? ` and the backend user '${backend.user}'` : ''} written.`);
    }
    await audit.close();
  });
}

runCli(main);
