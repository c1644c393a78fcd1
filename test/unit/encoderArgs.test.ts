import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  ALL_H264_ENCODERS,
  audioEncoderArgs,
  type H264Encoder,
  HARDWARE_ENCODERS,
  h264Level,
  keyframeInterval,
  type VideoEncodeOptions,
  videoEncoderArgs,
} from '../../electron/engine/ffmpeg/encoderArgs.ts';
import { locateFfmpeg } from '../../electron/engine/ffmpeg/locate.ts';

const base: VideoEncodeOptions = {
  encoder: 'libx264',
  width: 1280,
  height: 720,
  fps: 30,
  videoBitrateKbps: 4500,
  keyframeIntervalS: 2,
  x264Preset: 'veryfast',
  cbr: true,
};

/** The value after `flag` in an argument list. */
function opt(args: string[], flag: string): string | undefined {
  const i = args.indexOf(flag);
  return i >= 0 ? args[i + 1] : undefined;
}

describe('keyframeInterval / h264Level', () => {
  it('rounds fps × interval', () => {
    expect(keyframeInterval(30, 2)).toBe(60);
    expect(keyframeInterval(25, 0.5)).toBe(13); // 12.5 → 13
    expect(keyframeInterval(60, 1)).toBe(60);
    expect(keyframeInterval(1, 0.25)).toBe(1);
  });

  it('4.1 up to 1080p30, 4.2 for 60 fps, more only when needed; WebRTC from 3.1', () => {
    expect(h264Level({ width: 1920, height: 1080, fps: 30, videoBitrateKbps: 6000 })).toBe('4.1');
    expect(h264Level({ width: 1280, height: 720, fps: 30, videoBitrateKbps: 3000 })).toBe('4.1');
    expect(h264Level({ width: 1920, height: 1080, fps: 60, videoBitrateKbps: 9000 })).toBe('4.2');
    expect(h264Level({ width: 1280, height: 720, fps: 60, videoBitrateKbps: 6000 })).toBe('4.2');
    expect(h264Level({ width: 3840, height: 2160, fps: 30, videoBitrateKbps: 20000 })).toBe('5.1');
    expect(h264Level({ width: 3840, height: 2160, fps: 60, videoBitrateKbps: 40000 })).toBe('5.2');
    expect(h264Level({ width: 640, height: 360, fps: 30, videoBitrateKbps: 1000, webrtcCompatible: true })).toBe('3.1');
    expect(h264Level({ width: 1280, height: 720, fps: 30, videoBitrateKbps: 2500, webrtcCompatible: true })).toBe('3.1');
    expect(h264Level({ width: 1920, height: 1080, fps: 30, videoBitrateKbps: 4000, webrtcCompatible: true })).toBe('4.0');
  });
});

