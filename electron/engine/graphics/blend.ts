/**
 * Overlay bitmaps prepared once for fast blending into I420 frames every frame.
 *
 * prepare() converts a straight-alpha RGBA picture (what an overlay renderer drew) into planes
 * that match the frame: Y with its alpha at full resolution, U and V with the 2×2 block's alpha
 * (chroma averaged weighted by alpha, so antialiased edges keep their colour). Each row is cut
 * into spans of one of three kinds:
 *   copy     opaque pixels: a memcpy;
 *   uniform  one alpha and one colour (a translucent panel's background, most of the area):
 *            blended four pixels per 32-bit word (SIMD within a register);
 *   mixed    antialiased edges and text: (dst·(256−w) + value·w) >> 8 per pixel, with both
 *            factors precomputed;
 * fully transparent runs are not touched at all. Why not one float blend per pixel (media/yuv.ts
 * blendRgba): it cost ~9 ms per 1080p frame for a typical overlay set; this costs well under 2.
 */
import type { YuvFrame } from '../media/yuv.ts';

/** One plane (Y, or U+V sharing the chroma alpha) ready to blend. */
export interface PreparedPlane {
  width: number;
  height: number;
  /** Straight alpha 0..255 (used while fading). */
  alpha: Uint8Array;
  /** 256 − weight, weight = alpha·256/255 (so 255 replaces exactly). */
  inv: Uint16Array;
  /** The value(s): [Y] or [U, V]. */
  values: Uint8Array[];
  /** value·weight, per value. */
  pre: Uint16Array[];
  /** Per row: [start, end, kind, info] quads; info = alpha | v0 << 8 | v1 << 16 for uniform spans. */
  spans: Int32Array[];
}

export interface PreparedBitmap {
  /** Always even, so chroma samples line up with the canvas's. */
  width: number;
  height: number;
  luma: PreparedPlane;
  chroma: PreparedPlane;
  /** The RGBA it was made from, so a redraw converts only the rows that changed. */
  source: Uint8Array;
}

const COPY = 1;
const UNIFORM = 2;
const MIXED = 3;
/** Runs shorter than this are not worth a span of their own. */
const MIN_RUN = 16;
/** Transparent gaps shorter than this (between glyphs) do not split a span. */
const MIN_GAP = 8;
const EMPTY = new Int32Array(0);

function plane(width: number, height: number, channels: number): PreparedPlane {
  const n = width * height;
  return {
    width,
    height,
    alpha: new Uint8Array(n),
    inv: new Uint16Array(n).fill(256),
    values: Array.from({ length: channels }, () => new Uint8Array(n)),
    pre: Array.from({ length: channels }, () => new Uint16Array(n)),
    spans: new Array<Int32Array>(height).fill(EMPTY),
  };
}

export function emptyBitmap(width: number, height: number): PreparedBitmap {
  const w = width + (width & 1);
  const h = height + (height & 1);
  return { width: w, height: h, luma: plane(w, h, 1), chroma: plane(w >> 1, h >> 1, 2), source: new Uint8Array(0) };
}

/**
 * Converts straight RGBA (width×height, as getImageData returns) into a prepared bitmap. With
 * `into` of the same size, only row pairs that differ from the picture it was made from are
 * converted again (a poll vote changes a few lines of text and bars, not the whole panel).
 * Odd sizes are padded with a transparent row/column.
 */
export function prepare(rgba: Uint8Array | Uint8ClampedArray, width: number, height: number, into?: PreparedBitmap): PreparedBitmap {
  const w = width + (width & 1);
  const h = height + (height & 1);
  const bytes = new Uint8Array(rgba.buffer, rgba.byteOffset, width * height * 4);
  if (!into || into.width !== w || into.height !== h || into.source.length !== bytes.length) {
    const bmp = emptyBitmap(width, height);
    updateRows(bmp, bytes, width, 0, height);
    bmp.source = bytes.slice();
    return bmp;
  }
  const rowBytes = width * 4;
  let bandStart = -1;
  for (let y = 0; y < height; y += 2) {
    const end = Math.min(height, y + 2) * rowBytes;
    const same = Buffer.compare(bytes.subarray(y * rowBytes, end), into.source.subarray(y * rowBytes, end)) === 0;
    if (!same && bandStart < 0) bandStart = y;
    if (same && bandStart >= 0) {
      updateBand(into, bytes.subarray(bandStart * rowBytes, y * rowBytes), width, bandStart, y);
      bandStart = -1;
    }
  }
  if (bandStart >= 0) updateBand(into, bytes.subarray(bandStart * rowBytes), width, bandStart, height);
  return into;
}

