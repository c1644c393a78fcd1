/**
 * Lip-sync measurement the way a broadcast engineer does it: a clip that flashes white and beeps
 * at the same instant once a second, and a reader that finds, in a recording, the time of every
 * flash (per-frame luminance) and every beep (audio envelope), and pairs them. Offsets are audio
 * minus video: negative = sound early. System ffmpeg/ffprobe, so the check does not share the
 * engine's binary.
 */
import { execFile, spawn } from 'node:child_process';
import { promisify } from 'node:util';
import { Engine } from '../../electron/engine/Engine.ts';
import { FFPROBE, SYSTEM_FFMPEG } from './media.ts';
import { sleep, waitUntil } from './servers.ts';

const run = promisify(execFile);
const RATE = 48_000;

export interface FlashBeepClipOptions {
  durationS: number;
  fps?: number;
  width?: number;
  height?: number;
  /** A quiet tone under everything, so a gap or click at a loop seam shows (0 = true silence). */
  bedToneHz?: number;
  /**
   * The audio clock against the video's: 1.005 = the sound card runs 0.5 % fast. Its samples are
   * labelled 48 kHz, but 48 000 × rate of them pass per second of picture, as from a device whose
   * audio crystal is off. The beeps are placed on that fast clock (one per 48 000 × rate samples).
   */
  audioClockRate?: number;
}

/**
 * Writes a clip (Matroska with PCM, or MP4 with AAC by the file's extension): black with one white frame every second, silence (or a −20 dB bed tone)
 * with a 1 kHz beep of one frame's length starting on the same instant. The bed tone's period
 * divides the clip length, so a looped clip has no seam of its own.
 */
export async function makeFlashBeepClip(file: string, options: FlashBeepClipOptions): Promise<void> {
  const fps = options.fps ?? 30;
  const size = `${options.width ?? 320}x${options.height ?? 180}`;
  const rate = options.audioClockRate ?? 1;
  const beepS = 1 / fps;
  const bed = options.bedToneHz ? `0.1*sin(2*PI*${options.bedToneHz}*t)` : '0';
  // The audio's own notion of time: t counts labelled samples; on a fast clock, one second of
  // picture holds `rate` labelled seconds of samples.
  const beep = `if(lt(mod(t\\,${rate})\\,${beepS})\\,0.8*sin(2*PI*1000*t)\\,0)`;
  const audioS = options.durationS * rate;
  const video = `color=c=black:s=${size}:r=${fps}:d=${options.durationS},geq=lum='if(eq(mod(N\\,${fps})\\,0)\\,235\\,16)':cb=128:cr=128`;
  const audio = `aevalsrc='${beep}+${bed}|${beep}+${bed}':s=${RATE}:d=${audioS}`;
  // Labelled samples are timestamped on the picture's clock (scaled by 1/rate), as a capture
  // device timestamps what it receives: the container says real time, the sample count runs fast.
  await run(SYSTEM_FFMPEG, [
    '-v', 'error', '-y',
    '-f', 'lavfi', '-i', video,
    '-itsscale', String(1 / rate), '-f', 'lavfi', '-i', audio,
    '-map', '0:v', '-map', '1:a',
    '-c:v', 'libx264', '-preset', 'ultrafast', '-g', String(fps), '-pix_fmt', 'yuv420p',
    // MP4 files carry AAC (with its priming and end padding, as users' files do); others PCM.
    ...(file.endsWith('.mp4') ? ['-c:a', 'aac', '-b:a', '128k'] : ['-c:a', 'pcm_s16le']),
    file,
  ]);
}

export interface FlashBeepMeasurement {
  flashesS: number[];
  beepsS: number[];
  /** One per flash that has a beep within ±0.5 s: beep − flash, in ms. */
  offsetsMs: { atS: number; offsetMs: number }[];
  /** Longest run of (near) silence in ms, when the clip had a bed tone; 0 otherwise. */
  longestSilenceMs: number;
  /** Sample-to-sample steps far larger than the bed tone and beep can make (clicks). */
  clicks: { atS: number; step: number }[];
}

/** Per-frame mean luma with presentation times, decoded from `file`. */
export async function frameLuma(file: string): Promise<{ t: number; y: number }[]> {
  const { stdout } = await run(
    FFPROBE,
    ['-v', 'error', '-f', 'lavfi', '-i', `movie=${file.replace(/([:\\'])/g, '\\$1')},signalstats`, '-show_entries', 'frame=pts_time:frame_tags=lavfi.signalstats.YAVG', '-of', 'csv=p=0'],
    { maxBuffer: 256 << 20 },
  );
  return stdout
    .trim()
    .split('\n')
    .filter(Boolean)
    .map((line) => {
      const [t, y] = line.split(',');
      return { t: Number(t), y: Number(y) };
    })
    .filter((f) => Number.isFinite(f.t) && Number.isFinite(f.y));
}

/**
 * The file's audio as mono float at 48 kHz where sample i is at time i / 48000 on the file's own
 * clock (timestamps kept, gaps filled), so it lines up with frameLuma's times.
 */
export function timelineAudio(file: string): Promise<Float32Array> {
  return new Promise((resolve, reject) => {
    const p = spawn(SYSTEM_FFMPEG, ['-v', 'error', '-copyts', '-i', file, '-vn', '-af', 'aresample=async=1:min_hard_comp=0.0005:first_pts=0', '-ac', '1', '-ar', String(RATE), '-f', 'f32le', 'pipe:1']);
    const chunks: Buffer[] = [];
    p.stdout.on('data', (c: Buffer) => chunks.push(c));
    p.on('error', reject);
    p.on('close', () => {
      const b = Buffer.concat(chunks);
      resolve(new Float32Array(b.buffer, b.byteOffset, Math.floor(b.length / 4)));
    });
  });
}

