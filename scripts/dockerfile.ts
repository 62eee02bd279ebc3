/**
 * The instructions of a Dockerfile, by stage: what the image-build replay executes and what the deploy-files spec
 * reads. Covers the syntax Dockerfiles of this project use (default escape character, shell and exec forms,
 * `--flag=value` options); a parser directive it does not know is an error rather than a silent misreading.
 */

export interface Instruction {
  /** Upper case: FROM, RUN, COPY, ... */
  keyword: string;
  /** Leading `--name=value` options (`--name` alone: ''). */
  flags: Record<string, string>;
  /** The rest, after the options. */
  args: string;
  /** The exec form (`["node", "x.js"]`) when the arguments are one. */
  exec?: string[];
  /** 1-based line where the instruction starts. */
  line: number;
}

export interface Stage {
  index: number;
  /** `FROM image AS name`. */
  name?: string;
  base: string;
  instructions: Instruction[];
}

function execForm(args: string): string[] | undefined {
  if (!args.startsWith('[')) return undefined;
  try {
    const parsed: unknown = JSON.parse(args);
    return Array.isArray(parsed) && parsed.every((a) => typeof a === 'string') ? parsed : undefined;
  } catch {
    return undefined;
  }
}

function splitFlags(rest: string): { flags: Record<string, string>; args: string } {
  const flags: Record<string, string> = {};
  let args = rest;
  for (let match = /^--([a-z-]+)(?:=(\S*))?\s*/.exec(args); match; match = /^--([a-z-]+)(?:=(\S*))?\s*/.exec(args)) {
    flags[match[1]] = match[2] ?? '';
    args = args.slice(match[0].length);
  }
  return { flags, args };
}

export function parseDockerfile(text: string): Stage[] {
  const lines = text.split(/\r?\n/);
  for (const line of lines) {
    if (!line.startsWith('#')) break;
    const directive = /^#\s*([a-z]+)\s*=\s*(.*)$/i.exec(line);
    if (directive && directive[1].toLowerCase() === 'escape') {
      throw new Error(`Dockerfile: the escape directive is not supported (${line})`);
    }
  }
  const stages: Stage[] = [];
  for (let i = 0; i < lines.length; i++) {
    const first = lines[i].trim();
    if (first === '' || first.startsWith('#')) continue;
    const start = i + 1;
    let logical = first;
    // A trailing backslash continues the instruction; comment and empty lines inside it are dropped, as Docker does.
    while (logical.endsWith('\\') && i + 1 < lines.length) {
      logical = logical.slice(0, -1).trimEnd();
      do i++;
      while (i + 1 < lines.length && /^\s*(#|$)/.test(lines[i]));
      const next = lines[i].trim();
      if (!next.startsWith('#')) logical += ` ${next}`;
    }
    const word = logical.split(/\s+/)[0];
    const keyword = word.toUpperCase();
    const { flags, args } = splitFlags(logical.slice(word.length).trim());
    const instruction: Instruction = { keyword, flags, args, line: start, exec: execForm(args) };
    if (keyword === 'FROM') {
      const [base, as, name] = args.split(/\s+/);
      if (as !== undefined && (as.toUpperCase() !== 'AS' || name === undefined)) {
        throw new Error(`Dockerfile line ${start}: FROM ${args}`);
      }
      stages.push({ index: stages.length, name, base, instructions: [] });
    } else if (stages.length === 0) {
      if (keyword !== 'ARG') throw new Error(`Dockerfile line ${start}: ${keyword} before the first FROM`);
      continue;
    }
    stages[stages.length - 1].instructions.push(instruction);
  }
  if (stages.length === 0) throw new Error('Dockerfile: no FROM');
  return stages;
}

/** The variables `ENV a=1 b="two words"` (or the legacy `ENV a 1`) sets. */
export function envAssignments(args: string): [string, string][] {
  if (!/^[^\s=]+=/.test(args)) {
    const [name, ...value] = args.split(/\s+/);
    return [[name, value.join(' ')]];
  }
  const out: [string, string][] = [];
  const re = /([^\s=]+)=("(?:[^"\\]|\\.)*"|'[^']*'|(?:[^\s\\]|\\.)*)/g;
  for (const [, name, raw] of args.matchAll(re)) {
    let value = raw;
    if (value.startsWith('"')) value = value.slice(1, -1).replace(/\\(.)/g, '$1');
    else if (value.startsWith("'")) value = value.slice(1, -1);
    else value = value.replace(/\\(.)/g, '$1');
    out.push([name, value]);
  }
  return out;
}

/** HEALTHCHECK's command (exec form, or the shell form run by /bin/sh -c); undefined for NONE. */
export function healthcheckCommand(instruction: Instruction): string[] | undefined {
  const match = /^CMD\s+(.*)$/is.exec(instruction.args);
  if (!match) return undefined;
  return execForm(match[1]) ?? ['/bin/sh', '-c', match[1]];
}
