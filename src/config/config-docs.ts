/**
 * Renders the configuration reference from the one schema (`env.schema.ts`): `.env.example` whole, and the
 * generated block of `docs/configuration.md` (the prose around it is hand-written). `npm run docs:config`
 * writes both; `app-config.spec.ts` fails while either is stale. Pure functions: no I/O here.
 */
import type { EnvVarSpec } from './env.schema.js';

/** The command that regenerates both files; every stale-file message names it. */
export const CONFIG_DOCS_COMMAND = 'npm run docs:config';

/**
 * Groups follow the order of the schema: a group starts at its `first` variable and takes every variable after it
 * until the next group starts, so a variable added next to its neighbours lands in their group without touching
 * this list. A new section of the schema needs one more entry here.
 */
export interface EnvGroup {
  /** Section title in `.env.example` and heading in `docs/configuration.md`. */
  title: string;
  /** The schema variable the group starts at. */
  first: string;
  /** A phrase on the group (lower case, no full stop), shown in both files. */
  note?: string;
}

export const ENV_GROUPS: readonly EnvGroup[] = [
  { title: 'General', first: 'NODE_ENV' },
  { title: 'Database', first: 'DATABASE_URL' },
  { title: 'MQTT', first: 'MQTT_BROKER_HOST' },
  { title: 'Pipeline', first: 'INGEST_BATCH_SIZE' },
  { title: 'Historian', first: 'TELEMETRY_RETENTION' },
  { title: 'Socket.IO', first: 'WEBSOCKET_CORS_ORIGINS' },
  {
    title: 'OPC UA',
    first: 'OPCUA_SERVER_URL',
    note: 'optional: off unless OPCUA_SERVER_URL is set or POST /api/v1/scada/opcua/connect is called',
  },
  { title: 'Security', first: 'AUTH_ENABLED', note: 'see docs/security.md' },
  {
    title: 'Simulator',
    first: 'SIMULATOR_AUTOSTART',
    note: 'a protocol gateway stand-in: publishes plant data over MQTT like real equipment',
  },
];

export type EnvSchema = Readonly<Record<string, EnvVarSpec>>;

export interface GroupedVars {
  group: EnvGroup;
  names: string[];
}

/** The schema's variables by group, in schema order. Throws, naming the fix, when a group's first variable is gone. */
export function groupEnvVars(schema: EnvSchema, groups: readonly EnvGroup[] = ENV_GROUPS): GroupedVars[] {
  const names = Object.keys(schema);
  const starts = groups.map((group) => {
    const index = names.indexOf(group.first);
    if (index < 0) {
      throw new Error(
        `Config docs group '${group.title}' starts at ${group.first}, which is not in src/config/env.schema.ts: ` +
          `update ENV_GROUPS in src/config/config-docs.ts`,
      );
    }
    return index;
  });
  if (starts[0] !== 0) {
    throw new Error(`Config docs: the first group must start at the schema's first variable, ${names[0]}`);
  }
  for (let i = 1; i < starts.length; i++) {
    if (starts[i] <= starts[i - 1]) {
      throw new Error(
        `Config docs group '${groups[i].title}' (${groups[i].first}) comes before '${groups[i - 1].title}' ` +
          `(${groups[i - 1].first}) in the schema: order ENV_GROUPS in src/config/config-docs.ts like the schema`,
      );
    }
  }
  return groups.map((group, i) => ({ group, names: names.slice(starts[i], starts[i + 1] ?? names.length) }));
}

function defaultOf(spec: EnvVarSpec): string {
  return spec.default ?? '';
}

function allowedValues(spec: EnvVarSpec): string | undefined {
  switch (spec.kind) {
    case 'enum':
      return spec.values?.join(', ');
    case 'bool':
      return 'true, false';
    case 'int':
    case 'number': {
      const kind = spec.kind === 'int' ? 'integer' : 'number';
      if (spec.min !== undefined && spec.max !== undefined) return `${kind} ${spec.min}–${spec.max}`;
      if (spec.min !== undefined) return `${kind} ≥ ${spec.min}`;
      if (spec.max !== undefined) return `${kind} ≤ ${spec.max}`;
      return kind;
    }
    case 'string':
      return undefined;
  }
}

const ENV_EXAMPLE_HEADER = [
  '# ThermaCore SCADA Core configuration. Every variable, with its default.',
  `# Generated from src/config/env.schema.ts by \`${CONFIG_DOCS_COMMAND}\`: edit the schema, not this file.`,
  '# Set these in the environment, or copy this file to .env in the working directory (read at start-up;',
  '# the environment wins). An empty value means the default / unset.',
  '# With DATABASE_URL and MQTT_BROKER_HOST unset, the backend runs its own embedded PostgreSQL and MQTT broker.',
  '# Reference with allowed values: docs/configuration.md.',
];

