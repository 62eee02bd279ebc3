import { lstatSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

/**
 * A .dockerignore file, read and matched the way Docker reads and matches it (moby/patternmatcher: ignorefile.ReadAll,
 * then PatternMatcher.MatchesOrParentMatches), so the image-build replay assembles the same build context a real
 * `docker build` sends. Paths are relative to the context root, `/`-separated.
 */

/** Go's filepath.Clean on `/`-separated paths: no empty, `.` or resolvable `..` elements, no trailing slash. */
export function goClean(path: string): string {
  if (path === '') return '.';
  const rooted = path.startsWith('/');
  const parts: string[] = [];
  for (const segment of path.split('/')) {
    if (segment === '' || segment === '.') continue;
    if (segment === '..') {
      if (parts.length > 0 && parts[parts.length - 1] !== '..') parts.pop();
      else if (!rooted) parts.push('..');
    } else {
      parts.push(segment);
    }
  }
  const cleaned = (rooted ? '/' : '') + parts.join('/');
  return cleaned === '' ? '.' : cleaned;
}

/** The lines of a .dockerignore file as patterns (ignorefile.ReadAll): comments and blanks dropped, paths cleaned. */
export function readIgnoreLines(text: string): string[] {
  const out: string[] = [];
  text.split(/\r?\n/).forEach((raw, index) => {
    const line = index === 0 ? raw.replace(/^\uFEFF/, '') : raw;
    if (line.startsWith('#')) return;
    let pattern = line.trim();
    if (pattern === '') return;
    const invert = pattern.startsWith('!');
    if (invert) pattern = pattern.slice(1).trim();
    if (pattern.length > 0) {
      pattern = goClean(pattern);
      if (pattern.length > 1 && pattern.startsWith('/')) pattern = pattern.slice(1);
    }
    out.push(invert ? `!${pattern}` : pattern);
  });
  return out;
}

type MatchType = 'exact' | 'prefix' | 'suffix' | 'regexp';

/** Characters with a meaning in a regular expression but none in a Go path pattern. */
const ESCAPED = new Set('.+()|{}$');

class Pattern {
  readonly type: MatchType;
  private readonly regexp?: RegExp;

  constructor(
    readonly cleaned: string,
    readonly exception: boolean,
  ) {
    // Pattern.compile, for `/` as the separator.
    let source = '^';
    let type: MatchType = 'exact';
    const chars = [...cleaned];
    for (let at = 0, token = 0; at < chars.length; at++, token++) {
      const ch = chars[at];
      if (ch === '*') {
        if (chars[at + 1] === '*') {
          at++;
          if (chars[at + 1] === '/') at++;
          if (at + 1 >= chars.length) {
            if (type === 'exact') type = 'prefix';
            else {
              source += '.*';
              type = 'regexp';
            }
          } else {
            source += '(.*/)?';
            type = 'regexp';
          }
          if (token === 0) type = 'suffix';
        } else {
          source += '[^/]*';
          type = 'regexp';
        }
      } else if (ch === '?') {
        source += '[^/]';
        type = 'regexp';
      } else if (ESCAPED.has(ch)) {
        source += `\\${ch}`;
      } else if (ch === '\\') {
        if (at + 1 < chars.length) {
          source += `\\${chars[++at]}`;
          type = 'regexp';
        } else {
          source += '\\\\';
        }
      } else {
        if (ch === '[' || ch === ']') type = 'regexp';
        source += ch;
      }
    }
    this.type = type;
    if (type === 'regexp') {
      try {
        this.regexp = new RegExp(`${source}$`);
      } catch {
        throw new Error(`.dockerignore: bad pattern ${JSON.stringify(cleaned)}`);
      }
    }
  }

  matches(path: string): boolean {
    switch (this.type) {
      case 'exact':
        return path === this.cleaned;
      case 'prefix':
        return path.startsWith(this.cleaned.slice(0, -2));
      case 'suffix': {
        const suffix = this.cleaned.slice(2);
        return path.endsWith(suffix) || (suffix.startsWith('/') && path === suffix.slice(1));
      }
      case 'regexp':
        return this.regexp!.test(path);
    }
  }

  /** Whether this pattern could match `dir` or something below it (false only when its literal head rules it out). */
  mayMatchBelow(dir: string): boolean {
    const parts = this.cleaned.split('/');
    const dirs = dir.split('/');
    for (let i = 0; i < Math.min(parts.length, dirs.length); i++) {
      if (/[*?[\\]/.test(parts[i])) return true;
      if (parts[i] !== dirs[i]) return false;
    }
    return true;
  }
}

export class DockerIgnore {
  private constructor(private readonly patterns: Pattern[]) {}

  static parse(text: string): DockerIgnore {
    const patterns = readIgnoreLines(text).map((line) => {
      if (line === '!') throw new Error('.dockerignore: illegal exclusion pattern "!"');
      const exception = line.startsWith('!');
      return new Pattern(goClean(exception ? line.slice(1) : line), exception);
    });
    return new DockerIgnore(patterns);
  }

  /** Whether `path` stays out of the build context (it, or one of its parent directories, matches; the last word wins). */
  excludes(path: string): boolean {
    const file = goClean(path);
    if (file === '.') return false;
    const parents = file.split('/').slice(0, -1);
    let excluded = false;
    for (const pattern of this.patterns) {
      if (pattern.exception !== excluded) continue;
      let match = pattern.matches(file);
      for (let i = 1; !match && i <= parents.length; i++) match = pattern.matches(parents.slice(0, i).join('/'));
      if (match) excluded = !pattern.exception;
    }
    return excluded;
  }

  /** Whether an excluded directory must still be walked, because an exception could bring back something below it. */
  mayIncludeBelow(dir: string): boolean {
    return this.patterns.some((p) => p.exception && p.mayMatchBelow(goClean(dir)));
  }
}

export interface ContextEntry {
  /** Relative to the context root, `/`-separated. */
  path: string;
  kind: 'file' | 'dir' | 'symlink';
}

/** The build context Docker would send for `root` under these rules: every entry not excluded, parents first. */
export function contextEntries(root: string, ignore: DockerIgnore): ContextEntry[] {
  const out: ContextEntry[] = [];
  const walk = (relative: string): void => {
    for (const name of readdirSync(join(root, relative)).sort()) {
      const path = relative === '' ? name : `${relative}/${name}`;
      const stat = lstatSync(join(root, path));
      const excluded = ignore.excludes(path);
      if (stat.isDirectory()) {
        if (!excluded) out.push({ path, kind: 'dir' });
        if (!excluded || ignore.mayIncludeBelow(path)) walk(path);
      } else if (!excluded) {
        out.push({ path, kind: stat.isSymbolicLink() ? 'symlink' : 'file' });
      }
    }
  };
  walk('');
  return out;
}
