import { readdirSync, readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { now } from './bench-run.js';

/** What the benchmarks read about processes from /proc: resident memory and where the CPU went. */

const RSS_SAMPLE_MS = 200;
/** Linux reports process and machine CPU time in USER_HZ ticks, 100 per second on every common build. */
const TICKS_PER_S = 100;

/** A `kB` field of /proc/<pid>/status (VmRSS, VmHWM), 0 once the process has exited. */
export function statusKb(pid: number, field: string): number {
  try {
    const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) : 0;
  } catch {
    return 0;
  }
}

/** Peak resident memory of a process, sampled as `top` would see it. */
export class RssWatch {
  peakKb = 0;
  private readonly timer: NodeJS.Timeout;

  constructor(private readonly pid: number) {
    this.timer = setInterval(() => this.sample(), RSS_SAMPLE_MS);
    this.sample();
  }

  currentKb(): number {
    return statusKb(this.pid, 'VmRSS');
  }

  /** The kernel's own high-water mark, which catches peaks between samples. */
  highWaterKb(): number {
    return statusKb(this.pid, 'VmHWM');
  }

  stop(): void {
    this.sample();
    clearInterval(this.timer);
  }

  private sample(): void {
    this.peakKb = Math.max(this.peakKb, this.currentKb());
  }
}

/** The processes that are this run's, so a shared machine's other work is not counted as ours. */
export interface RunProcesses {
  mosquittoPid?: number;
  backendPid?: number;
  /** The run's database on the shared PostgreSQL; unset when the run uses none (the embedded one is in-process). */
  database?: string;
}

/** Where a phase's CPU went, in average busy cores. */
export interface CpuShare {
  backend: number;
  /** This process: publisher, Socket.IO client, SQL polling, worker threads. */
  bench: number;
  /** Our broker. */
  mosquitto: number;
  /** The server processes of our database's connections, plus the shared WAL and checkpoint writers. */
  postgres: number;
  /** Everything else: other people's work on a shared machine, the kernel. */
  other: number;
  cores: number;
  /** Backend CPU seconds, kept to work out its cost per reading. */
  backendSeconds: number;
}

export interface CpuSnapshot {
  at: number;
  /** CPU seconds of the whole machine, all but idle and iowait. */
  machine: number;
  processes: Map<number, { comm: string; seconds: number }>;
}

/** A process's name and CPU seconds so far (user space, and the kernel on its behalf); undefined once it has exited. */
function processStat(pid: number | string): { comm: string; user: number; system: number } | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name may hold spaces and parentheses; utime and stime are the 12th and 13th fields after it.
    const close = text.lastIndexOf(')');
    const fields = text.slice(close + 2).split(' ');
    return {
      comm: text.slice(text.indexOf('(') + 1, close),
      user: Number(fields[11]) / TICKS_PER_S,
      system: Number(fields[12]) / TICKS_PER_S,
    };
  } catch {
    return undefined;
  }
}

export function cpuSnapshot(): CpuSnapshot {
  const processes = new Map<number, { comm: string; seconds: number }>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = processStat(entry);
    if (stat) processes.set(Number(entry), { comm: stat.comm, seconds: stat.user + stat.system });
  }
  return { at: now(), machine: machineBusySeconds(), processes };
}

/** CPU seconds so far of named groups of processes, and of the whole machine: see groupCores. */
export interface GroupCpuMark<G extends string> {
  at: number;
  machine: number;
  groups: Record<G, { user: number; system: number }>;
}

export function markGroupCpu<G extends string>(groups: Record<G, readonly number[]>): GroupCpuMark<G> {
  const marks = {} as Record<G, { user: number; system: number }>;
  for (const name of Object.keys(groups) as G[]) {
    const sum = { user: 0, system: 0 };
    for (const pid of groups[name]) {
      // An exited process's time is no longer readable: phases mark while their processes run.
      const stat = processStat(pid);
      sum.user += stat?.user ?? 0;
      sum.system += stat?.system ?? 0;
    }
    marks[name] = sum;
  }
  return { at: now(), machine: machineBusySeconds(), groups: marks };
}

/** Average busy cores of each group between two marks, its kernel part, and everything else on the machine. */
export function groupCores<G extends string>(
  from: GroupCpuMark<G>,
  to: GroupCpuMark<G>,
): { cores: Record<G, number>; kernel: Record<G, number>; other: number } {
  const seconds = Math.max(0.001, (to.at - from.at) / 1000);
  const cores = {} as Record<G, number>;
  const kernel = {} as Record<G, number>;
  let ours = 0;
  for (const name of Object.keys(to.groups) as G[]) {
    const a = from.groups[name];
    const b = to.groups[name];
    cores[name] = (b.user + b.system - a.user - a.system) / seconds;
    kernel[name] = (b.system - a.system) / seconds;
    ours += cores[name];
  }
  return { cores, kernel, other: Math.max(0, (to.machine - from.machine) / seconds - ours) };
}

/** CPU seconds the whole machine has been busy so far (all but idle and iowait). */
function machineBusySeconds(): number {
  const stat = readFileSync('/proc/stat', 'utf8');
  const [user, nice, system, , , irq, softirq, steal] = stat
    .slice(0, stat.indexOf('\n'))
    .split(/\s+/)
    .slice(1)
    .map(Number);
  return (user + nice + system + irq + softirq + steal) / TICKS_PER_S;
}

export function commandLine(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ').trim();
  } catch {
    return '';
  }
}

/** Our Mosquitto among any others on the machine: the one whose configuration listens on our port. */
export function mosquittoPid(port: number): number | undefined {
  for (const [pid, { comm }] of cpuSnapshot().processes) {
    if (comm !== 'mosquitto') continue;
    const conf = /-c (\S+)/.exec(commandLine(pid))?.[1];
    try {
      if (conf && readFileSync(conf, 'utf8').includes(`listener ${port} `)) return pid;
    } catch {
      // not readable: someone else's
    }
  }
  return undefined;
}

/** PostgreSQL titles a connection's process `postgres: <cluster>: <user> <database> <client> <state>`. */
const PG_CONNECTION_TITLE = /^postgres: (?:[^:]+: )?\S+ (\S+) (?:\S+\(\d+\)|\[local\])/;

function isOurPostgres(pid: number, database: string): boolean {
  const connection = PG_CONNECTION_TITLE.exec(commandLine(pid));
  return connection === null || connection[1] === database;
}

export function cpuShare(from: CpuSnapshot, ours: RunProcesses): CpuShare {
  const to = cpuSnapshot();
  const seconds = (to.at - from.at) / 1000;
  const used = { backend: 0, bench: 0, mosquitto: 0, postgres: 0 };
  for (const [pid, { comm, seconds: total }] of to.processes) {
    const delta = total - (from.processes.get(pid)?.seconds ?? 0);
    if (delta <= 0) continue;
    if (pid === ours.backendPid) used.backend += delta;
    else if (pid === process.pid) used.bench += delta;
    else if (pid === ours.mosquittoPid) used.mosquitto += delta;
    else if (ours.database !== undefined && comm === 'postgres' && isOurPostgres(pid, ours.database)) {
      used.postgres += delta;
    }
  }
  const known = used.backend + used.bench + used.mosquitto + used.postgres;
  return {
    backend: used.backend / seconds,
    bench: used.bench / seconds,
    mosquitto: used.mosquitto / seconds,
    postgres: used.postgres / seconds,
    other: Math.max(0, to.machine - from.machine - known) / seconds,
    cores: availableParallelism(),
    backendSeconds: used.backend,
  };
}
