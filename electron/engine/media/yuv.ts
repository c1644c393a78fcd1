/**
 * Planar YUV 4:2:0 (I420) frames and the few pixel operations the compositor needs: fill, copy a
 * tile, nearest-neighbour scale (only while a decoder is being resized), cross-fade, and colour
 * conversion for slates. Pure functions on Buffers; no I/O.
 * Offsets and sizes are kept even so chroma planes line up.
 */
import { even } from '../../../shared/layout.ts';

export { even };

export interface YuvFrame {
  width: number;
  height: number;
  /** Y plane, then U, then V: width*height*3/2 bytes. */
  data: Buffer;
}

export interface Yuv {
  y: number;
  u: number;
  v: number;
}


export function frameBytes(width: number, height: number): number {
  return width * height + 2 * ((width >> 1) * (height >> 1));
}

export function allocFrame(width: number, height: number, fill: Yuv = { y: 16, u: 128, v: 128 }): YuvFrame {
  const frame: YuvFrame = { width, height, data: Buffer.allocUnsafe(frameBytes(width, height)) };
  fillRect(frame, 0, 0, width, height, fill);
  return frame;
}

/**
 * BT.601 limited range: what ffmpeg's swscale uses by default when the decoders convert to
 * yuv420p, so engine-drawn pixels (slates, overlays) match decoded ones.
 */
export function rgbToYuv(r: number, g: number, b: number): Yuv {
  const y = 16 + 0.2568 * r + 0.5041 * g + 0.0979 * b;
  const u = 128 - 0.1482 * r - 0.291 * g + 0.4392 * b;
  const v = 128 + 0.4392 * r - 0.3678 * g - 0.0714 * b;
  const clamp = (n: number) => Math.max(0, Math.min(255, Math.round(n)));
  return { y: clamp(y), u: clamp(u), v: clamp(v) };
}

export function hexToYuv(hex: string): Yuv {
  const n = Number.parseInt(hex.slice(1), 16);
  return rgbToYuv((n >> 16) & 255, (n >> 8) & 255, n & 255);
}

/** The inverse (BT.601 limited range), for tests that check decoded colours. */
export function yuvToRgb({ y, u, v }: Yuv): [number, number, number] {
  const c = y - 16;
  const d = u - 128;
  const e = v - 128;
  const clamp = (n: number) => Math.max(0, Math.min(255, Math.round(n)));
  return [clamp(1.164 * c + 1.596 * e), clamp(1.164 * c - 0.392 * d - 0.813 * e), clamp(1.164 * c + 2.017 * d)];
}

function planes(frame: YuvFrame) {
  const ySize = frame.width * frame.height;
  const cw = frame.width >> 1;
  const cSize = cw * (frame.height >> 1);
  return { ySize, cw, uOff: ySize, vOff: ySize + cSize };
}

export function fillRect(frame: YuvFrame, x: number, y: number, w: number, h: number, color: Yuv): void {
  const x0 = Math.max(0, even(x));
  const y0 = Math.max(0, even(y));
  const x1 = Math.min(frame.width, even(x + w));
  const y1 = Math.min(frame.height, even(y + h));
  if (x1 <= x0 || y1 <= y0) return;
  const { cw, uOff, vOff } = planes(frame);
  const d = frame.data;
  for (let row = y0; row < y1; row++) d.fill(color.y, row * frame.width + x0, row * frame.width + x1);
  for (let row = y0 >> 1; row < y1 >> 1; row++) {
    d.fill(color.u, uOff + row * cw + (x0 >> 1), uOff + row * cw + (x1 >> 1));
    d.fill(color.v, vOff + row * cw + (x0 >> 1), vOff + row * cw + (x1 >> 1));
  }
}

/** Copies `tile` into `canvas` with its top-left at (dx, dy), clipped to the canvas. */
export function blit(canvas: YuvFrame, tile: YuvFrame, dx: number, dy: number): void {
  dx = even(dx);
  dy = even(dy);
  const sx0 = Math.max(0, -dx);
  const sy0 = Math.max(0, -dy);
  const w = Math.min(tile.width - sx0, canvas.width - Math.max(0, dx));
  const h = Math.min(tile.height - sy0, canvas.height - Math.max(0, dy));
  if (w <= 0 || h <= 0) return;
  const cx = Math.max(0, dx);
  const cy = Math.max(0, dy);
  const c = planes(canvas);
  const t = planes(tile);
  for (let row = 0; row < h; row++) {
    const src = (sy0 + row) * tile.width + sx0;
    tile.data.copy(canvas.data, (cy + row) * canvas.width + cx, src, src + w);
  }
  const cw = w >> 1;
  for (let row = 0; row < h >> 1; row++) {
    const src = ((sy0 >> 1) + row) * t.cw + (sx0 >> 1);
    const dst = ((cy >> 1) + row) * c.cw + (cx >> 1);
    tile.data.copy(canvas.data, c.uOff + dst, t.uOff + src, t.uOff + src + cw);
    tile.data.copy(canvas.data, c.vOff + dst, t.vOff + src, t.vOff + src + cw);
  }
}