/**
 * Re-converts rows [y0, y1) of `bmp` (made by prepare() from a picture srcWidth wide) from `rgba`,
 * which holds exactly those rows. y0 must be even. For redrawing a band (a new chalkboard stroke).
 */
export function updateBand(bmp: PreparedBitmap, rgba: Uint8Array | Uint8ClampedArray, srcWidth: number, y0: number, y1: number): void {
  updateRows(bmp, rgba, srcWidth, y0, y1);
  const bytes = new Uint8Array(rgba.buffer, rgba.byteOffset, (y1 - y0) * srcWidth * 4);
  if (bmp.source.length >= y1 * srcWidth * 4) bmp.source.set(bytes, y0 * srcWidth * 4);
}

/** alpha → weight 0..256 (255 → 256, so opaque replaces exactly). */
const WEIGHT = Uint16Array.from({ length: 256 }, (_, a) => Math.round((a * 256) / 255));

/** Converts rows [y0, y1) of `bmp` from `rgba`, which holds exactly those rows; y0 even. */
function updateRows(bmp: PreparedBitmap, rgba: Uint8Array | Uint8ClampedArray, srcWidth: number, y0: number, y1: number): void {
  const yEnd = Math.min(y1 + (y1 & 1), bmp.height);
  convertLuma(bmp.luma, rgba, srcWidth, y0, y1, yEnd);
  convertChroma(bmp.chroma, rgba, srcWidth, y0, y1, yEnd);
}

function convertLuma(L: PreparedPlane, rgba: Uint8Array | Uint8ClampedArray, srcWidth: number, y0: number, y1: number, yEnd: number): void {
  const w = L.width;
  const LA = L.alpha;
  const LI = L.inv;
  const Y = L.values[0];
  const YP = L.pre[0];
  for (let row = y0; row < yEnd; row++) {
    const o = row * w;
    const inRow = row < y1;
    const src = (row - y0) * srcWidth * 4;
    for (let x = 0; x < w; x++) {
      const i = o + x;
      const p = src + x * 4;
      const a = inRow && x < srcWidth ? rgba[p + 3] : 0;
      LA[i] = a;
      if (a === 0) {
        Y[i] = 16;
        LI[i] = 256;
        YP[i] = 0;
        continue;
      }
      // BT.601 limited range in 16.16 fixed point: media/yuv.ts rgbToYuv's coefficients (a test keeps them equal).
      const yv = 16 + ((16830 * rgba[p] + 33037 * rgba[p + 1] + 6416 * rgba[p + 2] + 32768) >> 16);
      const wt = WEIGHT[a];
      Y[i] = yv;
      LI[i] = 256 - wt;
      YP[i] = yv * wt;
    }
    L.spans[row] = spans(L, o, w);
  }
}

/** Chroma of each 2×2 block: U, V averaged weighted by alpha (16.16 fixed point), alpha averaged. */
function convertChroma(C: PreparedPlane, rgba: Uint8Array | Uint8ClampedArray, srcWidth: number, y0: number, y1: number, yEnd: number): void {
  const cw = C.width;
  const CA = C.alpha;
  const CI = C.inv;
  const [U, V] = C.values;
  const [UP, VP] = C.pre;
  const rows = y1 - y0;
  const stride = srcWidth * 4;
  for (let cy = y0 >> 1; cy < yEnd >> 1; cy++) {
    const top = cy * 2 - y0;
    const hasBottom = top + 1 < rows;
    const co = cy * cw;
    for (let cx = 0; cx < cw; cx++) {
      const x = cx * 2;
      const p0 = top * stride + x * 4;
      const hasRight = x + 1 < srcWidth;
      const a0 = x < srcWidth ? rgba[p0 + 3] : 0;
      const a1 = hasRight ? rgba[p0 + 7] : 0;
      const a2 = hasBottom && x < srcWidth ? rgba[p0 + stride + 3] : 0;
      const a3 = hasBottom && hasRight ? rgba[p0 + stride + 7] : 0;
      const sa = a0 + a1 + a2 + a3;
      const i = co + cx;
      if (sa === 0) {
        CA[i] = 0;
        U[i] = 128;
        V[i] = 128;
        CI[i] = 256;
        UP[i] = 0;
        VP[i] = 0;
        continue;
      }
      let su = 0;
      let sv = 0;
      if (a0 !== 0) {
        su += a0 * (-9713 * rgba[p0] - 19071 * rgba[p0 + 1] + 28783 * rgba[p0 + 2]);
        sv += a0 * (28783 * rgba[p0] - 24104 * rgba[p0 + 1] - 4679 * rgba[p0 + 2]);
      }
      if (a1 !== 0) {
        su += a1 * (-9713 * rgba[p0 + 4] - 19071 * rgba[p0 + 5] + 28783 * rgba[p0 + 6]);
        sv += a1 * (28783 * rgba[p0 + 4] - 24104 * rgba[p0 + 5] - 4679 * rgba[p0 + 6]);
      }
      const q = p0 + stride;
      if (a2 !== 0) {
        su += a2 * (-9713 * rgba[q] - 19071 * rgba[q + 1] + 28783 * rgba[q + 2]);
        sv += a2 * (28783 * rgba[q] - 24104 * rgba[q + 1] - 4679 * rgba[q + 2]);
      }
      if (a3 !== 0) {
        su += a3 * (-9713 * rgba[q + 4] - 19071 * rgba[q + 5] + 28783 * rgba[q + 6]);
        sv += a3 * (28783 * rgba[q + 4] - 24104 * rgba[q + 5] - 4679 * rgba[q + 6]);
      }
      const ca = (sa + 2) >> 2;
      const uv = clamp8(128 + Math.round(su / (sa * 65536)));
      const vv = clamp8(128 + Math.round(sv / (sa * 65536)));
      const wt = WEIGHT[ca];
      CA[i] = ca;
      U[i] = uv;
      V[i] = vv;
      CI[i] = 256 - wt;
      UP[i] = uv * wt;
      VP[i] = vv * wt;
    }
    C.spans[cy] = spans(C, co, cw);
  }
}

