/**
 * Cutline vs its peers on the same work, on this machine, one contender at a time:
 * 4 H.264+AAC files → 2×2 grid → H.264 (libx264 veryfast zerolatency, CBR) + AAC, in real time.
 *
 *   npx tsx bench/compare.ts [--seconds 60] [--sizes 720,1080,programs] [--runs 3] [--only engine,gstreamer]
 *                            [--profile DIR] [--json FILE]
 *
 * The `programs` case (#13): 2 programs from the same 4 files — the 1920×1080 grid and a
 * 1080×1920 vertical cut of cam1 (crop to fill) — vs one ffmpeg making the same two outputs with
 * `split` and two encoders (target ≤ 1.15× its CPU; GStreamer is not run for it).
 *
 * Contenders (one module each in bench/contenders/): the engine (Node + 4 decoder ffmpegs + encoder
 * ffmpeg), one ffmpeg with xstack (the bundled 2018 static build and Debian's 5.1), GStreamer's
 * compositor. Prints CPU-seconds per output second (all processes of a contender, user + sys) and
 * peak memory (RSS summed over its processes), the engine's ratios to the peers (targets: ≤ 1.2×
 * one ffmpeg, ≤ 0.6× GStreamer) and its added latency (target ≤ 50 ms at 30 fps). Medians over runs.
 * Runs are interleaved (engine, ffmpeg, ffmpeg, gstreamer, then again) so background load on a
 * shared machine spreads over all of them; "others" is the CPU everything else used meanwhile.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { runEngine } from './contenders/engine.ts';
import { runFfmpegXstack } from './contenders/ffmpegXstack.ts';
import { runGstreamer } from './contenders/gstreamer.ts';
import { cpuPerOutputS, type Result, type Work } from './contenders/types.ts';
import { makeInputs } from './lib/inputs.ts';
import { fixed, median } from './lib/stats.ts';

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '60' },
    sizes: { type: 'string', default: '720,1080' },
    runs: { type: 'string', default: '1' },
    only: { type: 'string', default: 'engine,ffmpeg-bundled,ffmpeg-debian,gstreamer' },
    profile: { type: 'string' },
    json: { type: 'string' },
    dir: { type: 'string', default: join(tmpdir(), 'cutline-bench') },
  },
});

const SIZES: Record<string, { width: number; height: number; videoBitrateKbps: number; vertical?: Work['vertical'] }> = {
  '720': { width: 1280, height: 720, videoBitrateKbps: 3000 },
  '1080': { width: 1920, height: 1080, videoBitrateKbps: 4500 },
  programs: { width: 1920, height: 1080, videoBitrateKbps: 4500, vertical: { width: 1080, height: 1920, videoBitrateKbps: 4500 } },
};
/** Contenders that cannot do a case's work. */
const CANNOT: Record<string, string[]> = { programs: ['gstreamer'] };
const CONTENDERS: Record<string, (work: Work) => Promise<Result>> = {
  engine: (work) => runEngine(work, values.profile),
  'ffmpeg-bundled': (work) => runFfmpegXstack(work, 'ffmpeg-bundled'),
  'ffmpeg-debian': (work) => runFfmpegXstack(work, 'ffmpeg-debian'),
  gstreamer: (work) => runGstreamer(work),
};
const seconds = Number(values.seconds);
const runs = Number(values.runs);
const only = values.only.split(',');
const dir = values.dir;
mkdirSync(dir, { recursive: true });

const all: { size: string; run: number; result: Result }[] = [];
const save = () => values.json && writeFileSync(values.json, JSON.stringify(all, null, 2));

for (const size of values.sizes.split(',')) {
  const s = SIZES[size];
  if (!s) throw new Error(`unknown size ${size} (use 720, 1080 or programs)`);
  const inputs = makeInputs('node_modules/@ffmpeg-installer/linux-x64/ffmpeg', join(dir, 'inputs'), s.width, s.height, 30, seconds);
  const work: Work = { ...s, fps: 30, seconds, audioBitrateKbps: 128, keyframeIntervalS: 2, inputs, dir };
  for (let run = 1; run <= runs; run++) {
    for (const name of only) {
      if (CANNOT[size]?.includes(name)) continue;
      const contender = CONTENDERS[name];
      if (!contender) throw new Error(`unknown contender ${name}`);
      process.stderr.write(`${size}p run ${run}/${runs}: ${name} … `);
      const result = await contender(work);
      process.stderr.write(`${fixed(cpuPerOutputS(result))} CPU-s/s, ${fixed(result.peakRssMb, 0)} MB, others ${fixed(result.othersCpuS / result.outputS)}${result.note ? ` (${result.note})` : ''}\n`);
      all.push({ size, run, result });
      save();
    }
  }
  report(size);
}