/** Nearest-neighbour resize; used only until a decoder delivers frames at the new size. */
export function scaleNearest(src: YuvFrame, width: number, height: number): YuvFrame {
  const out: YuvFrame = { width, height, data: Buffer.allocUnsafe(frameBytes(width, height)) };
  const s = planes(src);
  const o = planes(out);
  const xMap = new Int32Array(width);
  for (let x = 0; x < width; x++) xMap[x] = Math.min(src.width - 1, Math.floor(((x + 0.5) * src.width) / width));
  for (let y = 0; y < height; y++) {
    const sy = Math.min(src.height - 1, Math.floor(((y + 0.5) * src.height) / height));
    const srow = sy * src.width;
    const orow = y * width;
    for (let x = 0; x < width; x++) out.data[orow + x] = src.data[srow + xMap[x]];
  }
  const ow = width >> 1;
  const oh = height >> 1;
  const sh = src.height >> 1;
  for (let y = 0; y < oh; y++) {
    const sy = Math.min(sh - 1, Math.floor(((y + 0.5) * sh) / oh));
    for (let x = 0; x < ow; x++) {
      const sx = xMap[x * 2] >> 1;
      out.data[o.uOff + y * ow + x] = src.data[s.uOff + sy * s.cw + sx];
      out.data[o.vOff + y * ow + x] = src.data[s.vOff + sy * s.cw + sx];
    }
  }
  return out;
}

/** out = a·(1−t) + b·t, byte by byte (Y, U and V alike). */
export function crossFade(a: YuvFrame, b: YuvFrame, t: number, out: YuvFrame): void {
  const wb = Math.round(Math.max(0, Math.min(1, t)) * 256);
  const wa = 256 - wb;
  const ad = a.data;
  const bd = b.data;
  const od = out.data;
  for (let i = 0; i < od.length; i++) od[i] = (ad[i] * wa + bd[i] * wb) >> 8;
}

/**
 * Alpha-blends straight (non-premultiplied) RGBA pixels onto a YUV frame at (dx, dy). Used for
 * slates and overlays, which are drawn once and blended every frame.
 */
export function blendRgba(canvas: YuvFrame, rgba: Uint8Array | Uint8ClampedArray, width: number, height: number, dx: number, dy: number, opacity = 1): void {
  dx = even(dx);
  dy = even(dy);
  const c = planes(canvas);
  const d = canvas.data;
  for (let y = 0; y < height; y++) {
    const cy = dy + y;
    if (cy < 0 || cy >= canvas.height) continue;
    for (let x = 0; x < width; x++) {
      const cx = dx + x;
      if (cx < 0 || cx >= canvas.width) continue;
      const p = (y * width + x) * 4;
      const a = (rgba[p + 3] * opacity) / 255;
      if (a <= 0) continue;
      const r = rgba[p];
      const g = rgba[p + 1];
      const b = rgba[p + 2];
      const yi = cy * canvas.width + cx;
      d[yi] = d[yi] + a * (16 + 0.2568 * r + 0.5041 * g + 0.0979 * b - d[yi]) + 0.5;
      if ((x & 1) === 0 && (y & 1) === 0) {
        const ci = (cy >> 1) * c.cw + (cx >> 1);
        d[c.uOff + ci] = d[c.uOff + ci] + a * (128 - 0.1482 * r - 0.291 * g + 0.4392 * b - d[c.uOff + ci]);
        d[c.vOff + ci] = d[c.vOff + ci] + a * (128 + 0.4392 * r - 0.3678 * g - 0.0714 * b - d[c.vOff + ci]);
      }
    }
  }
}

/** Average Y, U, V of a rectangle: what tests use to tell sources apart by colour. */
export function averageYuv(frame: YuvFrame, x: number, y: number, w: number, h: number): Yuv {
  const { cw, uOff, vOff } = planes(frame);
  let sy = 0;
  let su = 0;
  let sv = 0;
  let n = 0;
  let nc = 0;
  for (let row = y; row < y + h; row++) for (let col = x; col < x + w; col++, n++) sy += frame.data[row * frame.width + col];
  for (let row = y >> 1; row < (y + h) >> 1; row++)
    for (let col = x >> 1; col < (x + w) >> 1; col++, nc++) {
      su += frame.data[uOff + row * cw + col];
      sv += frame.data[vOff + row * cw + col];
    }
  return { y: sy / n, u: su / nc, v: sv / nc };
}