describe('videoEncoderArgs', () => {
  it('libx264: zerolatency, the preset, no B-frames, scene-cut off, keyframes every N frames, CBR, High 4.1', () => {
    const { inputArgs, outputArgs: a } = videoEncoderArgs(base);
    expect(inputArgs).toEqual([]);
    expect(opt(a, '-c:v')).toBe('libx264');
    expect(opt(a, '-preset')).toBe('veryfast');
    expect(opt(a, '-tune')).toBe('zerolatency');
    expect(opt(a, '-bf')).toBe('0');
    expect(opt(a, '-sc_threshold')).toBe('0');
    expect(opt(a, '-g')).toBe('60');
    expect(opt(a, '-keyint_min')).toBe('60');
    expect(opt(a, '-force_key_frames')).toBe('expr:eq(mod(n,60),0)');
    expect(opt(a, '-x264-params')).toBe('keyint=60:min-keyint=60:scenecut=0:bframes=0');
    expect(opt(a, '-b:v')).toBe('4500k');
    expect(opt(a, '-maxrate')).toBe('4500k');
    expect(opt(a, '-bufsize')).toBe('4500k');
    expect(opt(a, '-profile:v')).toBe('high');
    expect(opt(a, '-level:v')).toBe('4.1');
    expect(opt(a, '-pix_fmt')).toBe('yuv420p');
  });

  it('capped VBR when cbr is off; baseline when WebRTC-compatible; unknown presets fall back', () => {
    const vbr = videoEncoderArgs({ ...base, cbr: false }).outputArgs;
    expect([opt(vbr, '-b:v'), opt(vbr, '-maxrate'), opt(vbr, '-bufsize')]).toEqual(['4500k', '6750k', '9000k']);
    const rtc = videoEncoderArgs({ ...base, webrtcCompatible: true, x264Preset: 'ultrafast' }).outputArgs;
    expect(opt(rtc, '-profile:v')).toBe('baseline');
    expect(opt(rtc, '-level:v')).toBe('3.1');
    expect(opt(rtc, '-bf')).toBe('0');
    expect(opt(rtc, '-preset')).toBe('ultrafast');
    expect(opt(videoEncoderArgs({ ...base, x264Preset: 'placebo; rm -rf' }).outputArgs, '-preset')).toBe('veryfast');
  });

  it('every encoder: no B-frames, the same GOP, and its own low-latency options', () => {
    for (const encoder of ALL_H264_ENCODERS) {
      const { outputArgs: a } = videoEncoderArgs({ ...base, encoder, fps: 60, keyframeIntervalS: 1 });
      expect(opt(a, '-c:v'), encoder).toBe(encoder);
      expect(opt(a, '-bf'), encoder).toBe('0');
      expect(opt(a, '-g'), encoder).toBe('60');
      expect(opt(a, '-force_key_frames'), encoder).toBe('expr:eq(mod(n,60),0)');
      expect(opt(a, '-b:v'), encoder).toBe('4500k');
      expect(opt(a, '-maxrate'), encoder).toBe('4500k');
      // Flags and values alternate: every flag has a value.
      expect(a.length % 2, encoder).toBe(0);
      expect(a.map((v) => v.startsWith('-')), encoder).toEqual(a.map((_v, i) => i % 2 === 0));
    }
    const args = (encoder: H264Encoder, extra: Partial<VideoEncodeOptions> = {}) => videoEncoderArgs({ ...base, encoder, ...extra }).outputArgs;

    const nv = args('h264_nvenc');
    expect([opt(nv, '-preset'), opt(nv, '-tune'), opt(nv, '-rc'), opt(nv, '-zerolatency'), opt(nv, '-forced-idr')]).toEqual(['p4', 'll', 'cbr', '1', '1']);
    expect([opt(nv, '-profile:v'), opt(nv, '-level:v')]).toEqual(['high', '4.1']);
    expect(opt(args('h264_nvenc', { cbr: false }), '-rc')).toBe('vbr');
    expect(opt(args('h264_nvenc', { x264Preset: 'ultrafast' }), '-preset')).toBe('p1');
    expect(args('h264_nvenc', { width: 3840, height: 2160, fps: 60 })).not.toContain('-level:v');

    const qsv = args('h264_qsv');
    expect([opt(qsv, '-preset'), opt(qsv, '-async_depth'), opt(qsv, '-forced_idr'), opt(qsv, '-level:v'), opt(qsv, '-pix_fmt')]).toEqual(['veryfast', '1', '1', '41', 'nv12']);
    expect(qsv).not.toContain('-look_ahead');

    const amf = args('h264_amf');
    expect([opt(amf, '-usage'), opt(amf, '-rc'), opt(amf, '-profile:v')]).toEqual(['lowlatency', 'cbr', 'high']);
    expect(opt(args('h264_amf', { webrtcCompatible: true }), '-profile:v')).toBe('constrained_baseline');
    expect(opt(args('h264_amf', { cbr: false }), '-rc')).toBe('vbr_peak');

    const vt = args('h264_videotoolbox');
    expect([opt(vt, '-realtime'), opt(vt, '-allow_sw'), opt(vt, '-profile:v'), opt(vt, '-level:v')]).toEqual(['1', '0', 'high', '4.1']);

    const mf = args('h264_mf');
    expect([opt(mf, '-hw_encoding'), opt(mf, '-rate_control'), opt(mf, '-scenario'), opt(mf, '-profile:v')]).toEqual(['1', 'cbr', 'camera_record', '100']);
    expect(opt(args('h264_mf', { cbr: false }), '-rate_control')).toBe('pc_vbr');
  });

  it('vaapi: the device before the input, an upload filter, CBR from maxrate = bitrate', () => {
    const { inputArgs, outputArgs: a } = videoEncoderArgs({ ...base, encoder: 'h264_vaapi' });
    expect(inputArgs).toEqual(['-vaapi_device', '/dev/dri/renderD128']);
    expect(opt(a, '-vf')).toBe('format=nv12,hwupload');
    expect(a).not.toContain('-pix_fmt');
    expect(a).not.toContain('-rc_mode');
    expect(opt(a, '-profile:v')).toBe('high');
    expect(videoEncoderArgs({ ...base, encoder: 'h264_vaapi', vaapiDevice: '/dev/dri/renderD129' }).inputArgs).toEqual(['-vaapi_device', '/dev/dri/renderD129']);
    // vaapi's level names have no ".0"
    expect(opt(videoEncoderArgs({ ...base, encoder: 'h264_vaapi', width: 1920, height: 1080, webrtcCompatible: true }).outputArgs, '-level:v')).toBe('4');
  });

  it('hardware preference order', () => {
    expect(HARDWARE_ENCODERS).toEqual(['h264_nvenc', 'h264_qsv', 'h264_amf', 'h264_videotoolbox', 'h264_vaapi', 'h264_mf']);
  });

  it('rejects nonsense', () => {
    expect(() => videoEncoderArgs({ ...base, fps: 0 })).toThrow(RangeError);
    expect(() => videoEncoderArgs({ ...base, keyframeIntervalS: -1 })).toThrow(RangeError);
  });
});

