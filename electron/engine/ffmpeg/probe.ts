/**
 * What this ffmpeg can really do here. Listing an encoder proves only that it was compiled in (the
 * Debian build lists h264_nvenc on machines without an NVIDIA GPU), so every listed H.264 encoder
 * is test-encoded with exactly the arguments the program encoder will use, and every listed
 * hardware decoder decodes and scales a real H.264 clip through the same filter chain the source
 * decoders use. The result is cached per ffmpeg path for the life of the process.
 *
 * All processes are spawned with argument arrays (never a shell), at most two at a time, each with
 * a timeout.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { EncoderChoice } from '../../../shared/show.ts';
import { ALL_H264_ENCODERS, HARDWARE_ENCODERS, type H264Encoder, isHardwareEncoder, videoEncoderArgs } from './encoderArgs.ts';
import { HWACCEL_PREFERENCE, type HwAccel, hwaccelInputArgs, scaleFilter } from './hwaccel.ts';

export interface EncoderProbe {
  name: H264Encoder;
  listed: boolean;
  works: boolean;
  hardware: boolean;
  error?: string;
  testMs?: number;
}

export interface HwAccelProbe {
  name: HwAccel;
  listed: boolean;
  works: boolean;
  error?: string;
}

export interface ProbeResult {
  ffmpeg: { path: string; version: string; source: string };
  /** The H.264 encoders this ffmpeg lists (its `-encoders`), whether or not Cutline knows them. */
  listedH264Encoders: string[];
  /** Each encoder Cutline can use: listed?, did a test frame encode?, and why not. */
  encoders: EncoderProbe[];
  hwaccels: HwAccelProbe[];
  chosen: { encoder: H264Encoder; hardware: boolean; reason: string };
  chosenHwaccel: HwAccel;
  capabilities: { drawtext: boolean; srt: boolean; rtmps: boolean; whip: boolean; fontFile?: string };
}

// ---------------------------------------------------------------------------------------------
// Parsers (pure)

/** Names from `ffmpeg -encoders` (all media types), in listed order. */
export function parseEncoderList(stdout: string): string[] {
  const names: string[] = [];
  for (const line of stdout.split(/\r?\n/)) {
    const m = /^\s*[VAS][A-Z.]{5}\s+(\S+)(?:\s|$)/.exec(line);
    if (m && m[1] !== '=') names.push(m[1]);
  }
  return names;
}

/** The H.264 encoders among `ffmpeg -encoders` (their line ends in "(codec h264)"), in listed order. */
export function parseH264EncoderList(stdout: string): string[] {
  const names: string[] = [];
  for (const line of stdout.split(/\r?\n/)) {
    const m = /^\s*V[A-Z.]{5}\s+(\S+)\s.*\(codec h264\)\s*$/.exec(line);
    if (m) names.push(m[1]);
  }
  return names;
}

/** Method names from `ffmpeg -hwaccels`. */
export function parseHwaccels(stdout: string): string[] {
  const lines = stdout.split(/\r?\n/);
  const start = lines.findIndex((l) => /hardware acceleration methods/i.test(l));
  return lines
    .slice(start + 1)
    .map((l) => l.trim())
    .filter((l) => /^[\w-]+$/.test(l));
}

/** Protocol names from `ffmpeg -protocols`. */
export function parseProtocols(stdout: string): { input: string[]; output: string[] } {
  const result = { input: [] as string[], output: [] as string[] };
  let section: 'input' | 'output' | undefined;
  for (const raw of stdout.split(/\r?\n/)) {
    const line = raw.trim();
    if (/^input:$/i.test(line)) section = 'input';
    else if (/^output:$/i.test(line)) section = 'output';
    else if (section && /^[\w.-]+$/.test(line)) result[section].push(line);
  }
  return result;
}

/** Filter names from `ffmpeg -filters`. */
export function parseFilterList(stdout: string): string[] {
  const names: string[] = [];
  for (const line of stdout.split(/\r?\n/)) {
    const m = /^\s*[A-Z.|]{2,3}\s+(\w+)\s+\S*->\S*/.exec(line);
    if (m) names.push(m[1]);
  }
  return names;
}

