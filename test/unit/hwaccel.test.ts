import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { type DecodeScale, type HwAccel, hwaccelInputArgs, scaleFilter } from '../../electron/engine/ffmpeg/hwaccel.ts';
import { locateFfmpeg } from '../../electron/engine/ffmpeg/locate.ts';

const FFMPEGS = [locateFfmpeg().path, ...(existsSync('/usr/bin/ffmpeg') ? ['/usr/bin/ffmpeg'] : [])];

/** Decode `frames` frames of a lavfi source through `vf` to raw yuv420p; resolves the bytes. */
function render(ffmpeg: string, source: string, vf: string, frames = 2): Promise<Buffer> {
  const args = ['-hide_banner', '-nostdin', '-loglevel', 'error', '-f', 'lavfi', '-i', source];
  args.push('-frames:v', String(frames), '-vf', vf, '-f', 'rawvideo', '-pix_fmt', 'yuv420p', 'pipe:1');
  return new Promise((resolve, reject) => {
    execFile(ffmpeg, args, { encoding: 'buffer', maxBuffer: 64 << 20, timeout: 20_000 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`${error.message}\n${stderr.toString()}`));
      else resolve(stdout);
    });
  });
}

function lumaRowMean(frame: Buffer, width: number, row: number): number {
  let sum = 0;
  for (let x = 0; x < width; x++) sum += frame[row * width + x];
  return sum / width;
}

function lumaColMean(frame: Buffer, width: number, height: number, col: number): number {
  let sum = 0;
  for (let y = 0; y < height; y++) sum += frame[y * width + col];
  return sum / height;
}

describe('hwaccelInputArgs', () => {
  it('builds the input-side arguments for each acceleration', () => {
    expect(hwaccelInputArgs('none')).toEqual([]);
    expect(hwaccelInputArgs('cuda')).toEqual(['-hwaccel', 'cuda', '-hwaccel_output_format', 'cuda']);
    expect(hwaccelInputArgs('qsv')).toEqual(['-hwaccel', 'qsv', '-hwaccel_output_format', 'qsv']);
    expect(hwaccelInputArgs('vaapi')).toEqual(['-hwaccel', 'vaapi', '-hwaccel_output_format', 'vaapi']);
    expect(hwaccelInputArgs('vaapi', { vaapiDevice: '/dev/dri/renderD129' })).toEqual([
      '-hwaccel',
      'vaapi',
      '-hwaccel_device',
      '/dev/dri/renderD129',
      '-hwaccel_output_format',
      'vaapi',
    ]);
    expect(hwaccelInputArgs('videotoolbox')).toEqual(['-hwaccel', 'videotoolbox', '-hwaccel_output_format', 'videotoolbox_vld']);
    expect(hwaccelInputArgs('d3d11va')).toEqual(['-hwaccel', 'd3d11va', '-hwaccel_output_format', 'd3d11']);
  });
});