describe('audioEncoderArgs', () => {
  it('AAC-LC 48 kHz stereo', () => {
    expect(audioEncoderArgs(128)).toEqual(['-c:a', 'aac', '-profile:a', 'aac_low', '-b:a', '128k', '-ar', '48000', '-ac', '2']);
    expect(() => audioEncoderArgs(0)).toThrow(RangeError);
  });
});

// ---------------------------------------------------------------------------------------------
// Real encodes

const FFMPEGS = [locateFfmpeg().path, ...(existsSync('/usr/bin/ffmpeg') ? ['/usr/bin/ffmpeg'] : [])];

function run(ffmpeg: string, args: string[]): Promise<{ code: number; stdout: Buffer; stderr: string }> {
  return new Promise((resolve) => {
    execFile(ffmpeg, args, { encoding: 'buffer', maxBuffer: 32 << 20, timeout: 20_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? Number((error as { code?: unknown }).code ?? 1) || 1 : 0, stdout, stderr: stderr.toString() });
    });
  });
}

/** Annex B NAL units. */
function nalUnits(data: Buffer): Buffer[] {
  const starts: number[] = [];
  for (let i = 0; i + 3 <= data.length; i++) {
    if (data[i] === 0 && data[i + 1] === 0 && data[i + 2] === 1) {
      starts.push(i + 3);
      i += 2;
    }
  }
  return starts.map((s, k) => {
    let end = k + 1 < starts.length ? starts[k + 1] - 3 : data.length;
    while (end > s && data[end - 1] === 0) end--; // trailing zero of a 4-byte start code
    return data.subarray(s, end);
  });
}

class Bits {
  private pos = 0;
  constructor(private readonly buf: Buffer) {}
  bit(): number {
    const b = (this.buf[this.pos >> 3] >> (7 - (this.pos & 7))) & 1;
    this.pos++;
    return b;
  }
  ue(): number {
    let zeros = 0;
    while (this.bit() === 0) zeros++;
    let v = 0;
    for (let i = 0; i < zeros; i++) v = (v << 1) | this.bit();
    return (1 << zeros) - 1 + v;
  }
}

/** Per picture (first slice of each frame): 'I' | 'P' | 'B' and IDR or not; plus the SPS. */
function analyse(stream: Buffer) {
  const frames: { type: string; idr: boolean }[] = [];
  let sps: { profile: number; constraints: number; level: number } | undefined;
  for (const nal of nalUnits(stream)) {
    const type = nal[0] & 0x1f;
    if (type === 7 && !sps) sps = { profile: nal[1], constraints: nal[2], level: nal[3] };
    if (type === 1 || type === 5) {
      const bits = new Bits(nal.subarray(1));
      if (bits.ue() !== 0) continue; // not the first slice of the picture
      const sliceType = bits.ue() % 5;
      frames.push({ type: sliceType === 2 ? 'I' : sliceType === 1 ? 'B' : sliceType === 0 ? 'P' : `other${sliceType}`, idr: type === 5 });
    }
  }
  return { frames, sps };
}

