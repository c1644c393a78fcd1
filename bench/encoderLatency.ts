/**
 * Where the engine's encoder latency (canvas written → its FLV video tag out) comes from, and
 * what would remove it: runs the engine's own encoder command line (buildEncoderArgs) fed by a
 * 30 fps timer with a static canvas and silence, as Program does, in variants:
 *   as-is        exactly the engine's command (video + AAC audio, FLV)
 *   video-only   the same without the audio input and stream
 *   audio-ahead  audio written AUDIO_LEAD samples ahead of video (silence pre-roll), with
 *                -itsoffset on the audio input so its timestamps stay aligned with video
 *   no-interleave-wait  the engine's command plus `-max_interleave_delta 1`: the FLV muxer writes
 *                each packet when it is ready instead of holding video for audio of the same time
 *
 *   npx tsx bench/encoderLatency.ts [--seconds 20] [--size 320x180]
 *
 * Small frames by default: the interleaving delay does not depend on frame size, and the
 * experiment then hardly disturbs other measurements on the machine.
 */
import { spawn } from 'node:child_process';
import { parseArgs } from 'node:util';
import type { OutputSettings } from '../shared/show.ts';
import { buildEncoderArgs } from '../electron/engine/program/Encoder.ts';
import { FlvDemuxer, TAG_AUDIO, TAG_VIDEO } from '../electron/engine/media/flv.ts';
import { samplesForTick } from '../electron/engine/program/ProgramClock.ts';
import { fixed, percentile } from './lib/stats.ts';

const { values } = parseArgs({ options: { seconds: { type: 'string', default: '20' }, size: { type: 'string', default: '320x180' } } });
const [width, height] = values.size.split('x').map(Number);
const FFMPEG = 'node_modules/@ffmpeg-installer/linux-x64/ffmpeg';
const FPS = 30;
const AUDIO_LEAD = 2048; // two AAC frames
const settings: OutputSettings = {
  width, height, fps: FPS, videoBitrateKbps: 1000, audioBitrateKbps: 128, keyframeIntervalS: 2,
  encoder: 'libx264', x264Preset: 'veryfast', cbr: true,
};

type Variant = 'as-is' | 'video-only' | 'audio-ahead' | 'no-interleave-wait';

function args(variant: Variant): string[] {
  const base = buildEncoderArgs(settings, 'libx264');
  if (variant === 'as-is') return base;
  if (variant === 'no-interleave-wait') {
    // Let the muxer write each packet at once instead of holding video until audio of the same
    // time exists (ffmpeg's default waits up to 10 s for every stream to have a packet).
    const f = base.lastIndexOf('-f');
    return [...base.slice(0, f), '-max_interleave_delta', '1', ...base.slice(f)];
  }
  const audioInput = base.indexOf('pipe:3');
  const audioStart = base.lastIndexOf('-f', audioInput);
  if (variant === 'audio-ahead') {
    const lead = (AUDIO_LEAD / 48_000).toFixed(6);
    return [...base.slice(0, audioStart), '-itsoffset', `-${lead}`, ...base.slice(audioStart)];
  }
  // video-only: drop the audio input, its map and the audio encoder options.
  const out = [...base.slice(0, audioStart), ...base.slice(audioInput + 1)];
  const map = out.indexOf('1:a');
  out.splice(map - 1, 2);
  const ca = out.indexOf('-c:a');
  out.splice(ca, 10); // -c:a aac -profile:a aac_low -b:a Nk -ar 48000 -ac 2
  return out;
}

async function measure(variant: Variant, seconds: number) {
  const child = spawn(FFMPEG, args(variant), { stdio: ['pipe', 'pipe', 'inherit', ...(variant === 'video-only' ? [] : ['pipe' as const])] });
  const demuxer = new FlvDemuxer();
  const writtenAt = new Map<number, number>();
  const latencies: number[] = [];
  let firstAudioTs: number | undefined;
  const firstVideoTs: number[] = [];
  let origin: number | undefined;
  child.stdout!.on('data', (chunk: Buffer) => {
    for (const tag of demuxer.push(chunk)) {
      if (tag.type === TAG_AUDIO && firstAudioTs === undefined && tag.payload[1] === 1) firstAudioTs = tag.timestamp;
      if (tag.type !== TAG_VIDEO) continue;
      if (firstVideoTs.length < 4) firstVideoTs.push(tag.timestamp);
      if (tag.payload[1] === 0) continue; // AVC sequence header
      // The muxer shifts every timestamp by the audio encoder's priming (negative start), so frame
      // 0 is not at 0 ms: take frame 0's timestamp as the origin (no B-frames: tags are in order).
      origin ??= tag.timestamp;
      const at = writtenAt.get(Math.round(((tag.timestamp - origin) * FPS) / 1000));
      if (at !== undefined) latencies.push(performance.now() - at);
    }
  });
  const canvas = Buffer.alloc((width * height * 3) / 2, 128);
  const audioPipe = child.stdio[3] as NodeJS.WritableStream | undefined;
  if (variant === 'audio-ahead') audioPipe?.write(Buffer.alloc(AUDIO_LEAD * 4));
  const start = performance.now();
  for (let n = 0; n < seconds * FPS; n++) {
    const due = start + (n * 1000) / FPS;
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, due - performance.now())));
    writtenAt.set(n, performance.now());
    child.stdin!.write(canvas);
    audioPipe?.write(Buffer.alloc(samplesForTick(n, FPS) * 4));
  }
  audioPipe?.end();
  child.stdin!.end();
  await new Promise((resolve) => child.on('exit', resolve));
  const steady = latencies.slice(FPS * 2); // skip the first 2 s (encoder start)
  return { variant, p50: percentile(steady, 50), p90: percentile(steady, 90), p99: percentile(steady, 99), n: steady.length, firstAudioTs, firstVideoTs };
}

for (const variant of ['as-is', 'video-only', 'audio-ahead', 'no-interleave-wait'] as const) {
  const r = await measure(variant, Number(values.seconds));
  console.log(`${variant.padEnd(12)} canvas → FLV video tag ms p50 ${fixed(r.p50, 1)} p90 ${fixed(r.p90, 1)} p99 ${fixed(r.p99, 1)} (n ${r.n}); first video tags at ${r.firstVideoTs.join(', ')} ms${r.firstAudioTs !== undefined ? `, first AAC packet at ${r.firstAudioTs} ms` : ''}`);
}
