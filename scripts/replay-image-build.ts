/**
 * Builds and starts the container image without a container engine: replays docker/Dockerfile instruction by
 * instruction in a temporary directory, and fails loudly at the first step that fails.
 *
 *   npm run build && node dist/scripts/replay-image-build.js      (.ci/run runs it after the end-to-end specs)
 *
 * 1. The build context: the repository as Docker sends it, filtered by .dockerignore with Docker's own pattern
 *    rules (scripts/dockerignore.ts); a file git ignores (a local build, .env) in it is an error.
 * 2. Every stage in order, each in a directory of its own standing for its root file system: WORKDIR, ENV, COPY
 *    (from the context or, with --from, from an earlier stage's directory; --chown applied when run as root) and
 *    RUN (`/bin/sh -c` in the WORKDIR; user names resolve as in the official node images). The base image is the
 *    machine's Node, which must have the same major version as the image's tag.
 * 3. The final stage's file system: nothing of the repository but package.json, the compiled code, production
 *    dependencies only (every package the lockfile marks dev must be gone), no sources, specs or benchmarks.
 * 4. The image's CMD/ENTRYPOINT, started as USER (as its uid, when run as root) with the image's ENV plus a free
 *    PORT, HOST=127.0.0.1 and a free port for the embedded broker: GET /health/live and GET / (the dashboard and
 *    each asset it loads) must answer 200, the HEALTHCHECK command must pass, and SIGTERM must stop it cleanly
 *    within SHUTDOWN_TIMEOUT_MS.
 *
 * IMAGE_REPLAY_KEEP=1 keeps the directory for a look inside. npm runs with prefer-offline (its cache may answer).
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import {
  chmodSync,
  copyFileSync,
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readlinkSync,
  readdirSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { basename, dirname, join, posix } from 'node:path';
import { ENV_SCHEMA } from '../src/config/env.schema.js';
import { repoRoot } from '../test/support/paths.js';
import { freePort } from '../test/support/ports.js';
import { contextEntries, DockerIgnore, goClean } from './dockerignore.js';
import { envAssignments, healthcheckCommand, parseDockerfile, type Instruction, type Stage } from './dockerfile.js';

const DOCKERFILE = 'docker/Dockerfile';
/** Users of the official node images (their /etc/passwd), for USER, COPY --chown and chown in RUN. */
const IMAGE_USERS: Record<string, number> = { root: 0, node: 1000 };
/** Repository folders the runtime must never carry, neither at its top nor compiled under dist/. */
const NEVER_SHIPPED = ['bench', 'test', 'scripts', 'docs', '.git'];
const RUN_TIMEOUT_MS = 300_000;
const START_TIMEOUT_MS = 150_000;

class ReplayError extends Error {}

function fail(message: string): never {
  throw new ReplayError(message);
}

const started = Date.now();
const seconds = (since: number) => `${((Date.now() - since) / 1000).toFixed(1)} s`;

async function step<T>(title: string, run: () => T | Promise<T>): Promise<T> {
  const at = Date.now();
  console.log(`\n--> ${title}`);
  const result = await run();
  console.log(`    ok (${seconds(at)})`);
  return result;
}

/** Secrets the backend prints on a first start (its login URL) stay out of CI logs. */
const redact = (text: string) => text.replace(/(api_key=|Bearer\s+)\S+/g, '$1<redacted>');

/** Last lines of a child's output, for the error message. */
class Tail {
  private lines: string[] = [];
  constructor(private readonly max = 80) {}
  push(chunk: Buffer): void {
    this.lines.push(...chunk.toString('utf8').split('\n'));
    if (this.lines.length > this.max) this.lines = this.lines.slice(-this.max);
  }
  text(): string {
    return redact(this.lines.join('\n')).replace(/^/gm, '    | ');
  }
}

const isRoot = process.getuid?.() === 0;

