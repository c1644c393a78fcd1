/**
 * What tests use to look at output the way a user's tools would: ffprobe for streams and packets,
 * ffmpeg to decode a frame and read its pixels. System ffprobe/ffmpeg (Debian), so the check does
 * not share the engine's binary.
 */
import { execFile, spawn } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);
export const FFPROBE = process.env.FFPROBE ?? 'ffprobe';
export const SYSTEM_FFMPEG = process.env.SYSTEM_FFMPEG ?? 'ffmpeg';

export interface ProbedStream {
  codec_type: string;
  codec_name: string;
  profile?: string;
  width?: number;
  height?: number;
  avg_frame_rate?: string;
  r_frame_rate?: string;
  sample_rate?: string;
  channels?: number;
  has_b_frames?: number;
}

export async function probeStreams(file: string): Promise<ProbedStream[]> {
  const { stdout } = await run(FFPROBE, ['-v', 'error', '-show_streams', '-of', 'json', file], { maxBuffer: 16 << 20 });
  return (JSON.parse(stdout) as { streams: ProbedStream[] }).streams;
}

export interface ProbedPacket {
  pts_time: number;
  dts_time: number;
  keyframe: boolean;
}

export async function probeVideoPackets(file: string): Promise<ProbedPacket[]> {
  const { stdout } = await run(
    FFPROBE,
    ['-v', 'error', '-select_streams', 'v:0', '-show_entries', 'packet=pts_time,dts_time,flags', '-of', 'csv=p=0', file],
    { maxBuffer: 64 << 20 },
  );
  return stdout
    .trim()
    .split('\n')
    .filter(Boolean)
    .map((line) => {
      const [pts, dts, flags] = line.split(',');
      return { pts_time: Number(pts), dts_time: Number(dts), keyframe: (flags ?? '').includes('K') };
    });
}

export async function probeDuration(file: string): Promise<number> {
  const { stdout } = await run(FFPROBE, ['-v', 'error', '-show_entries', 'format=duration', '-of', 'csv=p=0', file]);
  return Number(stdout.trim());
}

export interface RgbImage {
  width: number;
  height: number;
  data: Buffer;
}

/** Decodes the frame at `atS` seconds as RGB24 (scaled to width × height). */
export function decodeFrameAt(file: string, atS: number, width: number, height: number): Promise<RgbImage> {
  return new Promise((resolve, reject) => {
    const p = spawn(SYSTEM_FFMPEG, ['-v', 'error', '-ss', String(atS), '-i', file, '-frames:v', '1', '-s', `${width}x${height}`, '-f', 'rawvideo', '-pix_fmt', 'rgb24', 'pipe:1']);
    const chunks: Buffer[] = [];
    let err = '';
    p.stdout.on('data', (c: Buffer) => chunks.push(c));
    p.stderr.on('data', (c: Buffer) => (err += c));
    p.on('close', () => {
      const data = Buffer.concat(chunks);
      if (data.length !== width * height * 3) reject(new Error(`decoded ${data.length} bytes at ${atS}s: ${err}`));
      else resolve({ width, height, data });
    });
  });
}

/** Average colour of a rectangle. */
export function averageRgb(img: RgbImage, x: number, y: number, w: number, h: number): [number, number, number] {
  const sum = [0, 0, 0];
  for (let row = y; row < y + h; row++)
    for (let col = x; col < x + w; col++) for (let c = 0; c < 3; c++) sum[c] += img.data[(row * img.width + col) * 3 + c];
  const n = w * h;
  return [sum[0] / n, sum[1] / n, sum[2] / n];
}

export function hexRgb(hex: string): [number, number, number] {
  const n = Number.parseInt(hex.slice(1), 16);
  return [(n >> 16) & 255, (n >> 8) & 255, n & 255];
}

export function colorDistance(a: readonly number[], b: readonly number[]): number {
  return Math.hypot(a[0] - b[0], a[1] - b[1], a[2] - b[2]);
}

/** Records what an RTMP server serves (what it received) into a file until stopped. */
export function pullRtmp(url: string, file: string) {
  const p = spawn(SYSTEM_FFMPEG, ['-v', 'error', '-rw_timeout', '15000000', '-i', url, '-c', 'copy', '-f', 'flv', '-y', file], { stdio: ['pipe', 'ignore', 'pipe'] });
  let err = '';
  p.stderr.on('data', (c: Buffer) => (err += c));
  return {
    process: p,
    stop: () =>
      new Promise<string>((resolve) => {
        if (p.exitCode !== null) return resolve(err);
        p.once('close', () => resolve(err));
        p.stdin.end('q');
        setTimeout(() => p.kill('SIGINT'), 2000);
      }),
  };
}