/** Muxer names from `ffmpeg -muxers` (comma-separated aliases split). */
export function parseMuxerList(stdout: string): string[] {
  const names: string[] = [];
  let started = false;
  for (const line of stdout.split(/\r?\n/)) {
    if (/^\s*--/.test(line)) {
      started = true;
      continue;
    }
    if (!started) continue;
    const m = /^\s*[DE.]{1,2}[d.]?\s+([\w,.-]+)\s/.exec(line);
    if (m) names.push(...m[1].split(','));
  }
  return names;
}

/**
 * The most useful one or two lines of a failed ffmpeg run: the component's own message rather
 * than the generic "maybe incorrect parameters" trailer, without "[h264_nvenc @ 0x…]" prefixes.
 */
export function summarizeFfmpegError(stderr: string, fallback = 'ffmpeg failed'): string {
  const lines = stderr
    .split(/\r?\n/)
    .map((l) => l.replace(/^\[[^\]]*@\s*(0x)?[0-9a-f]+\]\s*/i, '').trim())
    .filter(Boolean);
  const generic = /maybe incorrect parameters|^Conversion failed|^Error (initializing output|while opening|splitting|parsing)|^Exiting|^Error opening output|^Could not open encoder before EOF|^Terminating thread|^Nothing was written/i;
  const specific = lines.filter((l) => !generic.test(l));
  const pick = (specific.length ? specific.slice(0, 2) : lines.slice(-2)).join(' / ');
  const text = pick || fallback;
  return text.length > 300 ? `${text.slice(0, 297)}...` : text;
}

// ---------------------------------------------------------------------------------------------
// Choice (pure)

function autoChoice(probes: EncoderProbe[], exclude?: H264Encoder): { encoder: H264Encoder; why: string } {
  for (const name of HARDWARE_ENCODERS) {
    if (name === exclude) continue;
    const p = probes.find((e) => e.name === name);
    if (p?.works) return { encoder: name, why: `${name} works here` };
  }
  const failed = probes.filter((p) => p.hardware && p.listed && !p.works && p.name !== exclude);
  const tried = failed.length
    ? `no hardware H.264 encoder works here (${failed.map((p) => `${p.name}: ${p.error ?? 'failed'}`).join('; ')})`
    : 'no hardware H.264 encoder in this ffmpeg build';
  const x264 = probes.find((p) => p.name === 'libx264');
  if (x264 && !x264.works) {
    return {
      encoder: 'libx264',
      why: `${tried}; using libx264, although it ${x264.listed ? `failed its test encode: ${x264.error ?? 'unknown error'}` : 'is not in this ffmpeg build either'}`,
    };
  }
  return { encoder: 'libx264', why: `${tried}; using libx264` };
}

/**
 * Pure choice: given probes and the user's preferred encoder, pick one with a human reason
 * ('h264_nvenc works here' / 'preferred h264_qsv failed its test encode: <error>; using libx264').
 * Hardware is preferred when it works; a preferred encoder that fails falls back to the automatic
 * choice (the best working hardware encoder, else libx264).
 */
export function chooseEncoder(probes: EncoderProbe[], preferred: EncoderChoice): ProbeResult['chosen'] {
  const result = (encoder: H264Encoder, reason: string): ProbeResult['chosen'] => ({
    encoder,
    hardware: isHardwareEncoder(encoder),
    reason,
  });
  if (preferred === 'auto') {
    const auto = autoChoice(probes);
    return result(auto.encoder, auto.why);
  }
  const p = probes.find((e) => e.name === preferred);
  if (p?.works) return result(preferred, `preferred ${preferred} works here`);
  const fallback = autoChoice(probes, preferred);
  const fallbackWhy = fallback.why.startsWith(`${fallback.encoder} works here`)
    ? `using ${fallback.encoder}, which works here`
    : fallback.why.replace(/^.*?; (using .*)$/, '$1');
  const problem = !p?.listed
    ? `preferred ${preferred} is not in this ffmpeg build`
    : `preferred ${preferred} failed its test encode: ${p.error ?? 'unknown error'}`;
  return result(fallback.encoder, `${problem}; ${fallbackWhy}`);
}

// ---------------------------------------------------------------------------------------------
// Fonts