function resolveOwner(spec: string): { uid: number; gid: number } {
  const [user, group = user] = spec.split(':');
  const id = (name: string) => (/^\d+$/.test(name) ? Number(name) : IMAGE_USERS[name]);
  const uid = id(user);
  const gid = id(group);
  if (uid === undefined || gid === undefined)
    fail(`unknown user or group in ${spec} (known: ${Object.keys(IMAGE_USERS).join(', ')})`);
  return { uid, gid };
}

interface StageState {
  stage: Stage;
  /** Stands for the stage's root file system. */
  rootfs: string;
  workdir: string;
  env: Record<string, string>;
  user: string;
  cmd?: string[];
  entrypoint?: string[];
  healthcheck?: Instruction;
  stopSignal: NodeJS.Signals;
}

const host = (state: StageState, containerPath: string) => join(state.rootfs, containerPath);

function cp(from: string, to: string, hardLink: boolean): void {
  // Ownership is not kept: COPY gives everything to root, or to --chown.
  execFileSync('cp', ['-dR', '--preserve=mode,timestamps', ...(hardLink ? ['-l'] : []), from, to]);
}

function copyInstruction(ins: Instruction, state: StageState, done: Map<string, StageState>, contextDir: string): void {
  for (const flag of Object.keys(ins.flags)) {
    if (!['from', 'chown', 'link'].includes(flag)) fail(`line ${ins.line}: COPY --${flag} is not replayed`);
  }
  const parts = ins.exec ?? ins.args.split(/\s+/);
  if (parts.length < 2) fail(`line ${ins.line}: COPY needs a source and a destination`);
  const dest = parts[parts.length - 1];
  const sources = parts.slice(0, -1);
  const from = ins.flags.from;
  const source = from === undefined ? undefined : done.get(from);
  if (from !== undefined && source === undefined)
    fail(`line ${ins.line}: COPY --from=${from}: no earlier stage ${from}`);
  const destPath = posix.resolve(state.workdir, dest);
  const hostDest = host(state, destPath);
  const owner = resolveOwner(ins.flags.chown ?? 'root');
  const targets: string[] = [];
  for (const src of sources) {
    if (/[*?[]/.test(src)) fail(`line ${ins.line}: COPY with a wildcard (${src}) is not replayed`);
    const hostSrc = source === undefined ? join(contextDir, goClean(`/${src}`)) : host(source, posix.resolve('/', src));
    if (!existsSync(hostSrc)) {
      fail(
        `line ${ins.line}: COPY ${src}: not found in ${from === undefined ? 'the build context (missing, or excluded by .dockerignore)' : `stage ${from}`}`,
      );
    }
    if (statSync(hostSrc).isDirectory()) {
      const created = !existsSync(hostDest);
      mkdirSync(hostDest, { recursive: true });
      cp(`${hostSrc}/.`, `${hostDest}/`, source !== undefined);
      // --chown reaches what was copied, and the destination only when the copy created it.
      targets.push(...(created ? [hostDest] : readdirSync(hostSrc).map((name) => join(hostDest, name))));
    } else {
      const intoDir =
        dest.endsWith('/') || sources.length > 1 || (existsSync(hostDest) && statSync(hostDest).isDirectory());
      const target = intoDir ? join(hostDest, basename(hostSrc)) : hostDest;
      mkdirSync(dirname(target), { recursive: true });
      cp(hostSrc, target, source !== undefined);
      targets.push(target);
    }
  }
  // Files the replay creates as root are root's already, as COPY without --chown makes them; hard links to an earlier
  // stage's files keep that stage's owner, root too (its RUN steps ran as root).
  if (isRoot && ins.flags.chown !== undefined) execFileSync('chown', ['-R', `${owner.uid}:${owner.gid}`, ...targets]);
}

/** `chown` for RUN steps: the image's user names (node) resolve as in the image; as a non-root user, a no-op. */
function writeChownShim(dir: string): void {
  mkdirSync(dir, { recursive: true });
  const cases = Object.entries(IMAGE_USERS)
    .flatMap(([name, id]) => [`${name}:${name}) a=${id}:${id} ;;`, `${name}) a=${id} ;;`])
    .join(' ');
  const script = isRoot
    ? `#!/bin/sh\nfor a do shift; case "$a" in ${cases} esac; set -- "$@" "$a"; done\nexec /bin/chown "$@"\n`
    : `#!/bin/sh\necho "(not root: chown $* not replayed)" >&2\n`;
  writeFileSync(join(dir, 'chown'), script, { mode: 0o755 });
}

function run(command: string[], options: { cwd: string; env: Record<string, string>; timeoutMs: number }) {
  return new Promise<void>((resolve, reject) => {
    const child = spawn(command[0], command.slice(1), { cwd: options.cwd, env: options.env, stdio: 'pipe' });
    const tail = new Tail();
    child.stdout.on('data', (c: Buffer) => tail.push(c));
    child.stderr.on('data', (c: Buffer) => tail.push(c));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs);
    child.on('error', (err) => reject(new ReplayError(`${command.join(' ')}: ${err.message}`)));
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) resolve();
      else
        reject(new ReplayError(`${command.join(' ')} exited with ${signal ?? code}; its last output:\n${tail.text()}`));
    });
  });
}