const clamp8 = (n: number) => Math.max(0, Math.min(255, n));

/**
 * Cuts one row into spans in a single pass: runs of opaque pixels (≥ MIN_RUN) are copies, runs of
 * one alpha and colour (≥ MIN_RUN) are uniform, anything else between them is mixed; transparent
 * gaps of MIN_GAP or more end a mixed span, shorter ones stay inside it (they blend to no change).
 */
function spans(p: PreparedPlane, off: number, width: number): Int32Array {
  const alpha = p.alpha;
  const v0 = p.values[0];
  // The second channel (V), or for luma the first again: comparing it twice is harmless.
  const v1 = p.values[1] ?? v0;
  const out: number[] = [];
  let mixedStart = -1;
  let mixedEnd = -1;
  let x = 0;
  while (x < width) {
    const i = off + x;
    const a = alpha[i];
    let r = x + 1;
    if (a === 0) {
      while (r < width && alpha[off + r] === 0) r++;
      if (mixedStart >= 0 && (r - x >= MIN_GAP || r === width)) {
        out.push(mixedStart, mixedEnd, MIXED, 0);
        mixedStart = -1;
      }
      x = r;
      continue;
    }
    let kind = MIXED;
    if (a === 255) {
      while (r < width && alpha[off + r] === 255) r++;
      if (r - x >= MIN_RUN) kind = COPY;
    } else {
      const c0 = v0[i];
      const c1 = v1[i];
      while (r < width && alpha[off + r] === a && v0[off + r] === c0 && v1[off + r] === c1) r++;
      if (r - x >= MIN_RUN) kind = UNIFORM;
    }
    if (kind === MIXED) {
      if (mixedStart < 0) mixedStart = x;
      mixedEnd = r;
    } else {
      if (mixedStart >= 0) out.push(mixedStart, mixedEnd, MIXED, 0);
      mixedStart = -1;
      out.push(x, r, kind, kind === UNIFORM ? a | (v0[i] << 8) | (v1[i] << 16) : 0);
    }
    x = r;
  }
  if (mixedStart >= 0) out.push(mixedStart, mixedEnd, MIXED, 0);
  return out.length === 0 ? EMPTY : Int32Array.from(out);
}

const weights = new Int32Array(256);
let weightsFor = -1;
/** alpha (0..255) × opacity → weight 0..256. */
function weightTable(opacity: number): Int32Array {
  if (opacity !== weightsFor) {
    for (let a = 0; a < 256; a++) weights[a] = Math.round((a * opacity * 256) / 255);
    weightsFor = opacity;
  }
  return weights;
}

let view32: Uint32Array = new Uint32Array(0);
let viewOf: Uint8Array | undefined;
/** A 32-bit view over the frame's bytes, starting at the aligned word that holds byte 0. */
function words(d: Uint8Array): Uint32Array {
  if (viewOf !== d) {
    const lead = d.byteOffset & 3;
    view32 = new Uint32Array(d.buffer, d.byteOffset - lead, (d.length + lead) >> 2);
    viewOf = d;
  }
  return view32;
}