/**
 * Frequencies present in a mono signal, by a plain DFT at the given bins over the whole signal.
 * Only for audio that is one unbroken stretch (a file's tone): the DFT is coherent, so a phase
 * jump inside the window (a dropout, a receiving browser's jitter buffer stretching or squeezing
 * its playout) or a pitch off by a fraction of a percent cancels the tone against itself and reads
 * 10–40 dB low. For audio that went through a network, use toneEnergyDb.
 */
export function toneLevelsDb(samples: Float32Array, sampleRate: number, freqs: number[]): number[] {
  return freqs.map((f) => {
    let re = 0;
    let im = 0;
    for (let i = 0; i < samples.length; i++) {
      const a = (2 * Math.PI * f * i) / sampleRate;
      re += samples[i] * Math.cos(a);
      im -= samples[i] * Math.sin(a);
    }
    const mag = (2 * Math.hypot(re, im)) / samples.length;
    return 20 * Math.log10(Math.max(mag, 1e-9));
  });
}

/**
 * The level of each tone as a listener hears it: the energy at each frequency in short
 * Hann-windowed slices (100 ms: 10 Hz bins, so tones ≥ 100 Hz apart stay apart), averaged over
 * the signal. A phase jump only touches the slice it falls in and a pitch off by 0.2 % stays in
 * its bin, so audio that went through WebRTC (whose receivers stretch and squeeze playout) reads
 * its true level, which toneLevelsDb does not. dBFS of the tone's amplitude, like toneLevelsDb.
 */
export function toneEnergyDb(samples: Float32Array, sampleRate: number, freqs: number[], sliceMs = 100): number[] {
  const size = Math.round((sampleRate * sliceMs) / 1000);
  const window = new Float64Array(size);
  let windowSum = 0;
  for (let i = 0; i < size; i++) {
    window[i] = 0.5 - 0.5 * Math.cos((2 * Math.PI * i) / (size - 1));
    windowSum += window[i];
  }
  return freqs.map((f) => {
    let power = 0;
    let slices = 0;
    for (let start = 0; start + size <= samples.length; start += size) {
      let re = 0;
      let im = 0;
      for (let i = 0; i < size; i++) {
        const a = (2 * Math.PI * f * i) / sampleRate;
        const v = samples[start + i] * window[i];
        re += v * Math.cos(a);
        im -= v * Math.sin(a);
      }
      const amplitude = (2 * Math.hypot(re, im)) / windowSum;
      power += amplitude * amplitude;
      slices++;
    }
    return 10 * Math.log10(Math.max(power / Math.max(1, slices), 1e-18));
  });
}

/**
 * Decodes `seconds` of audio from `atS` as mono float at 48 kHz: the channels downmixed, or
 * only the left one (`channel: 0`). Downmixing sums at −3 dB each, so a sound equal in both
 * channels reads 3 dB louder than in either: compare levels with one channel of another
 * recording (a browser's `getChannelData(0)`) using `channel: 0`.
 */
export function decodeAudio(file: string, atS: number, seconds: number, options: { channel?: 0 } = {}): Promise<Float32Array> {
  const toMono = options.channel === 0 ? ['-af', 'pan=mono|c0=c0'] : ['-ac', '1'];
  return new Promise((resolve, reject) => {
    const p = spawn(SYSTEM_FFMPEG, ['-v', 'error', '-ss', String(atS), '-t', String(seconds), '-i', file, '-vn', ...toMono, '-ar', '48000', '-f', 'f32le', 'pipe:1']);
    const chunks: Buffer[] = [];
    p.stdout.on('data', (c: Buffer) => chunks.push(c));
    p.on('error', reject);
    p.on('close', () => {
      const b = Buffer.concat(chunks);
      resolve(new Float32Array(b.buffer, b.byteOffset, Math.floor(b.length / 4)));
    });
  });
}

/** Every frame of a file, decoded small (for following colours over time). */
export function decodeAllFrames(file: string, width: number, height: number): Promise<RgbImage[]> {
  return new Promise((resolve, reject) => {
    const p = spawn(SYSTEM_FFMPEG, ['-v', 'error', '-i', file, '-s', `${width}x${height}`, '-f', 'rawvideo', '-pix_fmt', 'rgb24', 'pipe:1']);
    const chunks: Buffer[] = [];
    p.stdout.on('data', (c: Buffer) => chunks.push(c));
    p.on('error', reject);
    p.on('close', () => {
      const all = Buffer.concat(chunks);
      const size = width * height * 3;
      const frames: RgbImage[] = [];
      for (let off = 0; off + size <= all.length; off += size) frames.push({ width, height, data: all.subarray(off, off + size) });
      resolve(frames);
    });
  });
}
