/**
 * ffmpeg arguments for the program encoder: one H.264 video encoder (libx264 or a hardware one)
 * and AAC-LC audio. The same encoded program feeds RTMP(S), recordings and WebRTC (WHIP/WHEP), so:
 * - no B-frames, ever (WebRTC has no reordering; it also lowers latency everywhere else);
 * - a keyframe exactly every N = round(fps × keyframeIntervalS) frames, enforced twice: the encoder's
 *   GOP (-g / -keyint_min / scene-cut off) and `-force_key_frames` on the frame number, which also
 *   covers hardware encoders that treat -g only as a maximum;
 * - CBR means maxrate = bitrate with a one-second buffer (bufsize = bitrate);
 * - High profile at level 4.1 (4.2 above 30 fps; higher only when the frame size or rate needs it),
 *   or constrained baseline when `webrtcCompatible`.
 *
 * Option names were checked against `ffmpeg -h encoder=<name>` of ffmpeg 5.1 (nvenc, qsv, vaapi,
 * libx264) and of the bundled 2018 build (vaapi, libx264), and against the encoders' option tables
 * in ffmpeg's sources (amf, videotoolbox, mf). Only options that exist in both old and new ffmpeg
 * releases are used, except nvenc's p1–p7 presets and `-tune` (ffmpeg ≥ 4.3, NVIDIA SDK 10). The
 * probe test-encodes with exactly these arguments, so an encoder that rejects them is never chosen.
 */

export type H264Encoder =
  | 'libx264'
  | 'h264_nvenc'
  | 'h264_qsv'
  | 'h264_amf'
  | 'h264_vaapi'
  | 'h264_videotoolbox'
  | 'h264_mf';

/** Hardware encoders in order of preference when the choice is automatic. */
export const HARDWARE_ENCODERS: H264Encoder[] = [
  'h264_nvenc',
  'h264_qsv',
  'h264_amf',
  'h264_videotoolbox',
  'h264_vaapi',
  'h264_mf',
];

export const ALL_H264_ENCODERS: H264Encoder[] = [...HARDWARE_ENCODERS, 'libx264'];

export function isHardwareEncoder(encoder: H264Encoder): boolean {
  return encoder !== 'libx264';
}

/** The render node VAAPI uses when none is given (first GPU on Linux). */
export const DEFAULT_VAAPI_DEVICE = '/dev/dri/renderD128';

/**
 * The filter that moves system-memory frames onto the VAAPI device. `videoEncoderArgs` puts it in a
 * `-vf` for h264_vaapi; if the output already has a `-vf`, append `,${VAAPI_UPLOAD_FILTER}` to that
 * chain instead (with two `-vf` options on one output, ffmpeg uses only the last).
 */
export const VAAPI_UPLOAD_FILTER = 'format=nv12,hwupload';

export interface VideoEncodeOptions {
  encoder: H264Encoder;
  width: number;
  height: number;
  fps: number;
  videoBitrateKbps: number;
  keyframeIntervalS: number;
  x264Preset: string;
  cbr: boolean;
  /** WebRTC-compatible: no B-frames, baseline/constrained profile */
  webrtcCompatible?: boolean;
  vaapiDevice?: string;
}

/** Frames between keyframes: round(fps × interval), at least 1. */
export function keyframeInterval(fps: number, keyframeIntervalS: number): number {
  return Math.max(1, Math.round(fps * keyframeIntervalS));
}

interface LevelLimit {
  level: string;
  /** max macroblocks per second */
  mbps: number;
  /** max frame size in macroblocks */
  fs: number;
  /** max video bitrate, kbit/s (Baseline/Main; High allows 1.25×) */
  br: number;
}

// H.264 Annex A, table A-1.
const LEVELS: LevelLimit[] = [
  { level: '3.0', mbps: 40_500, fs: 1_620, br: 10_000 },
  { level: '3.1', mbps: 108_000, fs: 3_600, br: 14_000 },
  { level: '3.2', mbps: 216_000, fs: 5_120, br: 20_000 },
  { level: '4.0', mbps: 245_760, fs: 8_192, br: 20_000 },
  { level: '4.1', mbps: 245_760, fs: 8_192, br: 50_000 },
  { level: '4.2', mbps: 522_240, fs: 8_704, br: 50_000 },
  { level: '5.0', mbps: 589_824, fs: 22_080, br: 135_000 },
  { level: '5.1', mbps: 983_040, fs: 36_864, br: 240_000 },
  { level: '5.2', mbps: 2_073_600, fs: 36_864, br: 240_000 },
];

