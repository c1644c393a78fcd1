/**
 * Contender 1: the Cutline engine (Node + one ffmpeg decoder per source + one ffmpeg encoder).
 * The engine runs in its own Node process, bundled by esbuild first (as the app ships it), so the
 * measured tree is exactly Node + its ffmpeg children. CPU is measured from "every source live"
 * to the end of the window (start-up — ffmpeg probe, media probes — is reported separately).
 */
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { cpuBetween, machineBusyS, type Snapshot, TreeSampler } from '../lib/proc.ts';
import type { EngineExtras, ProcessCost, Result, Work } from './types.ts';

// Inside node_modules so the bundle's bare imports (zod, @ffmpeg-installer/ffmpeg) resolve.
const BUNDLE = fileURLToPath(new URL('../../node_modules/.cache/cutline-bench/engine-child.mjs', import.meta.url));
let bundled = false;

async function bundle(): Promise<void> {
  if (bundled) return;
  await build({
    entryPoints: [fileURLToPath(new URL('./engineChild.ts', import.meta.url))],
    outfile: BUNDLE,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    packages: 'external',
    logLevel: 'warning',
  });
  bundled = true;
}

interface Pids {
  encoder?: number;
  sources: Record<string, number | undefined>;
}

/** `cpuProfileDir`: also write a V8 CPU profile of the engine's Node process there (--cpu-prof). */
export async function runEngine(work: Work, cpuProfileDir?: string): Promise<Result> {
  await bundle();
  const env = { ...process.env };
  delete env.CUTLINE_FFMPEG; // the bundled ffmpeg, as shipped
  // CUTLINE_BENCH_NODE_ARGS: extra V8/Node flags for experiments (e.g. "--max-semi-space-size=4").
  const extraArgs = (process.env.CUTLINE_BENCH_NODE_ARGS ?? '').split(' ').filter(Boolean);
  const nodeArgs = [...extraArgs, ...(cpuProfileDir ? ['--cpu-prof', `--cpu-prof-dir=${cpuProfileDir}`] : [])];
  const child = spawn(process.execPath, [...nodeArgs, BUNDLE, JSON.stringify(work)], { stdio: ['pipe', 'pipe', 'inherit'], env });
  const sampler = new TreeSampler(child.pid!);
  const lines = createInterface({ input: child.stdout! });
  let ready: { snap: Snapshot; busy: number; pids: Pids; startupNodeCpuS: number } | undefined;
  let done: { snap: Snapshot; busy: number; message: Record<string, unknown> } | undefined;
  let peakAtReady = 0;

  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  for await (const line of lines) {
    let message: Record<string, unknown>;
    try {
      message = JSON.parse(line);
    } catch {
      continue;
    }
    if (message.event === 'ready') {
      ready = { snap: sampler.sample(), busy: machineBusyS(), pids: message.pids as Pids, startupNodeCpuS: message.startupNodeCpuS as number };
      peakAtReady = sampler.peakRssKb;
    } else if (message.event === 'done') {
      done = { snap: sampler.sample(), busy: machineBusyS(), message };
      sampler.stop();
      child.stdin?.on('error', () => {}); // a child gone already: nothing to tell it
      child.stdin?.end('sampled\n'); // the child may close its engine now (see engineChild.ts)
    }
  }
  const code = await exited;
  sampler.stop();
  if (!ready || !done) throw new Error(`engine child exited (${code}) before reporting`);

  const per = cpuBetween(ready.snap, done.snap);
  const names = new Map<number, string>([[child.pid!, 'node (engine)']]);
  for (const pids of [ready.pids, done.message.pids as Pids]) {
    if (pids.encoder) names.set(pids.encoder, 'ffmpeg encoder');
    for (const [id, pid] of Object.entries(pids.sources)) if (pid) names.set(pid, `ffmpeg decoder ${id}`);
  }
  const processes: ProcessCost[] = per
    .map((p) => ({
      name: names.get(p.pid) ?? `${p.comm} (${p.pid})`,
      cpuS: p.userS + p.sysS,
      sysS: p.sysS,
      peakRssMb: (sampler.peakRssByPid.get(p.pid) ?? 0) / 1024,
    }))
    .sort((a, b) => b.cpuS - a.cpuS);
  const cpuS = processes.reduce((a, p) => a + p.cpuS, 0);
  const sysS = processes.reduce((a, p) => a + p.sysS, 0);
  const startupCpuS = [...ready.snap.values()].reduce((a, p) => a + p.userS + p.sysS, 0);
  const m = done.message;
  const outputS = (m.videoTags as number) / work.fps;
  const nodeCpu = processes.find((p) => p.name === 'node (engine)')?.cpuS ?? 0;
  return {
    contender: 'engine',
    outputS,
    cpuS,
    sysS,
    peakRssMb: sampler.peakRssKb / 1024,
    othersCpuS: done.busy - ready.busy - cpuS,
    processes,
    engine: {
      encoderLatencyMs: m.encoderLatencyMs as EngineExtras['encoderLatencyMs'],
      canvasToTagMs: m.canvasToTagMs as EngineExtras['canvasToTagMs'],
      addedLatencyMs: m.addedLatencyMs as EngineExtras['addedLatencyMs'],
      clockWaitMs: m.clockWaitMs as EngineExtras['clockWaitMs'],
      framesOut: m.framesOut as number,
      lateFrames: m.lateFrames as number,
      maxTickLateMs: m.maxTickLateMs as number,
      // Start-up CPU of the tree (Node + probes that ran before the window; exited probe processes
      // were reaped, so this is a lower bound).
      startupCpuS: Math.max(startupCpuS, ready.startupNodeCpuS),
      nodeCpuShare: cpuS > 0 ? nodeCpu / cpuS : 0,
    },
    note: `peak RSS before window ${(peakAtReady / 1024).toFixed(0)} MB; sources ${(m.sourceStates as string[]).join(' ')}; Node memory MB ${JSON.stringify(m.nodeMemoryMb)}`,
  };
}
