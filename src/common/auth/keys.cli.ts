import 'reflect-metadata';
import { parseArgs } from 'node:util';
import { cliAudit } from '../audit/cli-audit.js';
import { runCli, withCliDatabase } from '../database/cli-database.js';
import { IDENTIFIER } from '../identifier.js';
import { ROLES, type Role } from './access.js';
import { generateApiKey } from './api-key.js';
import { KEY_NAME } from './api-key.dto.js';
import { type ApiKeyRecord, ApiKeyRepository } from './api-key.repository.js';
import { APP_FEATURES } from '../../app.features.js';

const USAGE = `Manage API keys in the configured database (DATABASE_URL, or the embedded one under DATA_DIR).

  npm run keys -- create --role <viewer|operator|engineer|admin> --name <name> [--units UNIT001,UNIT002]
  npm run keys -- list [--all]
  npm run keys -- revoke <key id>

create prints the key once; only its hash is stored. With the embedded database, stop the backend first
(PGlite has one writer), or use the REST API (POST /api/v1/scada/auth/keys) while it runs.`;

function fail(message: string): never {
  console.error(message);
  process.exit(2); // the CLI's exit code for a refused command, so scripts can tell it from a crash
}

function show(key: ApiKeyRecord): string {
  const units = key.units === null ? 'all units' : key.units.join(',');
  const state = key.revokedAt === null ? 'active' : `revoked ${key.revokedAt.toISOString()}`;
  return `${key.id}  ${key.role.padEnd(8)}  ${key.name}  (${units}; ${state}; created ${key.createdAt.toISOString()})`;
}

/** The OS account running the CLI, for the audit log (a container may have none in /etc/passwd). */
async function main(): Promise<void> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      role: { type: 'string' },
      name: { type: 'string' },
      units: { type: 'string' },
      all: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  const [command, arg] = positionals;
  if (values.help || command === undefined) {
    console.log(USAGE);
    return;
  }
  if (!['create', 'list', 'revoke'].includes(command)) fail(`Unknown command '${command}'.\n\n${USAGE}`);

  await withCliDatabase(APP_FEATURES, async ({ db }) => {
    const keys = new ApiKeyRepository(db);
    // Key changes made on the host are management actions like any other: audited, with the OS user as actor.
    const audit = cliAudit(db, 'npm run keys');
    const { actor } = audit;
    if (command === 'create') {
      const role = values.role as Role | undefined;
      if (role === undefined || !ROLES.includes(role)) fail(`--role must be one of ${ROLES.join(', ')}`);
      const name = values.name ?? '';
      if (!KEY_NAME.test(name)) fail('--name must be 1-128 printable characters');
      const units = values.units
        ?.split(',')
        .map((u) => u.trim())
        .filter(Boolean);
      if (units?.some((u) => !IDENTIFIER.test(u))) fail('--units must be unit ids of 1-64 letters, digits, _ or -');
      const key = generateApiKey();
      await keys.insert({
        ...key,
        name,
        role,
        units: units === undefined || units.length === 0 ? null : [...new Set(units)].sort(),
        createdBy: actor,
      });
      const created = (await keys.find(key.id))!;
      await audit.record('api_keys.create', null, created, { id: key.id });
      console.log(show(created));
      console.log(`\nKey (shown once, only its hash is stored):\n\n    ${key.token}\n`);
    } else if (command === 'list') {
      const list = await keys.list(values.all);
      console.log(list.length === 0 ? 'No keys.' : list.map(show).join('\n'));
    } else {
      if (arg === undefined || !/^[0-9a-f]{16}$/.test(arg)) fail('revoke needs a key id (16 hexadecimal digits)');
      const before = await keys.find(arg);
      const key = await keys.revoke(arg, actor);
      if (key === undefined) fail(`Unknown key '${arg}'`);
      await audit.record('api_keys.revoke', before, key, { id: arg });
      console.log(show(key));
      console.log('Running backends refuse it within 10 s; their sockets close within AUTH_SOCKET_RECHECK_S.');
    }
    await audit.close();
  });
}

runCli(main);