const FONT_CANDIDATES: Record<string, string[]> = {
  linux: [
    '/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf', // Debian, Ubuntu
    '/usr/share/fonts/dejavu-sans-fonts/DejaVuSans.ttf', // Fedora
    '/usr/share/fonts/dejavu/DejaVuSans.ttf', // older Fedora, openSUSE
    '/usr/share/fonts/TTF/DejaVuSans.ttf', // Arch
    '/usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf',
    '/usr/share/fonts/liberation-sans/LiberationSans-Regular.ttf',
    '/usr/share/fonts/truetype/noto/NotoSans-Regular.ttf',
    '/usr/share/fonts/noto/NotoSans-Regular.ttf',
  ],
  darwin: [
    '/System/Library/Fonts/Helvetica.ttc',
    '/System/Library/Fonts/Supplemental/Arial.ttf',
    '/Library/Fonts/Arial.ttf',
    '/System/Library/Fonts/SFNS.ttf',
  ],
};

/** DejaVuSans / Helvetica / Arial paths per OS, first existing */
export function findFontFile(platform: string = process.platform, exists: (path: string) => boolean = existsSync): string | undefined {
  let candidates: string[];
  if (platform === 'win32') {
    const fonts = join(process.env.WINDIR ?? process.env.SystemRoot ?? 'C:\\Windows', 'Fonts');
    candidates = ['arial.ttf', 'segoeui.ttf', 'tahoma.ttf'].map((f) => `${fonts}\\${f}`.replace(/[\\/]+/g, '\\'));
  } else {
    candidates = FONT_CANDIDATES[platform] ?? FONT_CANDIDATES.linux;
  }
  return candidates.find((p) => exists(p));
}

/**
 * Escape a value for a filter option inside a -vf/-filter_complex string (both escaping levels:
 * the option's `:`, `\`, `'`, then the graph's `\`, `'`, `[`, `]`, `,`, `;`). For font paths and text.
 */
export function escapeFilterValue(value: string): string {
  const optionLevel = value.replace(/[\\':]/g, '\\$&');
  return optionLevel.replace(/[\\'[\],;]/g, '\\$&');
}

// ---------------------------------------------------------------------------------------------
// Running ffmpeg

interface RunResult {
  code: number | null;
  stdout: Buffer;
  stderr: string;
  timedOut: boolean;
  ms: number;
  spawnError?: string;
}

const MAX_STDOUT = 64 << 20;
const MAX_STDERR = 256 << 10;

function runFfmpeg(path: string, args: string[], timeoutMs: number, input?: Buffer): Promise<RunResult> {
  const started = performance.now();
  return new Promise((resolve) => {
    let settled = false;
    const out: Buffer[] = [];
    let outBytes = 0;
    let stderr = '';
    let timedOut = false;
    const child = spawn(path, args, { stdio: ['pipe', 'pipe', 'pipe'], windowsHide: true });
    const finish = (code: number | null, spawnError?: string) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve({ code, stdout: Buffer.concat(out), stderr, timedOut, ms: Math.round(performance.now() - started), spawnError });
    };
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, timeoutMs);
    child.stdout.on('data', (chunk: Buffer) => {
      if (outBytes < MAX_STDOUT) {
        out.push(chunk);
        outBytes += chunk.length;
      }
    });
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk: string) => {
      if (stderr.length < MAX_STDERR) stderr += chunk;
    });
    for (const stream of [child.stdin, child.stdout, child.stderr]) stream.on('error', () => {});
    child.on('error', (error) => finish(null, error.message));
    child.on('close', (code) => finish(code));
    if (input) child.stdin.end(input);
    else child.stdin.end();
  });
}

/** Run async jobs with at most `n` in flight. */
function limiter(n: number): <T>(job: () => Promise<T>) => Promise<T> {
  let active = 0;
  const queue: (() => void)[] = [];
  return <T>(job: () => Promise<T>) =>
    new Promise<T>((resolve, reject) => {
      const start = () => {
        active++;
        job()
          .then(resolve, reject)
          .finally(() => {
            active--;
            queue.shift()?.();
          });
      };
      if (active < n) start();
      else queue.push(start);
    });
}

const QUIET = ['-hide_banner', '-nostdin', '-loglevel', 'error'];

