import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createCanvas } from '@napi-rs/canvas';
import { afterEach, describe, expect, it } from 'vitest';
import { blendPrepared, prepare } from '../../electron/engine/graphics/blend.ts';
import { GraphicsLayer, overlayBox } from '../../electron/engine/graphics/GraphicsLayer.ts';
import { pollLayout } from '../../electron/engine/graphics/renderers.ts';
import { allocFrame, frameBytes, rgbToYuv, type YuvFrame } from '../../electron/engine/media/yuv.ts';
import { SharedObjectStore } from '../../electron/engine/objects/SharedObjectStore.ts';
import { OverlaySpec, type PollState } from '../../shared/objects.ts';

const producer = { role: 'producer' as const };
const W = 1280;
const H = 720;
const GREY = rgbToYuv(128, 128, 128);

const layers: GraphicsLayer[] = [];
const dirs: string[] = [];
afterEach(async () => {
  for (const l of layers.splice(0)) l.dispose();
  for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
});
function layerFor(store?: SharedObjectStore, wallClock?: () => number): GraphicsLayer {
  const layer = new GraphicsLayer({ objects: store, wallClock });
  layers.push(layer);
  return layer;
}

const lumaAt = (f: YuvFrame, x: number, y: number) => f.data[y * f.width + x];
const uAt = (f: YuvFrame, x: number, y: number) => f.data[f.width * f.height + (y >> 1) * (f.width >> 1) + (x >> 1)];
const vAt = (f: YuvFrame, x: number, y: number) => f.data[f.width * f.height + (f.width >> 1) * (f.height >> 1) + (y >> 1) * (f.width >> 1) + (x >> 1)];

/** Accent-coloured (yellow: low U) pixels along row y between x0 and x1. */
function accentRun(f: YuvFrame, y: number, x0: number, x1: number): number {
  let n = 0;
  for (let x = x0; x < x1; x++) if (uAt(f, x, y) < 90 && lumaAt(f, x, y) > 120) n++;
  return n;
}

async function pollFixture() {
  const store = new SharedObjectStore({ clientRate: { perSecond: 1000, burst: 1000 } });
  await store.create('poll', 'poll', {}, producer);
  await store.apply('poll', 'open', { question: 'Who wins the final tonight?', options: ['Red', 'Blue'] }, producer);
  for (let i = 0; i < 4; i++) await store.apply('poll', 'vote', { voter: `v${i}`, option: i < 3 ? 0 : 1 }, { role: 'viewer', clientId: `v${i}` });
  const layer = layerFor(store);
  const spec = OverlaySpec.parse({ id: 'poll', kind: 'poll', object: 'poll', x: 0.5, y: 0.1, width: 0.45, height: 0.6, fadeMs: 0 });
  layer.add(spec);
  const box = overlayBox(spec, W, H);
  return { store, layer, spec, box };
}

