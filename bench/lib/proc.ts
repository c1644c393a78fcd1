/**
 * CPU time and memory of a process tree, read from /proc (Linux only). A contender is a root pid
 * plus every descendant alive at sampling time; each pid's utime+stime is cumulative, so a window's
 * CPU is the difference of two snapshots, summed over pids (a pid born inside the window counts
 * from 0). Peak memory is the largest sum of RSS over the tree seen by any sample.
 */
import { readdirSync, readFileSync } from 'node:fs';

const CLK_TCK = 100; // USER_HZ on every Linux we run on (getconf CLK_TCK)
const PAGE_KB = 4;

export interface ProcSample {
  pid: number;
  ppid: number;
  comm: string;
  userS: number;
  sysS: number;
  rssKb: number;
}

/** One /proc/<pid>/stat, or undefined when the process is gone. */
export function readProc(pid: number): ProcSample | undefined {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // comm is in parentheses and may contain spaces: split after the last ')'.
  const close = stat.lastIndexOf(')');
  const comm = stat.slice(stat.indexOf('(') + 1, close);
  const f = stat.slice(close + 2).split(' ');
  // f[0] = state (field 3); utime = field 14, stime = 15, rss = 24 (pages).
  return {
    pid,
    ppid: Number(f[1]),
    comm,
    userS: Number(f[11]) / CLK_TCK,
    sysS: Number(f[12]) / CLK_TCK,
    rssKb: Number(f[21]) * PAGE_KB,
  };
}

/** The root and all its descendants that are alive now. */
export function readTree(root: number): ProcSample[] {
  const all: ProcSample[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const p = readProc(Number(name));
    if (p) all.push(p);
  }
  const children = new Map<number, ProcSample[]>();
  for (const p of all) {
    const list = children.get(p.ppid) ?? [];
    list.push(p);
    children.set(p.ppid, list);
  }
  const rootSample = all.find((p) => p.pid === root);
  if (!rootSample) return [];
  const out: ProcSample[] = [];
  const stack = [rootSample];
  while (stack.length) {
    const p = stack.pop()!;
    out.push(p);
    stack.push(...(children.get(p.pid) ?? []));
  }
  return out;
}

/** Busy CPU-seconds of the whole machine so far (all cores), from /proc/stat. */
export function machineBusyS(): number {
  const line = readFileSync('/proc/stat', 'utf8').split('\n')[0];
  const [user, nice, system, , , irq, softirq, steal] = line.trim().split(/\s+/).slice(1).map(Number);
  return (user + nice + system + irq + softirq + steal) / CLK_TCK;
}

export type Snapshot = Map<number, ProcSample>;

export function snapshot(root: number): Snapshot {
  return new Map(readTree(root).map((p) => [p.pid, p]));
}

export interface PerProcess {
  pid: number;
  comm: string;
  userS: number;
  sysS: number;
}

/** CPU used between two snapshots, per process (processes that died in between are lost). */
export function cpuBetween(from: Snapshot, to: Snapshot): PerProcess[] {
  const out: PerProcess[] = [];
  for (const [pid, end] of to) {
    const start = from.get(pid);
    out.push({
      pid,
      comm: end.comm,
      userS: end.userS - (start?.userS ?? 0),
      sysS: end.sysS - (start?.sysS ?? 0),
    });
  }
  return out;
}

/**
 * Samples a tree every `intervalMs` until stopped: peak summed RSS, and the latest snapshot (so
 * the CPU of processes is known up to the last sample before they exit).
 */
export class TreeSampler {
  peakRssKb = 0;
  /** Per pid, the largest RSS seen, kB. */
  readonly peakRssByPid = new Map<number, number>();
  /** Per pid, the last sample seen (kept after the pid exits). */
  readonly last = new Map<number, ProcSample>();
  private timer: NodeJS.Timeout;

  constructor(
    readonly root: number,
    intervalMs = 200,
    /** Processes not to count in memory (e.g. the /usr/bin/time wrapper). */
    private readonly exclude: (p: ProcSample) => boolean = () => false,
  ) {
    this.timer = setInterval(() => this.sample(), intervalMs);
    this.sample();
  }

  sample(): Snapshot {
    const snap = snapshot(this.root);
    let rss = 0;
    for (const p of snap.values()) {
      if (!this.exclude(p)) rss += p.rssKb;
      this.last.set(p.pid, p);
      if (p.rssKb > (this.peakRssByPid.get(p.pid) ?? 0)) this.peakRssByPid.set(p.pid, p.rssKb);
    }
    if (rss > this.peakRssKb) this.peakRssKb = rss;
    return snap;
  }

  stop(): void {
    clearInterval(this.timer);
  }
}