/** The arguments of one encoder's test encode (exported for tests and `cutline probe --verbose`). */
export function testEncodeArgs(encoder: H264Encoder): string[] {
  const { inputArgs, outputArgs } = videoEncoderArgs({
    encoder,
    width: 256,
    height: 144,
    fps: 30,
    videoBitrateKbps: 500,
    keyframeIntervalS: 1,
    x264Preset: 'veryfast',
    cbr: true,
  });
  return [...QUIET, ...inputArgs, '-f', 'lavfi', '-i', 'color=s=256x144:r=30', '-frames:v', '5', ...outputArgs, '-f', 'null', '-'];
}

const HWACCEL_TEST_SIZE = { width: 160, height: 90, fit: 'fit' } as const;

/** The arguments of one hwaccel's decode+scale test, reading an H.264 elementary stream on stdin. */
export function testHwaccelArgs(accel: HwAccel): string[] {
  return [
    ...QUIET,
    ...hwaccelInputArgs(accel),
    '-f',
    'h264',
    '-i',
    'pipe:0',
    '-vf',
    scaleFilter(accel, HWACCEL_TEST_SIZE),
    '-f',
    'rawvideo',
    '-pix_fmt',
    'yuv420p',
    'pipe:1',
  ];
}

// ---------------------------------------------------------------------------------------------
// The probe

type RawProbe = Omit<ProbeResult, 'chosen'>;

const cache = new Map<string, Promise<RawProbe>>();

export function clearProbeCache(): void {
  cache.clear();
}

export async function probeFfmpeg(opts: {
  ffmpegPath: string;
  source?: string;
  preferred?: EncoderChoice;
  timeoutMs?: number;
}): Promise<ProbeResult> {
  let pending = cache.get(opts.ffmpegPath);
  if (!pending) {
    pending = runProbe(opts.ffmpegPath, opts.source ?? 'unknown', opts.timeoutMs ?? 10_000);
    cache.set(opts.ffmpegPath, pending);
    // A probe that could not run at all is not remembered: the user may fix the path and retry.
    pending.catch(() => {
      if (cache.get(opts.ffmpegPath) === pending) cache.delete(opts.ffmpegPath);
    });
  }
  const raw = await pending;
  return { ...raw, chosen: chooseEncoder(raw.encoders, opts.preferred ?? 'auto') };
}