describe('poll overlay burned into the program', () => {
  it('shows question and live percentages as bars and text, blended with soft alpha edges', async () => {
    const { store, layer, box } = await pollFixture();
    const frame = allocFrame(W, H, GREY);
    layer.compose(frame, 0);

    // Outside the overlay, and in the box's transparent rounded corner: the picture is untouched.
    expect(lumaAt(frame, box.x - 4, box.y + 50)).toBe(GREY.y);
    expect(lumaAt(frame, box.x, box.y)).toBe(GREY.y);
    expect(uAt(frame, box.x, box.y)).toBe(GREY.u);

    // The translucent panel (#101521 at 80%) darkens the picture but does not hide it.
    const panelY = rgbToYuv(0x10, 0x15, 0x21).y;
    const inside = lumaAt(frame, box.x + 6, box.y + Math.round(box.h / 2));
    expect(inside).toBeGreaterThan(panelY + 10);
    expect(inside).toBeLessThan(GREY.y - 40);
    expect(Math.abs(inside - (GREY.y + (panelY - GREY.y) * 0.8))).toBeLessThanOrEqual(3);

    // The rounded corner's antialiased pixels lie between the picture and the panel: no hard box.
    const corner: number[] = [];
    for (let y = 0; y < 24; y++) for (let x = 0; x < 24; x++) corner.push(lumaAt(frame, box.x + x, box.y + y));
    expect(corner.filter((v) => v < GREY.y - 4 && v > inside + 4).length).toBeGreaterThan(8);
    expect(corner.filter((v) => v === GREY.y).length).toBeGreaterThan(20);

    // Text: bright pixels where the question is, none in the empty gap under the footer.
    const state = store.get('poll').state as PollState;
    const L = pollLayout(box.w, box.h, state);
    const brightIn = (y0: number, y1: number) => {
      let n = 0;
      for (let y = Math.round(y0); y < Math.round(y1); y++) for (let x = box.x + L.pad; x < box.x + box.w - L.pad; x++) if (lumaAt(frame, x, y) > 200) n++;
      return n;
    };
    expect(brightIn(box.y + L.questionTop, box.y + L.questionTop + L.questionPx * 1.3)).toBeGreaterThan(200);
    expect(brightIn(box.y + box.h - L.pad * 0.6, box.y + box.h - 2)).toBe(0);

    // Bars: 75% and 25% of the track, in the accent colour.
    const barRow = (i: number) => box.y + Math.round(L.rows[i].barY + L.rows[i].barH / 2);
    const bars = [0, 1].map((i) => accentRun(frame, barRow(i), box.x, box.x + box.w) / L.barW);
    expect(bars[0]).toBeCloseTo(0.75, 1);
    expect(bars[1]).toBeCloseTo(0.25, 1);
    // The percentage text sits right of the label row.
    const pctRow = box.y + Math.round(L.rows[0].labelBaseline - L.labelPx * 0.35);
    let pctBright = 0;
    for (let x = box.x + box.w - L.pad - Math.round(L.labelPx * 3); x < box.x + box.w - L.pad; x++) if (lumaAt(frame, x, pctRow) > 150) pctBright++;
    expect(pctBright).toBeGreaterThan(3);

    // Two more votes for Blue: the very next frame shows 50/50.
    await store.apply('poll', 'vote', { voter: 'v4', option: 1 }, { role: 'viewer', clientId: 'v4' });
    await store.apply('poll', 'vote', { voter: 'v5', option: 1 }, { role: 'viewer', clientId: 'v5' });
    const next = allocFrame(W, H, GREY);
    layer.compose(next, 33);
    const after = [0, 1].map((i) => accentRun(next, barRow(i), box.x, box.x + box.w) / L.barW);
    expect(after[0]).toBeCloseTo(0.5, 1);
    expect(after[1]).toBeCloseTo(0.5, 1);
  });

  it('redraws only when the object or the overlay changes, not every frame', async () => {
    const { store, layer } = await pollFixture();
    const frame = allocFrame(W, H, GREY);
    layer.compose(frame, 0);
    const first = layer.stats.redraws;
    for (let i = 1; i <= 30; i++) layer.compose(frame, i * 33);
    expect(layer.stats.redraws).toBe(first);
    await store.apply('poll', 'vote', { voter: 'late', option: 0 }, { role: 'viewer', clientId: 'late' });
    // The layer redraws on the next event-loop turn by itself, off the frame path.
    await new Promise((resolve) => setImmediate(resolve));
    expect(layer.stats.redraws).toBe(first + 1);
    layer.compose(frame, 1000);
    expect(layer.stats.redraws).toBe(first + 1);
    layer.update({ id: 'poll', title: 'Fan vote' });
    layer.compose(frame, 1033);
    expect(layer.stats.redraws).toBe(first + 2);

    // A flood of votes between two frames: one redraw off the frame path, one in the next compose.
    for (let i = 0; i < 20; i++) {
      await store.apply('poll', 'vote', { voter: `flood${i}`, option: i % 2 }, { role: 'viewer', clientId: `f${i}` });
      await new Promise((resolve) => setImmediate(resolve));
    }
    expect(layer.stats.redraws).toBe(first + 3);
    layer.compose(frame, 1066);
    expect(layer.stats.redraws).toBe(first + 4);
  });

  it('refuses an overlay bound to an object of another type, and waits for a missing one', async () => {
    const { store, layer } = await pollFixture();
    expect(() => layer.add({ id: 'x', kind: 'auction', object: 'poll' })).toThrow(/is a poll/);
    const status = layer.add({ id: 'later', kind: 'chat', object: 'chat', fadeMs: 0 });
    layer.compose(allocFrame(W, H, GREY), 0);
    expect(layer.get('later').message).toMatch(/Waiting for shared object "chat"/);
    expect(status.visible).toBe(true);
    await store.create('chat', 'chat', {}, producer);
    await store.apply('chat', 'post', { author: 'ann', text: 'hello' }, producer);
    const frame = allocFrame(W, H, GREY);
    layer.compose(frame, 33);
    expect(layer.get('later').message).toBeUndefined();
    expect(() => layer.update({ id: 'poll', text: 'not a poll field' })).toThrow(/poll overlay/);
  });
});

