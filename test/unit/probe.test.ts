import { execFile } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { locateFfmpeg } from '../../electron/engine/ffmpeg/locate.ts';
import {
  chooseEncoder,
  clearProbeCache,
  type EncoderProbe,
  escapeFilterValue,
  findFontFile,
  parseEncoderList,
  parseH264EncoderList,
  parseFilterList,
  parseHwaccels,
  parseMuxerList,
  parseProtocols,
  probeFfmpeg,
  summarizeFfmpegError,
  testEncodeArgs,
  testHwaccelArgs,
} from '../../electron/engine/ffmpeg/probe.ts';

const fixture = (name: string) => readFileSync(join(import.meta.dirname, '../fixtures/ffmpeg-output', name), 'utf8');

describe('parseEncoderList', () => {
  it('reads the bundled 2018 build', () => {
    const names = parseEncoderList(fixture('encoders-static-n47683.txt'));
    expect(names).toContain('libx264');
    expect(names).toContain('h264_vaapi');
    expect(names).toContain('aac');
    expect(names).not.toContain('h264_nvenc');
    expect(names).not.toContain('=');
    expect(names.length).toBeGreaterThan(150);
  });

  it("reads Debian's 5.1 (lists nvenc and qsv even without the hardware)", () => {
    const names = parseEncoderList(fixture('encoders-debian-5.1.txt'));
    for (const n of ['libx264', 'h264_nvenc', 'h264_qsv', 'h264_vaapi', 'libopus']) expect(names).toContain(n);
    expect(names).not.toContain('h264_amf');
  });

  it('reads a Windows build with every hardware encoder, and old nvenc aliases', () => {
    const names = parseEncoderList(fixture('encoders-windows-nvenc-qsv-amf-mf.txt'));
    for (const n of ['h264_nvenc', 'h264_qsv', 'h264_amf', 'h264_mf', 'libx264', 'aac_mf', 'ass']) expect(names).toContain(n);
    expect(names[0]).toBe('a64multi');
    const old = parseEncoderList(fixture('encoders-2018-nvenc-aliases.txt'));
    expect(old).toEqual(['libx264', 'nvenc', 'nvenc_h264', 'h264_nvenc', 'h264_qsv', 'nvenc_hevc', 'hevc_nvenc', 'aac']);
  });

  it('picks out the H.264 encoders for the probe report', () => {
    expect(parseH264EncoderList(fixture('encoders-2018-nvenc-aliases.txt'))).toEqual(['libx264', 'nvenc', 'nvenc_h264', 'h264_nvenc', 'h264_qsv']);
    const windows = parseH264EncoderList(fixture('encoders-windows-nvenc-qsv-amf-mf.txt'));
    for (const n of ['libx264', 'h264_nvenc', 'h264_qsv', 'h264_amf', 'h264_mf']) expect(windows).toContain(n);
    expect(windows).not.toContain('hevc_nvenc');
    expect(windows).not.toContain('aac_mf');
  });
});

describe('parseHwaccels', () => {
  it('reads both builds here, Windows (CRLF) and macOS', () => {
    expect(parseHwaccels(fixture('hwaccels-static-n47683.txt'))).toEqual(['vdpau', 'vaapi']);
    expect(parseHwaccels(fixture('hwaccels-debian-5.1.txt'))).toEqual(['vdpau', 'cuda', 'vaapi', 'qsv', 'drm', 'opencl', 'vulkan']);
    expect(parseHwaccels(fixture('hwaccels-windows.txt'))).toEqual(['cuda', 'dxva2', 'qsv', 'd3d11va', 'opencl', 'vulkan']);
    expect(parseHwaccels(fixture('hwaccels-macos.txt'))).toEqual(['videotoolbox']);
    expect(parseHwaccels('Hardware acceleration methods:\n\n')).toEqual([]);
  });
});

describe('parseProtocols', () => {
  it('splits input and output protocols', () => {
    const old = parseProtocols(fixture('protocols-static-n47683.txt'));
    expect(old.input).toContain('rtmps');
    expect(old.output).toContain('rtmps');
    expect(old.output).toContain('tee');
    expect(old.input).not.toContain('tee');
    expect([...old.input, ...old.output]).not.toContain('srt');
    const debian = parseProtocols(fixture('protocols-debian-5.1.txt'));
    expect(debian.input).toContain('srt');
    expect(debian.output).toContain('srt');
    expect(debian.output).toContain('rtmps');
  });
});