function replayStage(
  stage: Stage,
  dir: string,
  done: Map<string, StageState>,
  contextDir: string,
  shimDir: string,
): Promise<StageState> {
  const base = /^node:(\d+)/.exec(stage.base);
  if (!base) fail(`FROM ${stage.base}: the replay knows node images only (the machine's Node stands for them)`);
  if (base[1] !== process.versions.node.split('.')[0]) {
    fail(`FROM ${stage.base}, but this machine runs Node ${process.versions.node}: not the same major version`);
  }
  const state: StageState = { stage, rootfs: dir, workdir: '/', env: {}, user: 'root', stopSignal: 'SIGTERM' };
  mkdirSync(dir, { recursive: true });
  let chain = Promise.resolve();
  for (const ins of stage.instructions) {
    chain = chain.then(async () => {
      switch (ins.keyword) {
        case 'WORKDIR':
          state.workdir = posix.resolve(state.workdir, ins.args);
          mkdirSync(host(state, state.workdir), { recursive: true });
          return;
        case 'ENV':
          for (const [name, value] of envAssignments(ins.args)) state.env[name] = value;
          return;
        case 'COPY':
          copyInstruction(ins, state, done, contextDir);
          return;
        case 'RUN': {
          if (Object.keys(ins.flags).length > 0) fail(`line ${ins.line}: RUN options are not replayed`);
          const workdirRef = new RegExp(`(^|[\\s=:'"])${state.workdir}(/|\\s|$)`);
          if (state.workdir !== '/' && workdirRef.test(ins.args)) {
            fail(`line ${ins.line}: RUN names ${state.workdir}; write paths relative to WORKDIR so it can be replayed`);
          }
          const at = Date.now();
          await run(ins.exec ?? ['/bin/sh', '-c', ins.args], {
            cwd: host(state, state.workdir),
            env: {
              ...state.env,
              PATH: `${shimDir}:${process.env.PATH ?? '/usr/bin:/bin'}`,
              HOME: process.env.HOME ?? '/root',
              npm_config_prefer_offline: 'true',
              npm_config_update_notifier: 'false',
            },
            timeoutMs: RUN_TIMEOUT_MS,
          });
          console.log(`    RUN ${ins.args} (${seconds(at)})`);
          return;
        }
        case 'USER':
          resolveOwner(ins.args);
          state.user = ins.args;
          return;
        case 'CMD':
          state.cmd = ins.exec ?? ['/bin/sh', '-c', ins.args];
          return;
        case 'ENTRYPOINT':
          state.entrypoint = ins.exec ?? ['/bin/sh', '-c', ins.args];
          return;
        case 'HEALTHCHECK':
          state.healthcheck = ins;
          return;
        case 'STOPSIGNAL':
          state.stopSignal = ins.args as NodeJS.Signals;
          return;
        case 'FROM': // the base: checked above
        case 'EXPOSE':
        case 'LABEL':
          return;
        default:
          fail(`line ${ins.line}: ${ins.keyword} is not replayed`);
      }
    });
  }
  return chain.then(() => state);
}

