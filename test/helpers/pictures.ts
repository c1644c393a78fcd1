/**
 * Pictures that show what went wrong when they come out wrong: a frame whose left half is one
 * colour and right half white. A frame with a hole (grey/green below the first packet), a picture
 * scaled into the wrong part of its cell, or a torn frame all miss one of the sampled boxes.
 */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { type YuvFrame, yuvToRgb } from '../../electron/engine/media/yuv.ts';
import { colorDistance, hexRgb, SYSTEM_FFMPEG } from './media.ts';

export const WHITE = '#ffffff';

/** A y4m for Chromium's fake camera: `color` on the left half, white on the right, `seconds` long. */
export function halvesY4m(dir: string, name: string, color: string, width: number, height: number, seconds = 0.2): string {
  const file = join(dir, `${name}-${width}x${height}.y4m`);
  execFileSync(SYSTEM_FFMPEG, [
    '-v', 'error', '-y', '-f', 'lavfi', '-i', `color=c=0x${color.slice(1)}:s=${width}x${height}:r=30`,
    '-vf', 'drawbox=x=iw/2:y=0:w=iw/2:h=ih:color=white:t=fill', '-t', String(seconds), '-pix_fmt', 'yuv420p', file,
  ]);
  return file;
}

/**
 * The same halves with a black square moving through the middle fifth (never under a sampled box):
 * the picture changes every frame, so delta frames are real work and span several packets.
 */
export function movingHalvesY4m(dir: string, name: string, color: string, width: number, height: number, seconds = 2): string {
  const file = join(dir, `${name}-moving-${width}x${height}.y4m`);
  const box = `drawbox=x='iw*0.42+mod(t*iw*0.2\,iw*0.1)':y='ih*0.3+mod(t*ih*0.4\,ih*0.3)':w=iw/16:h=ih/10:color=black:t=fill`;
  execFileSync(SYSTEM_FFMPEG, [
    '-v', 'error', '-y', '-f', 'lavfi', '-i', `color=c=0x${color.slice(1)}:s=${width}x${height}:r=30`,
    '-vf', `drawbox=x=iw/2:y=0:w=iw/2:h=ih:color=white:t=fill,${box}`, '-t', String(seconds), '-pix_fmt', 'yuv420p', file,
  ]);
  return file;
}

/** Boxes (fractions of the area) that lie inside each half whether the picture is 4:3 or 16:9 in a 16:9 cell. */
export const HALF_BOXES = [0.2, 0.5, 0.8].flatMap((y) => [
  { x: 0.32, y, half: 'left' as const },
  { x: 0.68, y, half: 'right' as const },
]);

/** Mean RGB of a small box around (fx, fy) of an I420 frame region. */
export function yuvBoxRgb(frame: YuvFrame, area: { x: number; y: number; width: number; height: number }, fx: number, fy: number): [number, number, number] {
  const size = Math.max(4, Math.round(area.width * 0.04)) & ~1;
  const x0 = Math.round(area.x + fx * area.width - size / 2) & ~1;
  const y0 = Math.round(area.y + fy * area.height - size / 2) & ~1;
  let y = 0;
  let u = 0;
  let v = 0;
  const cw = frame.width >> 1;
  const uOffset = frame.width * frame.height;
  const vOffset = uOffset + cw * (frame.height >> 1);
  for (let row = y0; row < y0 + size; row++)
    for (let col = x0; col < x0 + size; col++) {
      y += frame.data[row * frame.width + col];
      u += frame.data[uOffset + (row >> 1) * cw + (col >> 1)];
      v += frame.data[vOffset + (row >> 1) * cw + (col >> 1)];
    }
  const n = size * size;
  return yuvToRgb({ y: y / n, u: u / n, v: v / n });
}

/** The largest distance of any sampled box from the colour its half should have. */
export function halvesError(sample: (fx: number, fy: number) => readonly number[], color: string): number {
  let worst = 0;
  for (const box of HALF_BOXES) {
    const want = hexRgb(box.half === 'left' ? color : WHITE);
    worst = Math.max(worst, colorDistance(sample(box.x, box.y), want));
  }
  return worst;
}