/**
 * The H.264 level to signal: the smallest level that fits the frame size, macroblock rate and
 * bitrate, but never below 4.1 (4.2 above 30 fps), which is what Facebook and YouTube expect for
 * 1080p30 / 1080p60. WebRTC outputs use the smallest level that fits, from 3.1 up.
 */
export function h264Level(o: Pick<VideoEncodeOptions, 'width' | 'height' | 'fps' | 'videoBitrateKbps' | 'webrtcCompatible'>): string {
  const mbs = Math.ceil(o.width / 16) * Math.ceil(o.height / 16);
  const mbps = mbs * o.fps;
  const highProfile = !o.webrtcCompatible;
  const floor = o.webrtcCompatible ? '3.1' : o.fps > 30 ? '4.2' : '4.1';
  const floorIndex = LEVELS.findIndex((l) => l.level === floor);
  for (let i = floorIndex; i < LEVELS.length; i++) {
    const l = LEVELS[i];
    const maxBr = highProfile ? l.br * 1.25 : l.br;
    if (mbs <= l.fs && mbps <= l.mbps && o.videoBitrateKbps <= maxBr) return l.level;
  }
  return LEVELS[LEVELS.length - 1].level;
}

function rateControl(o: VideoEncodeOptions): string[] {
  const b = Math.round(o.videoBitrateKbps);
  if (o.cbr) return ['-b:v', `${b}k`, '-maxrate', `${b}k`, '-bufsize', `${b}k`];
  // Capped VBR: peaks up to 1.5× the average, two-second buffer.
  return ['-b:v', `${b}k`, '-maxrate', `${Math.round(b * 1.5)}k`, '-bufsize', `${b * 2}k`];
}

/** GOP options every encoder understands, plus a frame-number-based forced keyframe. */
function gop(n: number): string[] {
  return ['-g', String(n), '-keyint_min', String(n), '-bf', '0', '-force_key_frames', `expr:eq(mod(n,${n}),0)`];
}

/** ffmpeg preset names that libx264 accepts; anything else falls back to veryfast. */
const X264_PRESETS = new Set([
  'ultrafast',
  'superfast',
  'veryfast',
  'faster',
  'fast',
  'medium',
  'slow',
  'slower',
  'veryslow',
]);

/** qsv has the same names from veryfast to veryslow; ultrafast/superfast map to veryfast. */
function qsvPreset(x264Preset: string): string {
  if (x264Preset === 'ultrafast' || x264Preset === 'superfast') return 'veryfast';
  return X264_PRESETS.has(x264Preset) ? x264Preset : 'veryfast';
}

/** nvenc p1 (fastest) … p7 (best). Low-latency tuning keeps even p4 fast enough for live. */
function nvencPreset(x264Preset: string): string {
  switch (x264Preset) {
    case 'ultrafast':
    case 'superfast':
      return 'p1';
    case 'veryfast':
    case 'faster':
      return 'p4'; // the documented default balance; the GPU is rarely the bottleneck here
    case 'fast':
      return 'p5';
    default:
      return 'p6';
  }
}

/**
 * ffmpeg OUTPUT-side args for video. `inputArgs` are global options that must come before the
 * first `-i` (only VAAPI needs one: the device). For h264_vaapi `outputArgs` contains a `-vf`
 * (see VAAPI_UPLOAD_FILTER) that uploads frames to the GPU.
 */