/** Paths below `dir` (relative, `/`-separated), not descending into node_modules. */
function sourceTree(dir: string, relative = ''): string[] {
  return readdirSync(join(dir, relative)).flatMap((name) => {
    const path = relative === '' ? name : `${relative}/${name}`;
    if (name === 'node_modules') return [path];
    return lstatSync(join(dir, path)).isDirectory() ? [path, ...sourceTree(dir, path)] : [path];
  });
}

function runtimeProblems(app: string, contextDir: string, trackedTop: Set<string>): string[] {
  const problems: string[] = [];
  const top = readdirSync(app);
  console.log(`    /app: ${top.join(', ')}`);
  for (const name of top) {
    if (name !== 'package.json' && trackedTop.has(name)) problems.push(`/app/${name} is a repository source`);
  }
  for (const name of NEVER_SHIPPED) {
    for (const path of [name, `dist/${name}`]) {
      if (existsSync(join(app, path))) problems.push(`/app/${path} must not be in the image`);
    }
  }
  for (const path of sourceTree(app)) {
    if (/\.ts$/.test(path) && !/\.d\.ts$/.test(path)) problems.push(`/app/${path}: a TypeScript source`);
    if (/\.(spec|e2e-spec|fixture)\.js$/.test(path)) problems.push(`/app/${path}: a compiled spec`);
  }
  const lock = JSON.parse(readFileSync(join(contextDir, 'package-lock.json'), 'utf8')) as {
    packages: Record<string, { dev?: boolean }>;
  };
  const dev = Object.entries(lock.packages)
    .filter(([path, entry]) => path !== '' && entry.dev === true && existsSync(join(app, path)))
    .map(([path]) => path);
  if (dev.length > 0)
    problems.push(`${dev.length} dev-only packages in /app/node_modules: ${dev.slice(0, 8).join(', ')}`);
  const packages = Object.keys(lock.packages).filter((p) => p !== '' && existsSync(join(app, p))).length;
  const size = execFileSync('du', ['-sm', join(app, 'node_modules')], { encoding: 'utf8' }).split('\t')[0];
  console.log(`    node_modules: ${packages} packages, ${size} MB, no dev-only package: ${dev.length === 0}`);
  const main = statSync(join(app, 'dist'));
  if (isRoot && (main.uid !== 0 || (main.mode & 0o022) !== 0))
    problems.push('/app/dist must be root-owned and read-only');
  return problems;
}

async function get(url: string): Promise<{ status: number; type: string; text: string }> {
  const reply = await fetch(url, { signal: AbortSignal.timeout(10_000) });
  return { status: reply.status, type: reply.headers.get('content-type') ?? '', text: await reply.text() };
}

/** `--interval=15s` style durations of HEALTHCHECK, in ms. */
function durationMs(value: string | undefined, fallback: number): number {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m)$/.exec(value ?? '');
  return match ? Number(match[1]) * { ms: 1, s: 1000, m: 60_000 }[match[2] as 'ms'] : fallback;
}