async function runProbe(path: string, source: string, timeoutMs: number): Promise<RawProbe> {
  const run = limiter(2);
  const listing = (args: string[]) => run(() => runFfmpeg(path, ['-hide_banner', ...args], timeoutMs));

  const versionRun = await listing(['-version']);
  if (versionRun.spawnError || versionRun.code !== 0) {
    const why = versionRun.spawnError ?? (versionRun.timedOut ? 'timed out' : summarizeFfmpegError(versionRun.stderr));
    throw new Error(`ffmpeg could not be run from "${path}" (${why}). Install ffmpeg or set CUTLINE_FFMPEG to its path.`);
  }
  const version = /ffmpeg version (\S+)/.exec(versionRun.stdout.toString('utf8'))?.[1] ?? 'unknown';

  const [encodersRun, hwaccelsRun, protocolsRun, filtersRun, muxersRun] = await Promise.all([
    listing(['-encoders']),
    listing(['-hwaccels']),
    listing(['-protocols']),
    listing(['-filters']),
    listing(['-muxers']),
  ]);
  const encoderListing = encodersRun.stdout.toString('utf8');
  const listedEncoders = parseEncoderList(encoderListing);
  const listedHwaccels = parseHwaccels(hwaccelsRun.stdout.toString('utf8'));
  const protocols = parseProtocols(protocolsRun.stdout.toString('utf8'));
  const filters = parseFilterList(filtersRun.stdout.toString('utf8'));
  const muxers = parseMuxerList(muxersRun.stdout.toString('utf8'));

  // Test-encode every listed H.264 encoder, two at a time.
  const encoders = await Promise.all(
    ALL_H264_ENCODERS.map(async (name): Promise<EncoderProbe> => {
      const hardware = isHardwareEncoder(name);
      if (!listedEncoders.includes(name)) {
        return { name, listed: false, works: false, hardware, error: 'not in this ffmpeg build' };
      }
      const r = await run(() => runFfmpeg(path, testEncodeArgs(name), timeoutMs));
      const works = r.code === 0 && !r.timedOut && !r.spawnError;
      const probe: EncoderProbe = { name, listed: true, works, hardware, testMs: r.ms };
      if (!works) {
        probe.error = r.timedOut
          ? `test encode timed out after ${timeoutMs} ms`
          : (r.spawnError ?? summarizeFfmpegError(r.stderr, `exit code ${r.code}`));
      }
      return probe;
    }),
  );

  // Decode + scale test for every listed hardware decoder, on a tiny H.264 clip made here.
  const hwaccels: HwAccelProbe[] = HWACCEL_PREFERENCE.map((name) => ({ name, listed: listedHwaccels.includes(name), works: false }));
  const toTest = hwaccels.filter((h) => h.listed);
  for (const h of hwaccels) if (!h.listed) h.error = 'not in this ffmpeg build';
  if (toTest.length) {
    const clip = await makeTestClip(path, encoders, timeoutMs, run);
    await Promise.all(
      toTest.map(async (h) => {
        if (!clip.data) {
          h.error = `no H.264 test clip to decode (${clip.error})`;
          return;
        }
        const data = clip.data;
        const r = await run(() => runFfmpeg(path, testHwaccelArgs(h.name), timeoutMs, data));
        const frameBytes = HWACCEL_TEST_SIZE.width * HWACCEL_TEST_SIZE.height * 1.5;
        h.works = r.code === 0 && !r.timedOut && r.stdout.length > 0 && r.stdout.length % frameBytes === 0;
        if (!h.works) {
          h.error = r.timedOut
            ? `test decode timed out after ${timeoutMs} ms`
            : (r.spawnError ?? summarizeFfmpegError(r.stderr, r.code === 0 ? `unexpected output size ${r.stdout.length}` : `exit code ${r.code}`));
        }
      }),
    );
  }
  const chosenHwaccel: HwAccel = HWACCEL_PREFERENCE.find((name) => hwaccels.find((h) => h.name === name)?.works) ?? 'none';

  // drawtext: listed, and it renders with the font we would give it (or fontconfig's default).
  const fontFile = findFontFile();
  let drawtext = false;
  if (filters.includes('drawtext')) {
    const font = fontFile ? `fontfile=${escapeFilterValue(fontFile)}:` : '';
    const r = await run(() =>
      runFfmpeg(
        path,
        [...QUIET, '-f', 'lavfi', '-i', 'color=c=black:s=160x90:r=1', '-frames:v', '1', '-vf', `drawtext=${font}text=Cutline:fontsize=24:fontcolor=white`, '-f', 'null', '-'],
        timeoutMs,
      ),
    );
    drawtext = r.code === 0 && !r.timedOut;
  }

  const allProtocols = new Set([...protocols.input, ...protocols.output]);
  return {
    ffmpeg: { path, version, source },
    listedH264Encoders: parseH264EncoderList(encoderListing),
    encoders,
    hwaccels,
    chosenHwaccel,
    capabilities: {
      drawtext,
      srt: allProtocols.has('srt'),
      rtmps: protocols.output.includes('rtmps'),
      whip: muxers.includes('whip'),
      ...(fontFile ? { fontFile } : {}),
    },
  };
}

/** 3 frames of 320×180 H.264 (Annex B), from libx264 if it works, else from a working hardware encoder. */
async function makeTestClip(
  path: string,
  encoders: EncoderProbe[],
  timeoutMs: number,
  run: <T>(job: () => Promise<T>) => Promise<T>,
): Promise<{ data?: Buffer; error?: string }> {
  const encoder = encoders.find((e) => e.name === 'libx264' && e.works)?.name ?? encoders.find((e) => e.works)?.name;
  if (!encoder) return { error: 'no H.264 encoder works' };
  const { inputArgs, outputArgs } = videoEncoderArgs({
    encoder,
    width: 320,
    height: 180,
    fps: 30,
    videoBitrateKbps: 300,
    keyframeIntervalS: 1,
    x264Preset: 'ultrafast',
    cbr: false,
  });
  const args = [...QUIET, ...inputArgs, '-f', 'lavfi', '-i', 'testsrc2=s=320x180:r=30', '-frames:v', '3', ...outputArgs, '-f', 'h264', 'pipe:1'];
  const r = await run(() => runFfmpeg(path, args, timeoutMs));
  if (r.code !== 0 || r.stdout.length === 0) return { error: summarizeFfmpegError(r.stderr, `exit code ${r.code}`) };
  return { data: r.stdout };
}