/** Finds flashes, beeps, their offsets, silences and clicks in a recording of a flash-beep clip. */
export async function measureFlashBeep(file: string, options: { bedTone?: boolean } = {}): Promise<FlashBeepMeasurement> {
  const [frames, audio] = await Promise.all([frameLuma(file), timelineAudio(file)]);
  const flashesS: number[] = [];
  for (let i = 0; i < frames.length; i++) {
    if (frames[i].y > 128 && (i === 0 || frames[i - 1].y <= 128)) flashesS.push(frames[i].t);
  }
  // Beep onsets: the first sample above half the beep's level after ≥ 200 ms below it.
  const beepsS: number[] = [];
  let lastLoud = -Infinity;
  for (let i = 0; i < audio.length; i++) {
    if (Math.abs(audio[i]) > 0.4) {
      if (i - lastLoud > 0.2 * RATE) beepsS.push(i / RATE);
      lastLoud = i;
    }
  }
  const offsetsMs: { atS: number; offsetMs: number }[] = [];
  for (const flash of flashesS) {
    let best: number | undefined;
    for (const beep of beepsS) if (Math.abs(beep - flash) < 0.5 && (best === undefined || Math.abs(beep - flash) < Math.abs(best - flash))) best = beep;
    if (best !== undefined) offsetsMs.push({ atS: flash, offsetMs: (best - flash) * 1000 });
  }
  let longestSilenceMs = 0;
  const clicks: { atS: number; step: number }[] = [];
  if (options.bedTone) {
    // Silence: a 5 ms window whose peak is far below the bed tone's level (0.1), counted in runs.
    const win = RATE / 200;
    let run = 0;
    const start = Math.floor(0.5 * RATE); // skip the start of the recording
    const end = audio.length - RATE / 2;
    for (let w = start; w + win <= end; w += win) {
      let peak = 0;
      for (let i = w; i < w + win; i++) peak = Math.max(peak, Math.abs(audio[i]));
      run = peak < 0.03 ? run + 5 : 0;
      longestSilenceMs = Math.max(longestSilenceMs, run);
    }
    // Clicks: the second difference of a 440 Hz bed (≈0.0003) or a 1 kHz beep (≈0.014) is tiny;
    // a cut waveform makes a step the size of the signal.
    // The beep itself starts and stops abruptly, so its edges are left out.
    const nearBeep = (t: number) => beepsS.some((b) => t > b - 0.005 && t < b + 0.05);
    for (let i = Math.max(2, start); i < end; i++) {
      const d2 = Math.abs(audio[i] - 2 * audio[i - 1] + audio[i - 2]);
      const t = i / RATE;
      if (d2 > 0.08 && !nearBeep(t) && (clicks.length === 0 || t - clicks[clicks.length - 1].atS > 0.05)) clicks.push({ atS: t, step: d2 });
    }
  }
  return { flashesS, beepsS, offsetsMs, longestSilenceMs, clicks };
}

/** Median, spread and extremes of a list of offsets, for logs and assertions. */
export function offsetSummary(offsets: readonly number[]): { min: number; max: number; median: number; spread: number } {
  const sorted = [...offsets].sort((a, b) => a - b);
  const min = sorted[0] ?? Number.NaN;
  const max = sorted[sorted.length - 1] ?? Number.NaN;
  return { min, max, median: sorted[Math.floor(sorted.length / 2)] ?? Number.NaN, spread: max - min };
}

export interface Recorded {
  file: string;
  /** The source's audio ring and clock recovery after the run: trims and hard resyncs are steps. */
  trimmedSamples: number;
  hardResyncs: number;
  underruns: number;
  ratio: number;
}

/** Plays `clip` as the only source (looped or once), records `seconds` of program, and reports. */
export async function recordSolo(dir: string, clip: string, seconds: number, loop: boolean, fps = 30): Promise<Recorded> {
  const engine = await Engine.create({
    log: () => {},
    show: {
      name: 'av sync',
      output: { width: 320, height: 180, fps, videoBitrateKbps: 800, keyframeIntervalS: 1 },
      sources: [{ id: 'clip', kind: 'file', path: clip, loop }],
      layout: { preset: 'solo', sources: ['clip'] },
      destinations: [{ id: 'rec', kind: 'recording', path: `${dir}/` }],
    },
  });
  try {
    await waitUntil(() => engine.getState().sources[0]?.state === 'live', 15_000, 'clip live');
    await engine.dispatch('destination.start', { id: 'rec' });
    await waitUntil(() => engine.getState().destinations[0]?.state === 'live', 15_000, 'recording live');
    const file = engine.getDestination('rec')!.filePath!;
    await sleep(seconds * 1000);
    await engine.dispatch('destination.stop', { id: 'rec' });
    await waitUntil(() => engine.getState().destinations[0]?.state === 'stopped', 15_000, 'recording stopped');
    const source = engine.getSource('clip')!;
    return {
      file,
      trimmedSamples: source.audio.trimmedSamples,
      hardResyncs: source.audioClock.hardResyncs,
      underruns: source.audio.underruns,
      ratio: source.audioClock.ratio,
    };
  } finally {
    await engine.close();
  }
}