async function serve(state: StageState, tmp: string): Promise<void> {
  const command = [...(state.entrypoint ?? []), ...(state.entrypoint?.[0] === '/bin/sh' ? [] : (state.cmd ?? []))];
  if (command.length === 0) fail('the final stage has no CMD or ENTRYPOINT');
  const { uid, gid } = resolveOwner(state.user);
  const home = join(tmp, 'home', state.user);
  mkdirSync(home, { recursive: true });
  if (isRoot) execFileSync('chown', [`${uid}:${gid}`, home]);
  const port = await freePort();
  const overrides = { PORT: String(port), HOST: '127.0.0.1', MQTT_BROKER_PORT: '0' };
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: home,
    HOSTNAME: 'image-replay',
    ...state.env,
    ...overrides,
  };
  const cwd = host(state, state.workdir);
  const as = isRoot ? { uid, gid } : {};
  console.log(
    `    ${JSON.stringify(command)} in ${state.workdir} as ${state.user}${isRoot ? ` (uid ${uid})` : ' (not root: as this user)'}` +
      `, ENV ${Object.keys(state.env).join(' ')}, and ${Object.entries(overrides)
        .map(([k, v]) => `${k}=${v}`)
        .join(' ')}`,
  );
  const child: ChildProcess = spawn(command[0], command.slice(1), { cwd, env, stdio: 'pipe', ...as });
  const tail = new Tail(120);
  child.stdout!.on('data', (c: Buffer) => tail.push(c));
  child.stderr!.on('data', (c: Buffer) => tail.push(c));
  let exit: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  const exited = new Promise<void>((resolve) =>
    child.on('exit', (code, signal) => {
      exit = { code, signal };
      resolve();
    }),
  );
  const base = `http://127.0.0.1:${port}`;
  try {
    await step('the image answers GET /health/live', async () => {
      const at = Date.now();
      for (let last = 'no answer'; ; await sleep(500)) {
        if (exit) fail(`it exited (${exit.signal ?? exit.code}) before answering; its last output:\n${tail.text()}`);
        if (Date.now() - at > START_TIMEOUT_MS)
          fail(`GET /health/live: ${last} after ${seconds(at)}; its last output:\n${tail.text()}`);
        const status = await get(`${base}/health/live`).then(
          (r) => r.status,
          () => 0,
        );
        if (status === 200) break;
        if (status !== 0) last = String(status);
      }
      console.log(`    200 after ${seconds(at)}`);
    });
    await step('GET / serves the dashboard, and every asset it loads answers 200', async () => {
      const page = await get(`${base}/`);
      if (page.status !== 200 || !page.type.startsWith('text/html')) fail(`GET /: ${page.status} ${page.type}`);
      const assets = [...page.text.matchAll(/(?:src|href)="(\/dashboard\/[^"]+)"/g)].map((m) => m[1]);
      if (assets.length === 0) fail('GET /: the page loads no /dashboard/ asset');
      for (const asset of assets) {
        const reply = await get(`${base}${asset}`);
        if (reply.status !== 200) fail(`GET ${asset}: ${reply.status}`);
      }
      console.log(`    GET / 200, ${assets.join(' ')}: 200`);
    });
    if (state.healthcheck) {
      const check = state.healthcheck;
      await step(`HEALTHCHECK ${check.args.slice(0, 60)}...`, async () => {
        const command = healthcheckCommand(check);
        if (!command) fail('HEALTHCHECK NONE');
        const timeoutMs = durationMs(check.flags.timeout, 30_000);
        const retries = Number(check.flags.retries ?? 3);
        for (let attempt = 1; ; attempt++) {
          try {
            await run(command, { cwd, env, timeoutMs });
            console.log(`    passed (attempt ${attempt} of ${retries}, timeout ${timeoutMs} ms)`);
            return;
          } catch (err) {
            if (attempt >= retries) throw err;
            await sleep(1000);
          }
        }
      });
    }
    await step(`${state.stopSignal} stops it cleanly (exit 0) within SHUTDOWN_TIMEOUT_MS`, async () => {
      const timeout = Number(env.SHUTDOWN_TIMEOUT_MS ?? ENV_SCHEMA.SHUTDOWN_TIMEOUT_MS.default);
      const at = Date.now();
      child.kill(state.stopSignal);
      const inTime = await Promise.race([exited.then(() => true), new Promise((r) => setTimeout(r, timeout + 5000))]);
      if (!inTime)
        fail(`still running ${timeout + 5000} ms after ${state.stopSignal}; its last output:\n${tail.text()}`);
      if (exit?.code !== 0)
        fail(`exited with ${exit?.signal ?? exit?.code} after ${state.stopSignal}:\n${tail.text()}`);
      console.log(`    exited 0 after ${seconds(at)}`);
    });
  } finally {
    if (!exit) child.kill('SIGKILL');
  }
}