/** The whole `.env.example`: every variable with its description and default, by group. */
export function renderEnvExample(schema: EnvSchema, groups: readonly EnvGroup[] = ENV_GROUPS): string {
  const lines = [...ENV_EXAMPLE_HEADER];
  for (const { group, names } of groupEnvVars(schema, groups)) {
    lines.push('', `# ---- ${group.title}${group.note ? ` (${group.note})` : ''} ----`);
    for (const name of names) {
      const spec = schema[name];
      const oneOf = spec.kind === 'enum' && spec.values ? ` One of: ${spec.values.join(', ')}.` : '';
      const secret = spec.secret ? ' (secret: never logged)' : '';
      lines.push(`# ${spec.description}${oneOf}${secret}`, `${name}=${defaultOf(spec)}`);
    }
  }
  return `${lines.join('\n')}\n`;
}

/**
 * Markdown-safe cell text: pipes would split the cell, `<…>` would read as an HTML tag, and an underscore next to
 * punctuation could open emphasis (one inside a word, as in a variable name, cannot).
 */
function cellText(text: string, varNames?: RegExp): string {
  const safe = text
    .replaceAll('\\', '\\\\')
    .replaceAll('|', '\\|')
    .replaceAll('<', '&lt;')
    .replace(/\s+/g, ' ')
    .replace(/_(?![A-Za-z0-9])|(?<![A-Za-z0-9])_/g, '\\_');
  return varNames ? safe.replace(varNames, '`$1`') : safe;
}

function code(text: string): string {
  return text.includes('`') ? `\`\` ${text} \`\`` : `\`${text}\``;
}

/** The generated block of `docs/configuration.md`: one table per group. */
export function renderConfigReference(schema: EnvSchema, groups: readonly EnvGroup[] = ENV_GROUPS): string {
  const names = Object.keys(schema).sort((a, b) => b.length - a.length);
  const varNames = new RegExp(`\\b(${names.join('|')})\\b`, 'g');
  const out: string[] = [];
  for (const { group, names: groupNames } of groupEnvVars(schema, groups)) {
    out.push(`### ${group.title}`, '');
    if (group.note) out.push(`${cellText(group.note[0].toUpperCase() + group.note.slice(1), varNames)}.`, '');
    out.push('| Variable | Default | Values | Description |', '| --- | --- | --- | --- |');
    for (const name of groupNames) {
      const spec = schema[name];
      const byDefault =
        spec.default === undefined ? '_(unset)_' : spec.default === '' ? '_(empty)_' : code(spec.default);
      const values = allowedValues(spec);
      const secret = spec.secret ? ' **Secret:** never logged, never returned by an API.' : '';
      out.push(
        `| \`${name}\` | ${byDefault} | ${values ? cellText(values) : ''} | ${cellText(spec.description, varNames)}${secret} |`,
      );
    }
    out.push('');
  }
  return out.join('\n');
}

export const GENERATED_BEGIN =
  `<!-- BEGIN GENERATED by \`${CONFIG_DOCS_COMMAND}\` from src/config/env.schema.ts: ` +
  `edit the schema and rerun it, not this block -->`;
export const GENERATED_END = '<!-- END GENERATED -->';
const IGNORE_BEGIN = '<!-- prettier-ignore-start -->';
const IGNORE_END = '<!-- prettier-ignore-end -->';

/** `doc` with the text between the generated-block markers replaced by `block` (prettier leaves it alone). */
export function spliceGenerated(doc: string, block: string, file = 'docs/configuration.md'): string {
  const begin = doc.indexOf(GENERATED_BEGIN);
  const end = doc.indexOf(GENERATED_END);
  if (begin < 0 || end < begin) {
    throw new Error(
      `${file} has no generated block: put the lines\n${GENERATED_BEGIN}\n${GENERATED_END}\nwhere it goes`,
    );
  }
  const inner = ['', IGNORE_BEGIN, '', block.trimEnd(), '', IGNORE_END, ''].join('\n');
  return `${doc.slice(0, begin + GENERATED_BEGIN.length)}${inner}\n${doc.slice(end)}`;
}

export interface ConfigDocFile {
  /** Path relative to the repository root. */
  path: string;
  /** The file's content as it should be. */
  expected: (current: string | undefined) => string;
}

/** The files generated from the schema, each with how to compute its expected content from its current one. */
export function configDocFiles(schema: EnvSchema, groups: readonly EnvGroup[] = ENV_GROUPS): ConfigDocFile[] {
  return [
    { path: '.env.example', expected: () => renderEnvExample(schema, groups) },
    {
      path: 'docs/configuration.md',
      expected: (current) => spliceGenerated(current ?? '', renderConfigReference(schema, groups)),
    },
  ];
}

/** One message per stale file, naming the command that regenerates it; empty when every file is current. */
export function staleConfigDocs(
  schema: EnvSchema,
  read: (path: string) => string | undefined,
  groups: readonly EnvGroup[] = ENV_GROUPS,
): string[] {
  const stale: string[] = [];
  for (const file of configDocFiles(schema, groups)) {
    const current = read(file.path);
    if (current !== file.expected(current)) {
      stale.push(
        `${file.path} is out of date with src/config/env.schema.ts: run \`${CONFIG_DOCS_COMMAND}\` to regenerate it`,
      );
    }
  }
  return stale;
}