describe.each(FFMPEGS)('libx264 arguments, really encoding with %s', (ffmpeg) => {
  it('keyframes (IDR) exactly every N frames, never a B-frame, High 4.1 signalled', async () => {
    // N = round(10 × 1.04) = 10; 35 frames → IDRs at 0, 10, 20, 30. testsrc2 moves, so an encoder
    // with scene-cut detection would be tempted elsewhere.
    const { outputArgs } = videoEncoderArgs({ ...base, width: 320, height: 180, fps: 10, keyframeIntervalS: 1.04, videoBitrateKbps: 400 });
    const r = await run(ffmpeg, ['-hide_banner', '-nostdin', '-loglevel', 'error', '-f', 'lavfi', '-i', 'testsrc2=s=320x180:r=10', '-frames:v', '35', ...outputArgs, '-f', 'h264', 'pipe:1']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const { frames, sps } = analyse(r.stdout);
    expect(frames).toHaveLength(35);
    expect(frames.flatMap((f, i) => (f.idr ? [i] : []))).toEqual([0, 10, 20, 30]);
    expect(frames.filter((f) => f.type === 'I').length).toBe(4);
    expect(frames.some((f) => f.type === 'B')).toBe(false);
    expect(sps).toMatchObject({ profile: 100, level: 41 });
  });

  it('WebRTC-compatible: constrained baseline, level 3.1, no B-frames', async () => {
    const { outputArgs } = videoEncoderArgs({ ...base, width: 320, height: 180, fps: 10, keyframeIntervalS: 1, webrtcCompatible: true, videoBitrateKbps: 300, x264Preset: 'ultrafast' });
    const r = await run(ffmpeg, ['-hide_banner', '-nostdin', '-loglevel', 'error', '-f', 'lavfi', '-i', 'testsrc2=s=320x180:r=10', '-frames:v', '12', ...outputArgs, '-f', 'h264', 'pipe:1']);
    expect(r.code).toBe(0);
    const { frames, sps } = analyse(r.stdout);
    expect(sps?.profile).toBe(66);
    expect(sps ? sps.constraints & 0x40 : 0).toBe(0x40); // constraint_set1: constrained baseline
    expect(sps?.level).toBe(31);
    expect(frames.flatMap((f, i) => (f.idr ? [i] : []))).toEqual([0, 10]);
    expect(frames.some((f) => f.type === 'B')).toBe(false);
  });

  it('the AAC arguments encode', async () => {
    const r = await run(ffmpeg, ['-hide_banner', '-nostdin', '-loglevel', 'error', '-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=44100', '-t', '0.2', ...audioEncoderArgs(128), '-f', 'adts', 'pipe:1']);
    expect(r.code).toBe(0);
    // ADTS header: sync word, then sampling_frequency_index 3 (48 kHz), channel configuration 2.
    expect(r.stdout[0]).toBe(0xff);
    expect((r.stdout[1] & 0xf0) >>> 4).toBe(0xf);
    expect((r.stdout[2] >> 2) & 0xf).toBe(3);
    expect(((r.stdout[2] & 1) << 2) | (r.stdout[3] >> 6)).toBe(2);
    expect(r.stdout[2] >> 6).toBe(1); // profile: AAC LC (object type 2 - 1)
  });
});

describe.runIf(existsSync('/usr/bin/ffmpeg'))('hardware encoder arguments against ffmpeg 5.1 (no GPU here)', () => {
  // Debian's ffmpeg has nvenc, qsv and vaapi compiled in. Without the hardware, opening the encoder
  // fails, but only after every option name and value was accepted: the error must be about the
  // device, never about an option.
  const cases: [H264Encoder, RegExp][] = [
    ['h264_nvenc', /Cannot load libcuda|No NVENC capable devices|CUDA/],
    ['h264_qsv', /MFX session|unsupported|No device/i],
    ['h264_vaapi', /VA display|Device creation failed|vaapi/i],
  ];
  it.each(cases)('%s options are all known', async (encoder, deviceError) => {
    for (const extra of [{}, { webrtcCompatible: true, cbr: false }, { fps: 60, width: 1920, height: 1080 }]) {
      const { inputArgs, outputArgs } = videoEncoderArgs({ ...base, encoder, ...extra });
      const r = await run('/usr/bin/ffmpeg', ['-hide_banner', '-nostdin', '-loglevel', 'error', ...inputArgs, '-f', 'lavfi', '-i', 'color=s=256x144:r=30', '-frames:v', '2', ...outputArgs, '-f', 'null', '-']);
      expect(r.code).not.toBe(0);
      expect(r.stderr).not.toMatch(/Unrecognized option|Option not found|Unable to parse|Error setting option|invalid value|Undefined constant/i);
      expect(r.stderr).toMatch(deviceError);
    }
  });
});