describe('parseFilterList / parseMuxerList', () => {
  it('reads old and new filter listings, skipping the legend', () => {
    const text = [
      'Filters:',
      '  T.. = Timeline support',
      '  A = Audio input/output',
      '  | = Source or sink filter',
      ' T.C drawtext          V->V       Draw text on top of video frames using libfreetype library.',
      ' ... hwdownload        V->V       Download a hardware frame to a normal frame',
      ' ... color             |->V       Provide an uniformly colored input.',
      ' ... amix              N->A       Audio mixing.',
    ].join('\n');
    expect(parseFilterList(text)).toEqual(['drawtext', 'hwdownload', 'color', 'amix']);
  });

  it('reads muxers, including a whip muxer', () => {
    const text = ['File formats:', ' D. = Demuxing supported', ' .E = Muxing supported', ' --', '  E flv             FLV (Flash Video)', '  E whip            WHIP(WebRTC-HTTP ingestion protocol) muxer', ' DE matroska,webm   Matroska / WebM'].join('\n');
    expect(parseMuxerList(text)).toEqual(['flv', 'whip', 'matroska', 'webm']);
  });
});

describe('summarizeFfmpegError', () => {
  it('keeps the component message, drops the generic trailer and the [x @ 0x…] prefix', () => {
    expect(summarizeFfmpegError(fixture('testencode-h264_nvenc-debian-5.1.stderr.txt'))).toBe('Cannot load libcuda.so.1');
    expect(summarizeFfmpegError(fixture('testencode-h264_qsv-debian-5.1.stderr.txt'))).toBe('Error initializing an internal MFX session: unsupported (-3)');
    expect(summarizeFfmpegError(fixture('testencode-h264_vaapi-debian-5.1.stderr.txt'))).toMatch(/^No VA display found for device \/dev\/dri\/renderD128\./);
    expect(summarizeFfmpegError('')).toBe('ffmpeg failed');
  });
});

const probe = (name: EncoderProbe['name'], listed: boolean, works: boolean, error?: string): EncoderProbe => ({
  name,
  listed,
  works,
  hardware: name !== 'libx264',
  ...(error ? { error } : {}),
});

describe('chooseEncoder', () => {
  const x264 = probe('libx264', true, true);

  it('auto: a working hardware encoder wins, in preference order', () => {
    const probes = [probe('h264_vaapi', true, true), probe('h264_nvenc', true, true), x264];
    expect(chooseEncoder(probes, 'auto')).toEqual({ encoder: 'h264_nvenc', hardware: true, reason: 'h264_nvenc works here' });
    expect(chooseEncoder([probe('h264_nvenc', true, false, 'Cannot load libcuda.so.1'), probe('h264_qsv', true, true), x264], 'auto').encoder).toBe('h264_qsv');
  });

  it('auto with nothing working: libx264, saying what failed', () => {
    const chosen = chooseEncoder([probe('h264_nvenc', true, false, 'Cannot load libcuda.so.1'), probe('h264_amf', false, false), x264], 'auto');
    expect(chosen.encoder).toBe('libx264');
    expect(chosen.hardware).toBe(false);
    expect(chosen.reason).toBe('no hardware H.264 encoder works here (h264_nvenc: Cannot load libcuda.so.1); using libx264');
    expect(chooseEncoder([x264], 'auto').reason).toBe('no hardware H.264 encoder in this ffmpeg build; using libx264');
    expect(chooseEncoder([], 'auto').encoder).toBe('libx264');
    expect(chooseEncoder([probe('libx264', true, false, 'boom')], 'auto').reason).toMatch(/using libx264, although it failed its test encode: boom$/);
  });

  it('a preferred encoder that works is used', () => {
    const probes = [probe('h264_nvenc', true, true), probe('h264_qsv', true, true), x264];
    expect(chooseEncoder(probes, 'h264_qsv')).toEqual({ encoder: 'h264_qsv', hardware: true, reason: 'preferred h264_qsv works here' });
    expect(chooseEncoder(probes, 'libx264')).toEqual({ encoder: 'libx264', hardware: false, reason: 'preferred libx264 works here' });
  });

  it('a preferred encoder that fails falls back, with the reason', () => {
    const probes = [probe('h264_qsv', true, false, 'Error initializing an internal MFX session: unsupported (-3)'), x264];
    expect(chooseEncoder(probes, 'h264_qsv')).toEqual({
      encoder: 'libx264',
      hardware: false,
      reason: 'preferred h264_qsv failed its test encode: Error initializing an internal MFX session: unsupported (-3); using libx264',
    });
    expect(chooseEncoder([...probes, probe('h264_nvenc', true, true)], 'h264_qsv').reason).toBe(
      'preferred h264_qsv failed its test encode: Error initializing an internal MFX session: unsupported (-3); using h264_nvenc, which works here',
    );
    expect(chooseEncoder([probe('h264_amf', false, false), x264], 'h264_amf').reason).toBe('preferred h264_amf is not in this ffmpeg build; using libx264');
  });
});

