/**
 * Contender 2: one ffmpeg doing everything in a filter graph — decode 4 files (-re, real time),
 * scale each to a quarter, xstack 2×2, amix the 4 audio tracks, encode with exactly the engine's
 * libx264 and AAC arguments (imported from the engine), FLV to a file. The cheapest possible
 * 2×2, but it cannot add or drop an input or change layout without restarting.
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
  const scales = work.inputs.map((_, i) => `[${i}:v]scale=${w}:${h}:flags=bilinear,format=yuv420p[v${i}]`);
  const graph = [
    ...scales,
    `[v0][v1][v2][v3]xstack=inputs=4:layout=0_0|w0_0|0_h0|w0_h0[v]`,
    `[0:a][1:a][2:a][3:a]amix=inputs=4[a]`,
  ].join(';');
  const video = videoEncoderArgs({
    encoder: 'libx264',
    width: work.width,
    height: work.height,
    fps: work.fps,
    videoBitrateKbps: work.videoBitrateKbps,
    keyframeIntervalS: work.keyframeIntervalS,
    x264Preset: 'veryfast',
    cbr: true,
  });
  return [
    '-hide_banner', '-nostdin', '-loglevel', 'error', '-y',
    ...work.inputs.flatMap((file) => ['-re', '-i', file]),
    '-filter_complex', graph,
    '-map', '[v]', '-map', '[a]',
    '-r', String(work.fps),
    ...video.outputArgs,
    ...audioEncoderArgs(work.audioBitrateKbps),
    '-f', 'flv', output,
  ];
}

export async function runFfmpegXstack(work: Work, build: keyof typeof FFMPEG_BUILDS): Promise<Result> {
  const output = join(work.dir, `${build}-${work.height}p.flv`);
  const run = await runPeer(FFMPEG_BUILDS[build], xstackArgs(work, output), output, work.fps, join(work.dir, `${build}.time`));
  return { contender: `${build} xstack`, ...run };
}
