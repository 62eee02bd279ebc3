import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { contextEntries, DockerIgnore, goClean, readIgnoreLines } from './dockerignore.js';

const ignore = (...lines: string[]) => DockerIgnore.parse(lines.join('\n'));
const excluded = (rules: DockerIgnore, paths: string[]) => paths.filter((p) => rules.excludes(p));

describe('.dockerignore, read and matched as Docker does', () => {
  it('reads lines as ignorefile.ReadAll: comments, blanks, leading slashes and exceptions', () => {
    const text = 'test1\n/test2\n/a/file/here\n\nlastfile\n# this is a comment\n! /inverted/abs/path\n!\n! ';
    expect(readIgnoreLines(text)).toEqual([
      'test1',
      'test2',
      'a/file/here',
      'lastfile',
      '!inverted/abs/path',
      '!',
      '!',
    ]);
    expect(readIgnoreLines('\uFEFF#x\n  src/  \n./dist//\n')).toEqual(['src', 'dist']);
    expect(() => ignore('!')).toThrow('illegal exclusion pattern');
  });

  it('cleans paths as Go filepath.Clean', () => {
    expect(['', 'a//b/./c/..', 'src/', '/../x', '../a', './', 'a/../..'].map(goClean)).toEqual([
      '.',
      'a/b',
      'src',
      '/x',
      '../a',
      '.',
      '..',
    ]);
  });

  it('a pattern that matches a parent directory excludes everything below it', () => {
    const rules = ignore('node_modules', '*/temp*', 'temp?');
    expect(
      excluded(rules, [
        'node_modules/a/b.js',
        'src/node_modules/x',
        'somedir/temporary.txt',
        'somedir/temp/f',
        'temp',
        'tempa',
      ]),
    ).toEqual(['node_modules/a/b.js', 'somedir/temporary.txt', 'somedir/temp/f', 'tempa']);
  });

  it('* and ? stop at a slash, ** crosses any number of directories (none included)', () => {
    expect(excluded(ignore('*.md'), ['README.md', 'docs/a.md'])).toEqual(['README.md']);
    expect(excluded(ignore('**/*.go'), ['a.go', 'x/y/z.go', 'x/y/z.gox'])).toEqual(['a.go', 'x/y/z.go']);
    expect(excluded(ignore('**/.env'), ['.env', 'a/b/.env', 'a.env', 'a/.envrc'])).toEqual(['.env', 'a/b/.env']);
    expect(excluded(ignore('dir/**'), ['dir/a', 'dir/a/b', 'dirx/a'])).toEqual(['dir/a', 'dir/a/b']);
    expect(excluded(ignore('a/**/b'), ['a/b', 'a/x/y/b', 'a/xb'])).toEqual(['a/b', 'a/x/y/b']);
    expect(excluded(ignore('[ab].txt', '\\*x'), ['a.txt', 'c.txt', '*x', 'ax'])).toEqual(['a.txt', '*x']);
  });

  it('the last matching line wins (the documented README examples)', () => {
    const paths = ['README.md', 'README-secret.md', 'README-x.md', 'CHANGES.md'];
    expect(excluded(ignore('*.md', '!README*.md', 'README-secret.md'), paths)).toEqual([
      'README-secret.md',
      'CHANGES.md',
    ]);
    expect(excluded(ignore('*.md', 'README-secret.md', '!README*.md'), paths)).toEqual(['CHANGES.md']);
  });

  it("the repository's .dockerignore lets in the build's inputs only", () => {
    const rules = DockerIgnore.parse(readFileSync(join(import.meta.dirname, '..', '.dockerignore'), 'utf8'));
    const kept = ['package.json', 'package-lock.json', 'tsconfig.build.json', 'src/main.ts', 'dashboard/src/main.ts'];
    const out = ['.env', '.git/config', 'node_modules/x/index.js', 'dist/src/main.js', 'data/pg/base', 'bench/a.ts'];
    const specs = ['test/support/backend.ts', 'docs/dashboard.png', 'src/app.spec.ts', 'migrations/x.fixture.ts'];
    expect(excluded(rules, [...kept, ...out, ...specs])).toEqual([...out, ...specs]);
    expect(rules.mayIncludeBelow('node_modules')).toBe(false);
    expect(rules.mayIncludeBelow('src')).toBe(true);
  });

  it('walks the context: excluded trees are skipped unless an exception reaches into them', () => {
    const root = mkdtempSync(join(tmpdir(), 'dockerignore-spec-'));
    try {
      for (const file of ['keep/inner/a.txt', 'keep/other.txt', 'skip/b.txt', 'top.txt']) {
        mkdirSync(dirname(join(root, file)), { recursive: true });
        writeFileSync(join(root, file), file);
      }
      expect(contextEntries(root, ignore('*', '!keep/inner', '!top.txt'))).toEqual([
        { path: 'keep/inner', kind: 'dir' },
        { path: 'keep/inner/a.txt', kind: 'file' },
        { path: 'top.txt', kind: 'file' },
      ]);
      expect(contextEntries(root, ignore('skip')).map((e) => e.path)).toEqual([
        'keep',
        'keep/inner',
        'keep/inner/a.txt',
        'keep/other.txt',
        'top.txt',
      ]);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