describe('fades, z-order and kinds', () => {
  it('fades in and out over fadeMs of program time', () => {
    const layer = layerFor();
    layer.add({ id: 'lt', kind: 'lowerThird', name: 'Alex Morgan', title: 'Host', background: '#000000', fadeMs: 100, x: 0.1, y: 0.7, width: 0.5, height: 0.15 });
    const box = overlayBox(layer.get('lt').spec, W, H);
    const probe = (t: number) => {
      const f = allocFrame(W, H, { y: 200, u: 128, v: 128 });
      layer.compose(f, t);
      return lumaAt(f, box.x + box.w - 20, box.y + 10);
    };
    expect(probe(1000)).toBe(200);
    const half = probe(1050);
    expect(half).toBeGreaterThan(90);
    expect(half).toBeLessThan(130);
    expect(probe(1100)).toBe(16);
    expect(layer.get('lt').opacity).toBe(1);
    layer.hide('lt', 200);
    expect(probe(2000)).toBe(16);
    expect(probe(2100)).toBeGreaterThan(90);
    expect(probe(2200)).toBe(200);
    expect(layer.get('lt')).toMatchObject({ visible: false, opacity: 0 });
  });

  it('draws higher z on top, whatever the order of adding', () => {
    const layer = layerFor();
    layer.add({ id: 'top', kind: 'text', text: ' ', background: '#ff0000', z: 2, fadeMs: 0, x: 0.1, y: 0.1, width: 0.3, height: 0.2 });
    layer.add({ id: 'under', kind: 'text', text: ' ', background: '#0000ff', z: 1, fadeMs: 0, x: 0.2, y: 0.15, width: 0.3, height: 0.2 });
    const f = allocFrame(W, H, GREY);
    layer.compose(f, 0);
    const red = rgbToYuv(255, 0, 0);
    const blue = rgbToYuv(0, 0, 255);
    const x = Math.round(0.3 * W);
    const y = Math.round(0.2 * H);
    expect(Math.abs(vAt(f, x, y) - red.v)).toBeLessThanOrEqual(2);
    expect(Math.abs(uAt(f, Math.round(0.45 * W), y) - blue.u)).toBeLessThanOrEqual(2);
  });

  it('places a PNG with transparency from a file or a data URL', async () => {
    const png = createCanvas(100, 100);
    const ctx = png.getContext('2d');
    ctx.fillStyle = '#00ff00';
    ctx.fillRect(0, 0, 50, 100);
    const dir = await mkdtemp(join(tmpdir(), 'cutline-graphics-'));
    dirs.push(dir);
    await writeFile(join(dir, 'logo.png'), png.toBuffer('image/png'));
    const layer = new GraphicsLayer({ baseDir: dir });
    layers.push(layer);
    const box = { x: 0.5, y: 0.5, width: 100 / W, height: 100 / H, fadeMs: 0, fit: 'stretch' as const };
    layer.add({ id: 'file', kind: 'image', src: 'logo.png', ...box });
    layer.add({ id: 'url', kind: 'image', src: png.toDataURL('image/png'), ...box, y: 0.1 });
    layer.add({ id: 'bad', kind: 'image', src: 'missing.png', ...box });
    await layer.whenLoaded();
    const f = allocFrame(W, H, GREY);
    layer.compose(f, 0);
    const green = rgbToYuv(0, 255, 0);
    for (const y of [H / 2 + 50, Math.round(0.1 * H) + 50]) {
      expect(Math.abs(lumaAt(f, W / 2 + 20, y) - green.y)).toBeLessThanOrEqual(2);
      expect(lumaAt(f, W / 2 + 80, y)).toBe(GREY.y);
    }
    expect(layer.get('bad').message).toMatch(/Could not load image/);
  });

  it('scrolls the ticker with program time and keeps its label still', () => {
    const layer = layerFor();
    layer.add({ id: 't', kind: 'ticker', label: 'LIVE', items: ['First headline', 'Second headline'], fadeMs: 0, speed: 0.1 });
    const box = overlayBox(layer.get('t').spec, W, H);
    const row = (f: YuvFrame, x0: number, x1: number) => Array.from({ length: x1 - x0 }, (_, i) => lumaAt(f, x0 + i, box.y + Math.round(box.h / 2)));
    const a = allocFrame(W, H, GREY);
    const b = allocFrame(W, H, GREY);
    layer.compose(a, 0);
    layer.compose(b, 500);
    expect(row(a, 0, 40)).toEqual(row(b, 0, 40));
    expect(row(a, 300, 1200)).not.toEqual(row(b, 300, 1200));
    // 0.1 canvas widths per second for 0.5 s: the text moved 64 px left.
    expect(row(b, 300, 1100)).toEqual(row(a, 364, 1164));
  });

  it('shows the clock from the wall clock and redraws it once a second', () => {
    let now = Date.parse('2025-06-01T12:00:00Z');
    const layer = layerFor(undefined, () => now);
    layer.add({ id: 'c', kind: 'clock', timeZone: 'UTC', fadeMs: 0 });
    const f = allocFrame(W, H, GREY);
    layer.compose(f, 0);
    const before = layer.stats.redraws;
    now += 400;
    layer.compose(f, 400);
    expect(layer.stats.redraws).toBe(before);
    now += 600;
    layer.compose(f, 1000);
    expect(layer.stats.redraws).toBe(before + 1);
  });

  it('draws new chalkboard strokes incrementally with the same pixels as a full redraw', async () => {
    const store = new SharedObjectStore();
    await store.create('board', 'chalkboard', {}, producer);
    const incremental = layerFor(store);
    incremental.add({ id: 'b', kind: 'chalkboard', object: 'board', fadeMs: 0 });
    const f1 = allocFrame(W, H, GREY);
    incremental.compose(f1, 0);
    for (let i = 0; i < 5; i++) {
      await store.apply('board', 'stroke', { points: [[0.1, 0.1 + i * 0.15], [0.5, 0.2 + i * 0.1], [0.9, 0.1 + i * 0.15]], color: '#ff3300', width: 0.01 }, { role: 'guest', clientId: 'g' });
      incremental.compose(allocFrame(W, H, GREY), i);
    }
    const a = allocFrame(W, H, GREY);
    incremental.compose(a, 10);
    const full = layerFor(store);
    full.add({ id: 'b', kind: 'chalkboard', object: 'board', fadeMs: 0 });
    const b = allocFrame(W, H, GREY);
    full.compose(b, 10);
    expect(a.data.equals(b.data)).toBe(true);
    expect(a.data.equals(allocFrame(W, H, GREY).data)).toBe(false);
  });

  it('renders every kind without errors', async () => {
    const store = new SharedObjectStore({ clientRate: { perSecond: 1000, burst: 1000 } });
    await store.create('chat', 'chat', {}, producer);
    await store.apply('chat', 'post', { author: 'ann', text: 'A long message that has to wrap over more than one line in the box' }, producer);
    await store.create('bets', 'bets', { currency: '€' }, producer);
    await store.apply('bets', 'openMarket', { market: 'm', name: 'Winner', selections: [{ id: 'a', name: 'Home', odds: 1.9 }, { id: 'b', name: 'Away', odds: 2.4 }] }, producer);
    await store.create('lot', 'auction', { currency: '$' }, producer);
    await store.apply('lot', 'open', { startPrice: 10, minIncrement: 1, item: 'Jersey', durationMs: 60_000 }, producer);
    await store.apply('lot', 'bid', { bidder: 'bob', amount: 12 }, producer);
    await store.create('map', 'gps', {}, producer);
    await store.apply('map', 'update', { trackId: 'car', lat: 48.1, lon: 11.5 }, producer);
    await store.apply('map', 'update', { trackId: 'car', lat: 48.12, lon: 11.52 }, producer);
    await store.apply('map', 'update', { trackId: 'bike', lat: 48.11, lon: 11.49, label: 'Bike' }, producer);
    const layer = layerFor(store);
    const failures: string[] = [];
    layer.on('overlayFailed', (e) => failures.push(e.message));
    const specs = [
      { id: 'text', kind: 'text', text: 'Hello' },
      { id: 'cd', kind: 'countdown', durationMs: 90_000, label: 'Kick-off' },
      { id: 'chat', kind: 'chat', object: 'chat', title: 'Chat' },
      { id: 'bets', kind: 'bets', object: 'bets' },
      { id: 'lot', kind: 'auction', object: 'lot' },
      { id: 'map', kind: 'gps', object: 'map', title: 'Race' },
    ];
    for (const s of specs) layer.add({ ...s, fadeMs: 0 });
    const f = allocFrame(W, H, GREY);
    layer.compose(f, 0);
    expect(failures).toEqual([]);
    for (const s of specs) {
      const box = overlayBox(layer.get(s.id).spec, W, H);
      let changed = 0;
      for (let y = box.y; y < box.y + box.h; y += 3) for (let x = box.x; x < box.x + box.w; x += 3) if (lumaAt(f, x, y) !== GREY.y) changed++;
      expect(changed, s.id).toBeGreaterThan(20);
    }
  });
});