export function videoEncoderArgs(o: VideoEncodeOptions): { inputArgs: string[]; outputArgs: string[] } {
  if (!(o.fps > 0) || !(o.keyframeIntervalS > 0) || !(o.videoBitrateKbps > 0)) {
    throw new RangeError('fps, keyframeIntervalS and videoBitrateKbps must be positive');
  }
  const n = keyframeInterval(o.fps, o.keyframeIntervalS);
  const level = h264Level(o);
  const levelInt = String(Math.round(Number(level) * 10));
  const webrtc = o.webrtcCompatible === true;
  const rc = rateControl(o);
  const out: string[] = ['-c:v', o.encoder];
  const inputArgs: string[] = [];

  switch (o.encoder) {
    case 'libx264': {
      const preset = X264_PRESETS.has(o.x264Preset) ? o.x264Preset : 'veryfast';
      out.push('-preset', preset, '-tune', 'zerolatency');
      out.push('-profile:v', webrtc ? 'baseline' : 'high', '-level:v', level);
      out.push(...rc, ...gop(n), '-sc_threshold', '0', '-forced-idr', '1');
      // The same GOP for x264 itself, so keyframes land exactly every n frames whatever ffmpeg's
      // generic options map to in this build.
      out.push('-x264-params', `keyint=${n}:min-keyint=${n}:scenecut=0:bframes=0`);
      out.push('-pix_fmt', 'yuv420p');
      break;
    }
    case 'h264_nvenc': {
      out.push('-preset', nvencPreset(o.x264Preset), '-tune', 'll', '-rc', o.cbr ? 'cbr' : 'vbr');
      out.push('-profile:v', webrtc ? 'baseline' : 'high');
      // Older nvenc builds have no "5.2" level name (it would parse as level_idc 5): let nvenc pick.
      if (level !== '5.2') out.push('-level:v', level);
      out.push(...rc, ...gop(n), '-zerolatency', '1', '-no-scenecut', '1', '-forced-idr', '1', '-rc-lookahead', '0');
      out.push('-pix_fmt', 'yuv420p');
      break;
    }
    case 'h264_qsv': {
      // qsv picks CBR itself when maxrate == bitrate. Look-ahead is off by default (and the option
      // is gone in oneVPL builds, so it is not passed); async_depth 1 keeps one frame in flight.
      // forced_idr: a forced keyframe must be an IDR, or it would turn the GOP's IDR into an I-frame.
      out.push('-preset', qsvPreset(o.x264Preset), '-async_depth', '1');
      // No private level option: the generic one takes level_idc (41 = 4.1).
      out.push('-profile:v', webrtc ? 'baseline' : 'high', '-level:v', levelInt);
      out.push(...rc, ...gop(n), '-forced_idr', '1', '-idr_interval', '0');
      out.push('-pix_fmt', 'nv12');
      break;
    }
    case 'h264_amf': {
      out.push('-usage', 'lowlatency', '-rc', o.cbr ? 'cbr' : 'vbr_peak');
      out.push('-profile:v', webrtc ? 'constrained_baseline' : 'high', '-level:v', level);
      out.push(...rc, ...gop(n));
      out.push('-pix_fmt', 'nv12');
      break;
    }
    case 'h264_videotoolbox': {
      // realtime: encode at least as fast as real time; allow_sw 0: fail (and fall back to libx264)
      // rather than silently use Apple's software encoder under a "hardware" label.
      out.push('-realtime', '1', '-allow_sw', '0');
      out.push('-profile:v', webrtc ? 'baseline' : 'high', '-level:v', level);
      // VideoToolbox turns maxrate into a data-rate limit over one second; bufsize is ignored.
      out.push(...rc, ...gop(n));
      out.push('-pix_fmt', 'nv12');
      break;
    }
    case 'h264_vaapi': {
      const device = o.vaapiDevice ?? DEFAULT_VAAPI_DEVICE;
      // Global option: must come before the first -i. It also becomes the device hwupload uses.
      inputArgs.push('-vaapi_device', device);
      out.push('-vf', VAAPI_UPLOAD_FILTER);
      // No -rc_mode: the bundled 2018 ffmpeg lacks the option, and every version picks CBR by itself
      // when maxrate == bitrate (VBR otherwise).
      // vaapi's level names have no ".0" ("4", not "4.0"); an unknown name would parse as level_idc 4.
      out.push('-profile:v', webrtc ? 'constrained_baseline' : 'high', '-level:v', level.replace(/\.0$/, ''));
      // idr_interval is 0 (every GOP starts with an IDR) by default; the 2018 build lacks the option.
      out.push(...rc, ...gop(n));
      break;
    }
    case 'h264_mf': {
      // hw_encoding 1: only a hardware MFT, never Microsoft's software encoder. camera_record puts MF
      // in constant-frame-rate mode (the default scenario may drop frames, per ffmpeg's mfenc.c).
      out.push('-hw_encoding', '1', '-rate_control', o.cbr ? 'cbr' : 'pc_vbr', '-scenario', 'camera_record');
      // mf takes the generic numeric profile (100 = High, 66 = Baseline); it sets no level.
      out.push('-profile:v', webrtc ? '66' : '100');
      out.push(...rc, ...gop(n));
      out.push('-pix_fmt', 'nv12');
      break;
    }
    default: {
      const never: never = o.encoder;
      throw new Error(`unknown encoder ${String(never)}`);
    }
  }
  return { inputArgs, outputArgs: out };
}

/** AAC-LC, 48 kHz, stereo. */
export function audioEncoderArgs(bitrateKbps: number): string[] {
  if (!(bitrateKbps > 0)) throw new RangeError('bitrateKbps must be positive');
  return ['-c:a', 'aac', '-profile:a', 'aac_low', '-b:a', `${Math.round(bitrateKbps)}k`, '-ar', '48000', '-ac', '2'];
}
