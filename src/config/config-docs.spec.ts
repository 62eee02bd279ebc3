import {
  CONFIG_DOCS_COMMAND,
  GENERATED_BEGIN,
  GENERATED_END,
  groupEnvVars,
  renderConfigReference,
  renderEnvExample,
  spliceGenerated,
  staleConfigDocs,
  type EnvGroup,
  type EnvSchema,
} from './config-docs.js';

const schema: EnvSchema = {
  PORT: { kind: 'int', default: '3000', min: 0, max: 65535, description: 'HTTP port.' },
  ADDED_LATER: { kind: 'bool', default: 'false', description: 'Added next to PORT by someone else.' },
  DB_URL: {
    kind: 'string',
    secret: true,
    description: 'Database URL, e.g. postgres://u@h|x <host>; see PORT, tc_<hex>.',
  },
  MODE: { kind: 'enum', default: 'a', values: ['a', 'b'], description: 'Mode.' },
};
const groups: EnvGroup[] = [
  { title: 'General', first: 'PORT' },
  { title: 'Database', first: 'DB_URL', note: 'optional' },
];

describe('config docs generator', () => {
  it('groups variables by where they sit in the schema, so a new one joins its neighbours', () => {
    expect(groupEnvVars(schema, groups).map(({ group, names }) => [group.title, names])).toEqual([
      ['General', ['PORT', 'ADDED_LATER']],
      ['Database', ['DB_URL', 'MODE']],
    ]);
  });

  it('names the fix when a group no longer matches the schema', () => {
    expect(() => groupEnvVars(schema, [...groups, { title: 'Gone', first: 'REMOVED' }])).toThrow(
      "group 'Gone' starts at REMOVED, which is not in src/config/env.schema.ts: update ENV_GROUPS",
    );
    expect(() => groupEnvVars(schema, [groups[0], { title: 'Early', first: 'PORT' }])).toThrow('order ENV_GROUPS');
  });

  it('writes .env.example lines with defaults, allowed values and the secret marker', () => {
    const example = renderEnvExample(schema, groups);
    expect(example).toContain(`by \`${CONFIG_DOCS_COMMAND}\``);
    expect(example).toContain('# ---- Database (optional) ----\n');
    expect(example).toContain(
      '# Database URL, e.g. postgres://u@h|x <host>; see PORT, tc_<hex>. (secret: never logged)\nDB_URL=\n',
    );
    expect(example).toContain('# Mode. One of: a, b.\nMODE=a\n');
  });

  it('writes markdown tables whose cells cannot break: pipes and angle brackets escaped, names as code', () => {
    const reference = renderConfigReference(schema, groups);
    expect(reference).toContain('| `PORT` | `3000` | integer 0–65535 | HTTP port. |');
    expect(reference).toContain('| `ADDED_LATER` | `false` | true, false | Added next to `PORT` by someone else. |');
    expect(reference).toContain(
      '| `DB_URL` | _(unset)_ |  | Database URL, e.g. postgres://u@h\\|x &lt;host>; see `PORT`, tc\\_&lt;hex>. **Secret:** never logged',
    );
    expect(reference).toContain('### Database\n\nOptional.\n');
  });

  it('replaces only the generated block, and says how to add one that is missing', () => {
    const doc = `# Title\n\nProse above.\n\n${GENERATED_BEGIN}\nold table\n${GENERATED_END}\n\nProse below.\n`;
    const spliced = spliceGenerated(doc, 'new table\n');
    expect(spliced).toMatch(/^# Title\n\nProse above\.\n\n<!-- BEGIN GENERATED[^\n]*\n/);
    expect(spliced).toContain('new table');
    expect(spliced).not.toContain('old table');
    expect(spliced.endsWith(`${GENERATED_END}\n\nProse below.\n`)).toBe(true);
    expect(spliceGenerated(spliced, 'new table\n')).toBe(spliced);
    expect(() => spliceGenerated('# No markers\n', 'x')).toThrow('docs/configuration.md has no generated block');
  });

  it('reports each stale file with the command that regenerates it', () => {
    const files: Record<string, string> = {
      '.env.example': renderEnvExample(schema, groups),
      'docs/configuration.md': `Prose.\n\n${GENERATED_BEGIN}\n${GENERATED_END}\n`,
    };
    const read = (path: string): string | undefined => files[path];
    expect(staleConfigDocs(schema, read, groups)).toEqual([
      `docs/configuration.md is out of date with src/config/env.schema.ts: run \`${CONFIG_DOCS_COMMAND}\` to regenerate it`,
    ]);
    files['docs/configuration.md'] = spliceGenerated(
      files['docs/configuration.md'],
      renderConfigReference(schema, groups),
    );
    expect(staleConfigDocs(schema, read, groups)).toEqual([]);
    files['.env.example'] += 'EXTRA=1\n';
    expect(staleConfigDocs(schema, read, groups)).toEqual([
      `.env.example is out of date with src/config/env.schema.ts: run \`${CONFIG_DOCS_COMMAND}\` to regenerate it`,
    ]);
  });
});