describe('scaleFilter (strings)', () => {
  const s: DecodeScale = { width: 640, height: 360, fit: 'fit' };

  it('software: quoted expressions, pad or crop to the exact size, square pixels, yuv420p', () => {
    const fit = scaleFilter('none', s);
    expect(fit).toMatch(/^scale=w='[^']+':h='[^']+':flags=bilinear,pad=640:360:\(ow-iw\)\/2:\(oh-ih\)\/2:black,setsar=1,format=yuv420p$/);
    const fill = scaleFilter('none', { ...s, fit: 'fill' });
    expect(fill).toMatch(/,crop=640:360:\(iw-640\)\/2:\(ih-360\)\/2,setsar=1,format=yuv420p$/);
    // Commas live only inside single quotes or between filters.
    const outside = fit.replace(/'[^']*'/g, '');
    expect(outside.split(',')).toHaveLength(4);
  });

  it('crop comes first in software', () => {
    expect(scaleFilter('none', s, { x: 0.25, y: 0, width: 0.5, height: 1 })).toMatch(/^crop=w='0\.5\*iw\+0\.001':h='1\*ih\+0\.001':x='0\.25\*iw':y='0\*ih',scale=/);
    // A full-frame crop is no crop.
    expect(scaleFilter('none', s, { x: 0, y: 0, width: 1, height: 1 })).toBe(scaleFilter('none', s));
  });

  it('GPU chains scale on the GPU, download nv12, then finish in software', () => {
    expect(scaleFilter('cuda', s)).toMatch(/^scale_cuda=w='[^']+':h='[^']+',hwdownload,format=nv12,pad=640:360:.*,setsar=1,format=yuv420p$/);
    expect(scaleFilter('vaapi', s)).toMatch(/^scale_vaapi=w='[^']+':h='[^']+':format=nv12,hwdownload,format=nv12,pad=/);
    expect(scaleFilter('qsv', s)).toMatch(/^scale_qsv=w='[^']+':h='[^']+',hwdownload,format=nv12,pad=/);
    expect(scaleFilter('videotoolbox', s)).toMatch(/^hwdownload,format=nv12,scale=w=/);
    expect(scaleFilter('d3d11va', s)).toMatch(/^hwdownload,format=nv12,scale=w=/);
    // With a crop, the GPU resizes the whole frame and the region is cut out after the download.
    expect(scaleFilter('cuda', s, { x: 0.5, y: 0.5, width: 0.5, height: 0.5 })).toMatch(/^scale_cuda=w='[^']*':h='[^']*',hwdownload,format=nv12,crop=w='0\.5\*iw/);
    expect(scaleFilter('videotoolbox', s, { x: 0.5, y: 0.5, width: 0.5, height: 0.5 })).toMatch(/^hwdownload,format=nv12,crop=w=.*,scale=w=/);
  });

  it('rejects odd or empty sizes and bad crops', () => {
    expect(() => scaleFilter('none', { width: 641, height: 360, fit: 'fit' })).toThrow(/even/);
    expect(() => scaleFilter('none', { width: 640, height: 0, fit: 'fit' })).toThrow(RangeError);
    expect(() => scaleFilter('none', s, { x: 0.6, y: 0, width: 0.5, height: 1 })).toThrow(/crop/);
    expect(() => scaleFilter('none', s, { x: 0, y: 0, width: 0, height: 1 })).toThrow(/crop/);
  });
});

/** The software part of a GPU chain, with the GPU scaler swapped for `scale` (same expressions). */
function simulateGpuChain(accel: HwAccel, scale: DecodeScale, crop?: { x: number; y: number; width: number; height: number }): string {
  return scaleFilter(accel, scale, crop)
    .replace(/^scale_(cuda|qsv)=/, 'scale=')
    .replace(/^scale_vaapi=(.*?):format=nv12,/, 'scale=$1,')
    .replace('hwdownload,format=nv12,', '');
}

describe.each(FFMPEGS)('scaleFilter with real %s', (ffmpeg) => {
  const sources = [
    { name: '16:9 1920x1080', src: 'testsrc2=s=1920x1080:r=5' },
    { name: 'odd 1921x1081', src: 'testsrc2=s=1921x1081:r=5' },
    { name: '4:3 640x480', src: 'testsrc2=s=640x480:r=5' },
    { name: 'portrait 360x640', src: 'testsrc2=s=360x640:r=5' },
    { name: 'anamorphic 720x480 sar 32:27', src: 'testsrc2=s=720x480:r=5,setsar=32/27' },
  ];
  const targets: DecodeScale[] = [
    { width: 640, height: 360, fit: 'fit' },
    { width: 642, height: 362, fit: 'fill' },
    { width: 500, height: 500, fit: 'fit' },
    { width: 500, height: 500, fit: 'fill' },
    { width: 202, height: 114, fit: 'fill' },
    { width: 1280, height: 720, fit: 'fit' },
  ];

  it('produces exactly W*H*3/2 bytes per frame for every source × target', async () => {
    const jobs: Promise<void>[] = [];
    for (const [i, t] of targets.entries()) {
      const source = sources[i % sources.length];
      const other = sources[(i + 2) % sources.length];
      for (const src of [source, other]) {
        jobs.push(
          render(ffmpeg, src.src, scaleFilter('none', t)).then((out) => {
            expect(out.length, `${src.name} → ${t.width}x${t.height} ${t.fit}`).toBe(2 * t.width * t.height * 1.5);
          }),
        );
      }
    }
    // Two at a time: a shared 2-core machine.
    for (let i = 0; i < jobs.length; i += 2) await Promise.all(jobs.slice(i, i + 2));
  });

  it('fit letterboxes with black, fill covers without bars', async () => {
    const W = 500;
    const H = 500;
    const fit = await render(ffmpeg, 'testsrc2=s=1920x1080:r=5', scaleFilter('none', { width: W, height: H, fit: 'fit' }), 1);
    expect(fit.length).toBe(W * H * 1.5);
    expect(lumaRowMean(fit, W, 0)).toBe(16); // black bar on top
    expect(lumaRowMean(fit, W, H - 1)).toBe(16); // and at the bottom
    expect(lumaRowMean(fit, W, H / 2)).not.toBe(16);
    const fill = await render(ffmpeg, 'testsrc2=s=1920x1080:r=5', scaleFilter('none', { width: W, height: H, fit: 'fill' }), 1);
    expect(lumaRowMean(fill, W, 0)).not.toBe(16);
    expect(lumaRowMean(fill, W, H - 1)).not.toBe(16);
    // A portrait source in a landscape tile: bars left and right.
    const pillar = await render(ffmpeg, 'testsrc2=s=360x640:r=5', scaleFilter('none', { width: 640, height: 360, fit: 'fit' }), 1);
    expect(lumaColMean(pillar, 640, 360, 0)).toBe(16);
    expect(lumaColMean(pillar, 640, 360, 639)).toBe(16);
  });

  it('crops a region first, exact sizes, in software and in the GPU chains’ arithmetic', async () => {
    const crops = [
      { x: 0.25, y: 0.25, width: 0.5, height: 0.5 },
      { x: 0, y: 0, width: 1 / 3, height: 1 },
      { x: 0.1, y: 0.2, width: 0.7, height: 0.45 },
    ];
    const cases: [HwAccel, DecodeScale, (typeof crops)[number]][] = [
      ['none', { width: 640, height: 360, fit: 'fit' }, crops[0]],
      ['none', { width: 320, height: 240, fit: 'fill' }, crops[1]],
      ['cuda', { width: 640, height: 360, fit: 'fill' }, crops[2]],
      ['vaapi', { width: 426, height: 240, fit: 'fit' }, crops[2]],
      ['qsv', { width: 320, height: 320, fit: 'fill' }, crops[1]],
      ['cuda', { width: 642, height: 362, fit: 'fit' }, crops[0]],
    ];
    for (const [accel, t, crop] of cases) {
      const vf = accel === 'none' ? scaleFilter('none', t, crop) : simulateGpuChain(accel, t, crop);
      const out = await render(ffmpeg, 'testsrc2=s=1921x1081:r=5', vf, 1);
      expect(out.length, `${accel} ${t.width}x${t.height} ${t.fit} ${JSON.stringify(crop)}`).toBe(t.width * t.height * 1.5);
    }
    // The GPU chains without a crop, same check.
    for (const accel of ['cuda', 'vaapi', 'qsv'] as const) {
      const out = await render(ffmpeg, 'testsrc2=s=720x480:r=5,setsar=32/27', simulateGpuChain(accel, { width: 640, height: 360, fit: 'fill' }), 1);
      expect(out.length).toBe(640 * 360 * 1.5);
    }
  });
});