describe('blendPrepared', () => {
  /** The straight-alpha float blend of media/yuv.ts's colours, per pixel and per 2×2 block: the reference. */
  function reference(canvas: YuvFrame, rgba: Uint8ClampedArray, w: number, h: number, dx: number, dy: number, opacity: number) {
    const out = Buffer.from(canvas.data);
    const cw = canvas.width >> 1;
    const uOff = canvas.width * canvas.height;
    const vOff = uOff + cw * (canvas.height >> 1);
    const yuv = (p: number) => rgbToYuv(rgba[p], rgba[p + 1], rgba[p + 2]);
    for (let y = 0; y < h; y++)
      for (let x = 0; x < w; x++) {
        const p = (y * w + x) * 4;
        const a = (rgba[p + 3] / 255) * opacity;
        const i = (dy + y) * canvas.width + dx + x;
        out[i] = Math.round(out[i] + a * (yuv(p).y - out[i]));
      }
    for (let y = 0; y < h / 2; y++)
      for (let x = 0; x < w / 2; x++) {
        let sa = 0;
        let su = 0;
        let sv = 0;
        for (const [ox, oy] of [[0, 0], [1, 0], [0, 1], [1, 1]]) {
          const p = ((2 * y + oy) * w + 2 * x + ox) * 4;
          const a = rgba[p + 3];
          sa += a;
          su += a * yuv(p).u;
          sv += a * yuv(p).v;
        }
        if (sa === 0) continue;
        const a = (sa / 4 / 255) * opacity;
        const i = ((dy >> 1) + y) * cw + (dx >> 1) + x;
        out[uOff + i] = Math.round(out[uOff + i] + a * (su / sa - out[uOff + i]));
        out[vOff + i] = Math.round(out[vOff + i] + a * (sv / sa - out[vOff + i]));
      }
    return out;
  }

  it('converts colours exactly as media/yuv.ts does', () => {
    const colors = [[0, 0, 0], [255, 255, 255], [255, 0, 0], [0, 255, 0], [0, 0, 255], [242, 183, 5], [16, 21, 33], [128, 64, 200]];
    for (const [r, g, b] of colors) {
      const rgba = new Uint8ClampedArray(2 * 2 * 4);
      for (let i = 0; i < 4; i++) rgba.set([r, g, b, 255], i * 4);
      const canvas = allocFrame(2, 2, { y: 0, u: 0, v: 0 });
      blendPrepared(canvas, prepare(rgba, 2, 2), 0, 0);
      const want = rgbToYuv(r, g, b);
      expect(Math.abs(canvas.data[0] - want.y), `Y of ${r},${g},${b}`).toBeLessThanOrEqual(1);
      expect(Math.abs(canvas.data[4] - want.u), `U of ${r},${g},${b}`).toBeLessThanOrEqual(1);
      expect(Math.abs(canvas.data[5] - want.v), `V of ${r},${g},${b}`).toBeLessThanOrEqual(1);
    }
  });

  it('matches a float reference within 2 levels, on every span kind, at any alignment and opacity', () => {
    const w = 120;
    const h = 40;
    const c = createCanvas(w, h);
    const ctx = c.getContext('2d');
    ctx.fillStyle = 'rgba(20,40,200,0.6)';
    ctx.beginPath();
    ctx.roundRect(0, 0, w, h, 12);
    ctx.fill();
    ctx.fillStyle = '#ffcc00';
    ctx.fillRect(30, 5, 40, 10);
    ctx.fillStyle = '#ffffff';
    ctx.font = 'bold 16px sans-serif';
    ctx.fillText('Mixed text', 8, 34);
    const rgba = ctx.getImageData(0, 0, w, h).data;
    const bmp = prepare(rgba, w, h);
    // A frame whose bytes start at an odd offset in their buffer exercises the unaligned words.
    const backing = Buffer.alloc(frameBytes(256, 128) + 3);
    for (let i = 0; i < backing.length; i++) backing[i] = (i * 37) & 255;
    for (const [offset, dx, opacity] of [[0, 0, 1], [1, 2, 1], [3, 6, 0.5], [2, 10, 0.8]] as const) {
      const canvas: YuvFrame = { width: 256, height: 128, data: backing.subarray(offset, offset + frameBytes(256, 128)) };
      const expected = reference(canvas, rgba, w, h, dx, 8, opacity);
      blendPrepared(canvas, bmp, dx, 8, opacity);
      let worst = 0;
      for (let i = 0; i < expected.length; i++) worst = Math.max(worst, Math.abs(expected[i] - canvas.data[i]));
      expect(worst, `offset ${offset} dx ${dx} opacity ${opacity}`).toBeLessThanOrEqual(2);
    }
  });

  it('re-converts only changed rows and ends with the same bitmap as a fresh conversion', () => {
    const c = createCanvas(90, 30);
    const ctx = c.getContext('2d');
    ctx.fillStyle = 'rgba(0,0,0,0.7)';
    ctx.fillRect(0, 0, 90, 30);
    ctx.fillStyle = '#fff';
    ctx.font = '12px sans-serif';
    ctx.fillText('before', 5, 12);
    const reused = prepare(ctx.getImageData(0, 0, 90, 30).data, 90, 30);
    ctx.fillStyle = '#f00';
    ctx.fillRect(10, 20, 50, 5);
    const changed = ctx.getImageData(0, 0, 90, 30).data;
    const diffed = prepare(changed, 90, 30, reused);
    expect(diffed).toBe(reused);
    const fresh = prepare(changed, 90, 30);
    const a = allocFrame(90, 30, GREY);
    const b = allocFrame(90, 30, GREY);
    blendPrepared(a, diffed, 0, 0);
    blendPrepared(b, fresh, 0, 0);
    expect(a.data.equals(b.data)).toBe(true);
  });

  it('clips at the canvas edges and blends only a window of the source', () => {
    const w = 64;
    const h = 16;
    const rgba = new Uint8ClampedArray(w * h * 4);
    for (let i = 0; i < w * h; i++) rgba.set([255, 255, 255, 255], i * 4);
    const bmp = prepare(rgba, w, h);
    const canvas = allocFrame(100, 50, { y: 16, u: 128, v: 128 });
    blendPrepared(canvas, bmp, -10, 40, 1);
    expect(lumaAt(canvas, 0, 45)).toBe(235);
    expect(lumaAt(canvas, 54, 45)).toBe(16);
    expect(lumaAt(canvas, 53, 45)).toBe(235);
    expect(lumaAt(canvas, 0, 39)).toBe(16);
    const windowed = allocFrame(100, 50, { y: 16, u: 128, v: 128 });
    blendPrepared(windowed, bmp, 20, 0, 1, 10, 20);
    expect(lumaAt(windowed, 19, 5)).toBe(16);
    expect(lumaAt(windowed, 20, 5)).toBe(235);
    expect(lumaAt(windowed, 39, 5)).toBe(235);
    expect(lumaAt(windowed, 40, 5)).toBe(16);
  });
});
