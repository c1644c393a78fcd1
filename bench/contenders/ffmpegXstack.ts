/**
 * Contender 2: one ffmpeg doing everything in a filter graph — decode 4 files (-re, real time),
 * scale each to a quarter, xstack 2×2, amix the 4 audio tracks, encode with exactly the engine's
 * libx264 and AAC arguments (imported from the engine), FLV to a file. The cheapest possible
 * 2×2, but it cannot add or drop an input or change layout without restarting. With a second
 * program (work.vertical): cam1 is split off the decoded inputs, cropped to fill and scaled, the
 * mix is split too, and a second encoder makes the second output in the same process.
 */
import { join } from 'node:path';
import { audioEncoderArgs, videoEncoderArgs } from '../../electron/engine/ffmpeg/encoderArgs.ts';
import { runPeer } from '../lib/runPeer.ts';
import type { Result, Work } from './types.ts';

export const FFMPEG_BUILDS = {
  'ffmpeg-bundled': 'node_modules/@ffmpeg-installer/linux-x64/ffmpeg',
  'ffmpeg-debian': '/usr/bin/ffmpeg',
} as const;

export function xstackArgs(work: Work, output: string): string[] {
  const w = work.width / 2;
  const h = work.height / 2;
  const vertical = work.vertical;
  const scales = work.inputs.map((_, i) => `[${i}:v]scale=${w}:${h}:flags=bilinear,format=yuv420p[v${i}]`);
  if (vertical) scales[0] = `[0:v]split=2[in0][cut0];[in0]scale=${w}:${h}:flags=bilinear,format=yuv420p[v0]`;
  const graph = [
    ...scales,
    `[v0][v1][v2][v3]xstack=inputs=4:layout=0_0|w0_0|0_h0|w0_h0[v]`,
    vertical ? `[0:a][1:a][2:a][3:a]amix=inputs=4,asplit=2[a][a2]` : `[0:a][1:a][2:a][3:a]amix=inputs=4[a]`,
    // Crop to the vertical's aspect around the centre (what the engine's "fill" does), then scale.
    ...(vertical
      ? [`[cut0]crop='min(iw,ih*${vertical.width}/${vertical.height})':'min(ih,iw*${vertical.height}/${vertical.width})',scale=${vertical.width}:${vertical.height}:flags=bilinear,format=yuv420p[vv]`]
      : []),
  ].join(';');
  const encoderFor = (size: { width: number; height: number; videoBitrateKbps: number }) =>
    videoEncoderArgs({
      encoder: 'libx264',
      width: size.width,
      height: size.height,
      fps: work.fps,
      videoBitrateKbps: size.videoBitrateKbps,
      keyframeIntervalS: work.keyframeIntervalS,
      x264Preset: 'veryfast',
      cbr: true,
    });
  const second = vertical
    ? ['-map', '[vv]', '-map', '[a2]', '-r', String(work.fps), ...encoderFor(vertical).outputArgs, ...audioEncoderArgs(work.audioBitrateKbps), '-f', 'flv', output.replace(/\.flv$/, '-vertical.flv')]
    : [];
  return [
    '-hide_banner', '-nostdin', '-loglevel', 'error', '-y',
    ...work.inputs.flatMap((file) => ['-re', '-i', file]),
    '-filter_complex', graph,
    '-map', '[v]', '-map', '[a]',
    '-r', String(work.fps),
    ...encoderFor(work).outputArgs,
    ...audioEncoderArgs(work.audioBitrateKbps),
    '-f', 'flv', output,
    ...second,
  ];
}

export async function runFfmpegXstack(work: Work, build: keyof typeof FFMPEG_BUILDS): Promise<Result> {
  const output = join(work.dir, `${build}-${work.height}p${work.vertical ? '-2programs' : ''}.flv`);
  const run = await runPeer(FFMPEG_BUILDS[build], xstackArgs(work, output), output, work.fps, join(work.dir, `${build}.time`));
  return { contender: `${build} xstack`, ...run };
}
