/**
 * Runs inside its own Node process (spawned by contenders/engine.ts, bundled first so no
 * TypeScript loader runs beside it): starts the engine on the 4 files in a 2×2 grid, waits until
 * every source is live, then reports on stdout (one JSON line each):
 *   {"event":"ready", pids}      — the measured window starts
 *   {"event":"done", ...extras}  — the window ends; then the engine closes and the process exits.
 * Instrumentation only listens to engine events and reads public state; it changes nothing.
 */
import { dirname } from 'node:path';
import { Engine } from '../../electron/engine/Engine.ts';
import { TAG_VIDEO } from '../../electron/engine/media/flv.ts';
import type { Work } from './types.ts';

const work = JSON.parse(process.argv[2]) as Work;
const send = (message: object) => process.stdout.write(`${JSON.stringify(message)}\n`);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const pct = (samples: number[], p: number) => {
  const s = [...samples].sort((a, b) => a - b);
  return s.length ? s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))] : Number.NaN;
};
const summary = (s: number[]) => ({ p50: pct(s, 50), p90: pct(s, 90), p99: pct(s, 99), n: s.length });

const ids = work.inputs.map((_, i) => `cam${i + 1}`);
const engine = await Engine.create({
  log: () => {},
  // The generated inputs live in the bench's scratch folder: the engine may read only media folders.
  mediaDirs: [dirname(work.inputs[0])],
  show: {
    name: 'bench',
    output: {
      width: work.width,
      height: work.height,
      fps: work.fps,
      videoBitrateKbps: work.videoBitrateKbps,
      audioBitrateKbps: work.audioBitrateKbps,
      keyframeIntervalS: work.keyframeIntervalS,
      encoder: 'libx264',
      x264Preset: 'veryfast',
      cbr: true,
    },
    sources: work.inputs.map((path, i) => ({ id: ids[i], kind: 'file', path, loop: true })),
    layout: { preset: 'grid', sources: ids, fit: 'fit' },
    // The "2 programs" case: a vertical cut of cam1 beside main, on the same sources (docs/PROGRAMS.md).
    ...(work.vertical
      ? {
          version: 2,
          programs: [
            { id: 'main', output: outputOf(work), layout: { preset: 'grid', sources: ids, fit: 'fit' } },
            { id: 'vertical', output: { ...outputOf(work), ...work.vertical }, layout: { preset: 'solo', sources: [ids[0]], fit: 'fill' } },
          ],
        }
      : {}),
    destinations: [],
  },
});

function outputOf(w: Work) {
  return {
    width: w.width,
    height: w.height,
    fps: w.fps,
    videoBitrateKbps: w.videoBitrateKbps,
    audioBitrateKbps: w.audioBitrateKbps,
    keyframeIntervalS: w.keyframeIntervalS,
    encoder: 'libx264' as const,
    x264Preset: 'veryfast' as const,
    cbr: true,
  };
}

// The FLV muxer shifts every timestamp by the AAC encoder's priming (frame 0 is at ~21 ms, not
// 0), so a video tag's frame index is counted from the first frame's timestamp. Listening from
// here (no I/O has happened since create() returned) sees the encoder's very first tags.
let origin: number | undefined;
engine.getProgram().encoder.on('tag', (tag) => {
  if (origin === undefined && tag.type === TAG_VIDEO && tag.payload[1] === 1) origin = tag.timestamp;
});

// Wait for every source to be live, then one more second so decoders and encoder are steady.
const deadline = Date.now() + 15_000;
while (Date.now() < deadline && !engine.getState().sources.every((s) => s.state === 'live')) await sleep(100);
await sleep(1000);

const program = engine.getProgram();
const sources = ids.map((id) => engine.getSource(id)!);

// Per output frame index: when it was composed, and for each source whose frame is new in it, when
// that frame arrived in Node (Date.now() ms, as Source.latestFrameAt records it).
const composedAt = new Map<number, { at: number; arrivals: number[] }>();
const lastSeenArrival = new Map<string, number>();
const clockWait: number[] = [];
const added: number[] = [];
const canvasToTag: number[] = [];
let videoTags = 0;
let measuring = false;

program.on('frame', ({ encodedIndex: index }) => {
  if (!measuring) return;
  const at = Date.now();
  const arrivals: number[] = [];
  for (const source of sources) {
    const arrived = source.latestFrameAt;
    if (arrived && arrived !== lastSeenArrival.get(source.id)) {
      lastSeenArrival.set(source.id, arrived);
      arrivals.push(arrived);
      clockWait.push(at - arrived);
    }
  }
  composedAt.set(index, { at, arrivals });
});
program.encoder.on('tag', (tag) => {
  if (!measuring || tag.type !== TAG_VIDEO) return;
  videoTags++;
  if (tag.payload[1] !== 1 || origin === undefined) return; // not a coded frame (sequence header)
  const index = Math.round(((tag.timestamp - origin) * work.fps) / 1000);
  const composed = composedAt.get(index);
  if (!composed) return;
  composedAt.delete(index);
  const now = Date.now();
  canvasToTag.push(now - composed.at);
  for (const arrived of composed.arrivals) added.push(now - arrived);
});

const startupCpu = process.cpuUsage();
const framesAtStart = engine.getState().program.framesOut;
const lateAtStart = engine.getState().program.lateFrames;
measuring = true;
send({ event: 'ready', pids: engine.processes(), startupNodeCpuS: (startupCpu.user + startupCpu.system) / 1e6 });

await sleep(work.seconds * 1000);
measuring = false;
const state = engine.getState().program;
// Encoder.latencies keeps the last 3000 samples, one per video tag (the n-th tag is frame n): the
// window's are the last ones. canvasToTagMs below measures the same thing from outside.
const latencies = program.encoder.latencies.slice(-Math.max(1, Math.min(videoTags, 3000)));
send({
  event: 'done',
  pids: engine.processes(),
  videoTags,
  frame0TimestampMs: origin,
  framesOut: state.framesOut - framesAtStart,
  lateFrames: state.lateFrames - lateAtStart,
  encoderLatencyMs: summary(latencies),
  canvasToTagMs: summary(canvasToTag),
  addedLatencyMs: summary(added),
  clockWaitMs: summary(clockWait),
  // The show clock is private to Program; read for the report only (whole run, start-up included).
  maxTickLateMs: (program as unknown as { clock: { maxLateMs: number } }).clock.maxLateMs,
  sourceStates: engine.getState().sources.map((s) => `${s.id}:${s.state}:${s.restarts}`),
  // Where Node's own memory is (MB): V8 heap, buffers outside it (frames, canvases, pipes).
  nodeMemoryMb: Object.fromEntries(Object.entries(process.memoryUsage()).map(([k, v]) => [k, Math.round(v / 1e5) / 10])),
});
// Stay up until the parent has read every process's CPU: closing stops the encoder at once, and a
// process gone before that sample would lose its whole window's CPU (seen: the encoder's 25 s).
await waitForParentSample(10_000);
await engine.close();
process.exit(0);

/** Resolves when the parent writes a line on stdin (its end-of-window sample is taken), or after `maxMs`. */
function waitForParentSample(maxMs: number): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, maxMs);
    const done = () => {
      clearTimeout(timer);
      resolve();
    };
    process.stdin.once('data', done).once('end', done);
  });
}