describe('findFontFile / escapeFilterValue', () => {
  it('picks the first existing candidate per OS', () => {
    expect(findFontFile('darwin', (p) => p === '/System/Library/Fonts/Supplemental/Arial.ttf')).toBe('/System/Library/Fonts/Supplemental/Arial.ttf');
    expect(findFontFile('linux', (p) => p.endsWith('DejaVuSans.ttf'))).toBe('/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf');
    expect(findFontFile('win32', (p) => /arial\.ttf$/i.test(p))).toMatch(/\\Fonts\\arial\.ttf$/);
    expect(findFontFile('linux', () => false)).toBeUndefined();
  });

  it('escapes a Windows font path for a filter graph', () => {
    // option level: C\:\\Windows…, then graph level doubles every backslash.
    expect(escapeFilterValue('C:\\Windows\\Fonts\\arial.ttf')).toBe(String.raw`C\\:\\\\Windows\\\\Fonts\\\\arial.ttf`);
    expect(escapeFilterValue("it's a, b")).toBe(String.raw`it\\\'s a\, b`);
    expect(escapeFilterValue('/usr/share/fonts/a.ttf')).toBe('/usr/share/fonts/a.ttf');
  });

  it.runIf(findFontFile() !== undefined)('an escaped font path with : , \' [ ] ; survives a real filter graph', async () => {
    const dir = mkdtempSync(join(tmpdir(), "cutline font: a, b's [c]; d "));
    try {
      const font = join(dir, 'f:o,n\'t.ttf');
      copyFileSync(findFontFile()!, font);
      const vf = `drawtext=fontfile=${escapeFilterValue(font)}:text=${escapeFilterValue("it's: a, [test]")}:fontsize=20`;
      const args = ['-hide_banner', '-nostdin', '-loglevel', 'error', '-f', 'lavfi', '-i', 'color=s=160x90:r=1', '-frames:v', '1', '-vf', vf, '-f', 'null', '-'];
      const stderr = await new Promise<string>((resolve, reject) =>
        execFile(locateFfmpeg().path, args, { timeout: 10_000 }, (error, _out, err) => (error ? reject(new Error(err)) : resolve(err))),
      );
      expect(stderr).toBe('');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('test command lines', () => {
  it('test-encodes a few frames with the real encoder arguments, never through a shell', () => {
    const args = testEncodeArgs('h264_vaapi');
    expect(args.indexOf('-vaapi_device')).toBeLessThan(args.indexOf('-i'));
    expect(args).toEqual(expect.arrayContaining(['-f', 'lavfi', '-i', 'color=s=256x144:r=30', '-frames:v', '5', '-c:v', 'h264_vaapi']));
    expect(args.slice(-3)).toEqual(['-f', 'null', '-']);
    const dec = testHwaccelArgs('cuda');
    expect(dec.slice(dec.indexOf('-hwaccel'), dec.indexOf('-hwaccel') + 4)).toEqual(['-hwaccel', 'cuda', '-hwaccel_output_format', 'cuda']);
    expect(dec[dec.indexOf('-vf') + 1]).toMatch(/^scale_cuda=/);
  });
});

describe('probeFfmpeg (real, bundled ffmpeg)', () => {
  afterAll(() => clearProbeCache());

  it('finds no working hardware encoder here and falls back to libx264 cleanly', async () => {
    clearProbeCache();
    const location = locateFfmpeg();
    const started = Date.now();
    const result = await probeFfmpeg({ ffmpegPath: location.path, source: location.source });
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(result.ffmpeg).toEqual({ path: location.path, version: expect.stringMatching(/\S/), source: location.source });
    expect(result.chosen.encoder).toBe('libx264');
    expect(result.chosen.hardware).toBe(false);
    expect(result.encoders.filter((e) => e.hardware && e.works)).toEqual([]);
    const x264 = result.encoders.find((e) => e.name === 'libx264');
    expect(x264).toMatchObject({ listed: true, works: true, hardware: false });
    expect(x264?.testMs).toBeGreaterThan(0);
    // The bundled build lists VAAPI; its test encode fails here (no GPU) with a reason.
    const vaapi = result.encoders.find((e) => e.name === 'h264_vaapi');
    expect(vaapi).toMatchObject({ listed: true, works: false, hardware: true });
    expect(vaapi?.error).toBeTruthy();
    expect(result.chosen.reason).toMatch(/^no hardware H\.264 encoder works here \(h264_vaapi: .+\); using libx264$/);
    expect(result.encoders.find((e) => e.name === 'h264_nvenc')).toMatchObject({ listed: false, works: false, error: 'not in this ffmpeg build' });
    expect(result.listedH264Encoders).toEqual(['libx264', 'libx264rgb', 'h264_v4l2m2m', 'h264_vaapi']);
    // Hardware decoding: vaapi is listed but cannot work without a GPU.
    expect(result.hwaccels.find((h) => h.name === 'vaapi')).toMatchObject({ listed: true, works: false });
    expect(result.hwaccels.every((h) => !h.works)).toBe(true);
    expect(result.chosenHwaccel).toBe('none');
    expect(result.capabilities.rtmps).toBe(true);
    expect(result.capabilities.srt).toBe(false); // the 2018 build has no libsrt
    expect(result.capabilities.whip).toBe(false);
    if (findFontFile()) {
      expect(result.capabilities.fontFile).toBe(findFontFile());
      expect(result.capabilities.drawtext).toBe(true);
    }

    // Cached per path; the preferred encoder is applied per call.
    const t = Date.now();
    const again = await probeFfmpeg({ ffmpegPath: location.path, preferred: 'h264_nvenc' });
    expect(Date.now() - t).toBeLessThan(50);
    expect(again.encoders).toBe(result.encoders);
    expect(again.chosen).toEqual({ encoder: 'libx264', hardware: false, reason: 'preferred h264_nvenc is not in this ffmpeg build; using libx264' });
  });

  it.runIf(existsSync('/usr/bin/ffmpeg'))("Debian's ffmpeg 5.1: nvenc, qsv and vaapi listed, none works here", async () => {
    const result = await probeFfmpeg({ ffmpegPath: '/usr/bin/ffmpeg', source: 'explicit', preferred: 'h264_nvenc' });
    for (const name of ['h264_nvenc', 'h264_qsv', 'h264_vaapi'] as const) {
      const p = result.encoders.find((e) => e.name === name);
      expect(p, name).toMatchObject({ listed: true, works: false, hardware: true });
      expect(p?.error, name).toBeTruthy();
    }
    expect(result.encoders.find((e) => e.name === 'h264_nvenc')?.error).toBe('Cannot load libcuda.so.1');
    expect(result.chosen).toEqual({ encoder: 'libx264', hardware: false, reason: 'preferred h264_nvenc failed its test encode: Cannot load libcuda.so.1; using libx264' });
    expect(result.hwaccels.filter((h) => h.listed).map((h) => h.name)).toEqual(['cuda', 'qsv', 'vaapi']);
    expect(result.chosenHwaccel).toBe('none');
    expect(result.capabilities.srt).toBe(true);
  });

  it('rejects with a helpful message when ffmpeg cannot run, and does not cache that', async () => {
    await expect(probeFfmpeg({ ffmpegPath: '/nonexistent/ffmpeg' })).rejects.toThrow(/could not be run from "\/nonexistent\/ffmpeg".*CUTLINE_FFMPEG/);
    await expect(probeFfmpeg({ ffmpegPath: '/nonexistent/ffmpeg' })).rejects.toThrow(/could not be run/);
  });
});