function report(size: string): void {
  const rows = all.filter((r) => r.size === size);
  const byContender = new Map<string, Result[]>();
  for (const { result } of rows) byContender.set(result.contender, [...(byContender.get(result.contender) ?? []), result]);
  const med = (name: string, f: (r: Result) => number) => median((byContender.get(name) ?? []).map(f));
  const s = SIZES[size];
  const title = s.vertical ? `2 programs: ${s.width}×${s.height} grid + ${s.vertical.width}×${s.vertical.height} vertical` : `${s.width}×${s.height}`;
  console.log(`\n### ${title} 30 fps, ${seconds} s, ${runs} run(s) — medians`);
  console.log('| contender | CPU-s per output s | (runs) | sys share | peak RSS MB | others\' CPU-s/s meanwhile |');
  console.log('|---|---|---|---|---|---|');
  for (const [name, results] of byContender) {
    const runsList = results.map((r) => fixed(cpuPerOutputS(r))).join(' / ');
    console.log(
      `| ${name} | **${fixed(med(name, cpuPerOutputS))}** | ${runsList} | ${fixed(100 * med(name, (r) => r.sysS / r.cpuS), 0)} % | ${fixed(med(name, (r) => r.peakRssMb), 0)} | ${fixed(med(name, (r) => r.othersCpuS / r.outputS))} |`,
    );
  }
  const engine = byContender.get('engine');
  if (!engine) return;
  const e = med('engine', cpuPerOutputS);
  const eMem = med('engine', (r) => r.peakRssMb);
  console.log('\nEngine ratios (CPU; memory):');
  const ffmpegTarget = s.vertical ? 1.15 : 1.2;
  for (const [peer, target] of [['ffmpeg-bundled xstack', ffmpegTarget], ['ffmpeg-debian xstack', ffmpegTarget], ['gstreamer compositor', 0.6]] as const) {
    if (!byContender.has(peer)) continue;
    const ratio = e / med(peer, cpuPerOutputS);
    console.log(`- vs ${peer}: ${fixed(ratio)}× CPU (target ≤ ${target}×: ${ratio <= target ? 'met' : 'MISSED'}); ${fixed(eMem / med(peer, (r) => r.peakRssMb))}× memory`);
  }
  const x = (f: (r: Result) => number) => fixed(median(engine.map(f)), 1);
  console.log(
    `\nEngine latency, ms (p50 / p90 / p99): added (source frame in Node → its FLV packet) ` +
      `${x((r) => r.engine!.addedLatencyMs.p50)} / ${x((r) => r.engine!.addedLatencyMs.p90)} / ${x((r) => r.engine!.addedLatencyMs.p99)} (target p50 ≤ 50); ` +
      `of which waiting for the tick ${x((r) => r.engine!.clockWaitMs.p50)} / ${x((r) => r.engine!.clockWaitMs.p90)} / ${x((r) => r.engine!.clockWaitMs.p99)}; ` +
      `canvas → FLV tag ${x((r) => r.engine!.canvasToTagMs?.p50 ?? Number.NaN)} / ${x((r) => r.engine!.canvasToTagMs?.p90 ?? Number.NaN)} / ${x((r) => r.engine!.canvasToTagMs?.p99 ?? Number.NaN)}; ` +
      `Encoder.latencies as recorded (one frame low, see engineChild.ts) ${x((r) => r.engine!.encoderLatencyMs.p50)} / ${x((r) => r.engine!.encoderLatencyMs.p90)} / ${x((r) => r.engine!.encoderLatencyMs.p99)}`,
  );
  console.log(
    `Engine: late frames ${engine.map((r) => r.engine!.lateFrames).join(' / ')} of ${engine.map((r) => r.engine!.framesOut).join(' / ')}; ` +
      `max tick lateness ${engine.map((r) => fixed(r.engine!.maxTickLateMs, 0)).join(' / ')} ms; Node's share of the engine's CPU ${fixed(100 * median(engine.map((r) => r.engine!.nodeCpuShare)), 0)} %; ` +
      `start-up CPU ${x((r) => r.engine!.startupCpuS)} s (not in the window)`,
  );
  console.log('\nEngine per process (median CPU-s per output s, sys share, peak RSS MB):');
  const names = engine[0].processes!.map((p) => p.name);
  for (const name of names) {
    const per = engine.map((r) => r.processes!.find((p) => p.name === name)).filter((p) => p !== undefined);
    const outputS = median(engine.map((r) => r.outputS));
    console.log(
      `- ${name}: ${fixed(median(per.map((p) => p.cpuS)) / outputS, 3)} CPU-s/s, sys ${fixed(100 * median(per.map((p) => p.sysS / p.cpuS)), 0)} %, ${fixed(median(per.map((p) => p.peakRssMb)), 0)} MB`,
    );
  }
}