/** d[i] = (d[i]·ia + k) >> 8 for i in [from, to): four bytes per word where aligned. */
function uniformRun(d: Uint8Array, d32: Uint32Array, lead: number, from: number, to: number, ia: number, k: number): void {
  let i = from;
  const alignedStart = ((from + lead + 3) & ~3) - lead;
  const alignedEnd = ((to + lead) & ~3) - lead;
  if (alignedEnd - alignedStart >= 8) {
    for (; i < alignedStart; i++) d[i] = (d[i] * ia + k) >> 8;
    // Two 16-bit lanes per multiply: x·ia + k ≤ 255·256, so no lane carries into the next.
    const K = k | (k << 16);
    const wEnd = (alignedEnd + lead) >> 2;
    for (let w = (alignedStart + lead) >> 2; w < wEnd; w++) {
      const x = d32[w];
      d32[w] = (((Math.imul(x & 0xff00ff, ia) + K) >>> 8) & 0xff00ff) | ((Math.imul((x >>> 8) & 0xff00ff, ia) + K) & -16711936);
    }
    i = alignedEnd;
  }
  for (; i < to; i++) d[i] = (d[i] * ia + k) >> 8;
}

/** Blends channel `ch` of plane `p` into d at dstOffset + row·stride, source columns [c0, c1). */
function blendChannel(
  d: Uint8Array,
  dstOffset: number,
  stride: number,
  p: PreparedPlane,
  ch: number,
  dx: number,
  dy: number,
  c0: number,
  c1: number,
  r0: number,
  r1: number,
  opacity: number,
): void {
  const full = opacity >= 1;
  const table = weightTable(opacity);
  const d32 = words(d);
  const lead = d.byteOffset & 3;
  const val = p.values[ch];
  const pre = p.pre[ch];
  const inv = p.inv;
  const alpha = p.alpha;
  const shift = ch * 8 + 8;
  for (let r = r0; r < r1; r++) {
    const sp = p.spans[r];
    if (sp.length === 0) continue;
    const so = r * p.width;
    // Destination index of source column c in this row: base + c.
    const base = dstOffset + (dy + r) * stride + dx;
    for (let k = 0; k < sp.length; k += 4) {
      const s = Math.max(sp[k], c0);
      const e = Math.min(sp[k + 1], c1);
      if (e <= s) continue;
      const kind = sp[k + 2];
      if (kind === UNIFORM) {
        const wt = table[sp[k + 3] & 255];
        uniformRun(d, d32, lead, base + s, base + e, 256 - wt, ((sp[k + 3] >> shift) & 255) * wt);
      } else if (kind === COPY && full) {
        d.set(val.subarray(so + s, so + e), base + s);
      } else if (full) {
        for (let i = s; i < e; i++) d[base + i] = (d[base + i] * inv[so + i] + pre[so + i]) >> 8;
      } else {
        for (let i = s; i < e; i++) {
          const wt = table[alpha[so + i]];
          d[base + i] = (d[base + i] * (256 - wt) + val[so + i] * wt) >> 8;
        }
      }
    }
  }
}

/**
 * Blends columns [srcX, srcX + srcWidth) of `bmp` onto `canvas` with their left edge at (dx, dy),
 * clipped to the canvas, at `opacity`. dx, dy and srcX are rounded down to even numbers.
 */
export function blendPrepared(canvas: YuvFrame, bmp: PreparedBitmap, dx: number, dy: number, opacity = 1, srcX = 0, srcWidth = bmp.width): void {
  if (!(opacity > 0)) return;
  opacity = Math.min(1, opacity);
  dx &= ~1;
  dy &= ~1;
  srcX = Math.max(0, srcX & ~1);
  srcWidth = Math.min(srcWidth, bmp.width - srcX);
  const W = canvas.width;
  const H = canvas.height;
  // Source columns and rows that land on the canvas.
  const c0 = Math.max(srcX, srcX - dx);
  const c1 = Math.min(srcX + srcWidth, srcX + W - dx);
  const r0 = Math.max(0, -dy);
  const r1 = Math.min(bmp.height, H - dy);
  if (c1 <= c0 || r1 <= r0) return;
  const d = canvas.data;
  const shift = dx - srcX;
  blendChannel(d, 0, W, bmp.luma, 0, shift, dy, c0, c1, r0, r1, opacity);
  const cw = W >> 1;
  const uOff = W * H;
  const vOff = uOff + cw * (H >> 1);
  const C = bmp.chroma;
  blendChannel(d, uOff, cw, C, 0, shift >> 1, dy >> 1, c0 >> 1, c1 >> 1, r0 >> 1, r1 >> 1, opacity);
  blendChannel(d, vOff, cw, C, 1, shift >> 1, dy >> 1, c0 >> 1, c1 >> 1, r0 >> 1, r1 >> 1, opacity);
}