async function main(): Promise<void> {
  const root = repoRoot();
  const load = loadavg()
    .map((l) => l.toFixed(1))
    .join(' ');
  console.log(`Replaying ${DOCKERFILE} (no container engine here); Node ${process.version}, load average ${load}`);
  const stages = parseDockerfile(readFileSync(join(root, DOCKERFILE), 'utf8'));
  const tmp = mkdtempSync(join(tmpdir(), 'thermacore-image-'));
  chmodSync(tmp, 0o755); // the image's user must reach the runtime's files
  try {
    const contextDir = join(tmp, 'context');
    const trackedTop = new Set<string>();
    await step('build context: the repository filtered by .dockerignore', () => {
      // BuildKit prefers <Dockerfile>.dockerignore next to the Dockerfile, then the context root's.
      const ignoreFile = [`${DOCKERFILE}.dockerignore`, '.dockerignore'].find((f) => existsSync(join(root, f)));
      const ignore = DockerIgnore.parse(ignoreFile ? readFileSync(join(root, ignoreFile), 'utf8') : '');
      const entries = contextEntries(root, ignore);
      const known = new Set(
        execFileSync('git', ['ls-files', '-co', '--exclude-standard', '-z'], { cwd: root, encoding: 'utf8' })
          .split('\0')
          .filter(Boolean),
      );
      for (const path of known) trackedTop.add(path.split('/')[0]);
      const stray = entries.filter((e) => e.kind !== 'dir' && !known.has(e.path)).map((e) => e.path);
      if (stray.length > 0) {
        fail(`the context holds files git ignores (local builds, secrets?): ${stray.slice(0, 10).join(', ')}`);
      }
      for (const entry of entries) {
        const to = join(contextDir, entry.path);
        mkdirSync(dirname(to), { recursive: true });
        if (entry.kind === 'dir') mkdirSync(to, { recursive: true });
        else if (entry.kind === 'symlink') symlinkSync(readlinkSync(join(root, entry.path)), to);
        else copyFileSync(join(root, entry.path), to);
      }
      const tops = [...new Set(entries.map((e) => e.path.split('/')[0]))];
      console.log(
        `    ${ignoreFile ?? 'no ignore file'}: ${entries.filter((e) => e.kind !== 'dir').length} files in ${tops.join(', ')}`,
      );
    });

    const shimDir = join(tmp, 'shim');
    writeChownShim(shimDir);
    const done = new Map<string, StageState>();
    let last: StageState | undefined;
    for (const stage of stages) {
      const label = stage.name ?? String(stage.index);
      last = await step(`stage ${label} (FROM ${stage.base})`, () =>
        replayStage(stage, join(tmp, `stage-${stage.index}-${label}`), done, contextDir, shimDir),
      );
      done.set(label, last);
      done.set(String(stage.index), last);
    }
    const final = last!;
    await step(`runtime stage ${final.stage.name ?? final.stage.index}: only what production needs`, () => {
      const problems = runtimeProblems(host(final, final.workdir), contextDir, trackedTop);
      if (problems.length > 0) fail(`the runtime stage ships what it must not:\n  ${problems.join('\n  ')}`);
    });
    await serve(final, tmp);
  } finally {
    if (process.env.IMAGE_REPLAY_KEEP === '1') console.log(`\nkept: ${tmp}`);
    else rmSync(tmp, { recursive: true, force: true });
  }
  console.log(`\nImage replay passed in ${seconds(started)}`);
}

main().catch((err: unknown) => {
  const message =
    err instanceof ReplayError ? err.message : err instanceof Error ? (err.stack ?? err.message) : String(err);
  console.error(`\nIMAGE REPLAY FAILED after ${seconds(started)}: ${message}`);
  process.exit(1);
});
