/**
 * Bench: what the graphics layer costs the compositor per 1080p frame with a typical overlay set
 * (logo, lower third, clock, ticker, live poll, chat, auction), the cost of redrawing after a
 * change (off the frame path), and the same bitmaps blended with media/yuv.ts's per-pixel
 * blendRgba for comparison. Run by hand: `npx tsx bench/overlays.ts` (about 10 s of one core).
 */
import { createCanvas } from '@napi-rs/canvas';
import { GraphicsLayer } from '../electron/engine/graphics/GraphicsLayer.ts';
import { allocFrame, blendRgba, type YuvFrame } from '../electron/engine/media/yuv.ts';
import { SharedObjectStore } from '../electron/engine/objects/SharedObjectStore.ts';

const W = 1920;
const H = 1080;
const FRAMES = 300;
const producer = { role: 'producer' as const };

function stats(samples: number[]) {
  const s = [...samples].sort((a, b) => a - b);
  const mean = s.reduce((a, b) => a + b, 0) / s.length;
  return { mean, p50: s[Math.floor(s.length / 2)], p99: s[Math.floor(s.length * 0.99)], max: s[s.length - 1] };
}
const fmt = (x: { mean: number; p50: number; p99: number; max: number }) =>
  `mean ${x.mean.toFixed(3)} ms, p50 ${x.p50.toFixed(3)}, p99 ${x.p99.toFixed(3)}, max ${x.max.toFixed(3)}`;

function logoDataUrl(): string {
  const c = createCanvas(256, 256);
  const ctx = c.getContext('2d');
  ctx.fillStyle = 'rgba(230,57,70,0.9)';
  ctx.beginPath();
  ctx.arc(128, 128, 110, 0, Math.PI * 2);
  ctx.fill();
  ctx.fillStyle = '#fff';
  ctx.font = 'bold 90px sans-serif';
  ctx.textAlign = 'center';
  ctx.textBaseline = 'middle';
  ctx.fillText('CL', 128, 132);
  return c.toDataURL('image/png');
}

/** A camera-like background: a gradient, so blending has real work on every pixel. */
function background(): YuvFrame {
  const f = allocFrame(W, H);
  for (let y = 0; y < H; y++) f.data.fill(40 + ((y * 160) / H) | 0, y * W, (y + 1) * W);
  return f;
}

const store = new SharedObjectStore({ clientRate: { perSecond: 1e6, burst: 1e6 } });
await store.create('poll', 'poll', {}, producer);
await store.apply('poll', 'open', { question: 'Who takes the title tonight?', options: ['Red team', 'Blue team', 'Green team', 'Nobody'] }, producer);
for (let i = 0; i < 40; i++) await store.apply('poll', 'vote', { voter: `v${i}`, option: i % 4 }, { role: 'viewer', clientId: `v${i}` });
await store.create('chat', 'chat', { rate: { perSecond: 1e3, burst: 1e3 } }, producer);
for (let i = 0; i < 8; i++) await store.apply('chat', 'post', { author: `viewer${i}`, text: `Great match so far, message number ${i}!` }, producer);
await store.create('lot', 'auction', { currency: '$' }, producer);
await store.apply('lot', 'open', { startPrice: 100, minIncrement: 10, item: 'Signed jersey', durationMs: 600_000 }, producer);
await store.apply('lot', 'bid', { bidder: 'ann', amount: 250 }, producer);

const layer = new GraphicsLayer({ objects: store });
const common = { fadeMs: 0 };
// A typical on-air set: logo, lower third, clock, ticker and a live poll.
layer.add({ ...common, id: 'logo', kind: 'image', src: logoDataUrl() });
layer.add({ ...common, id: 'lower', kind: 'lowerThird', name: 'Alex Morgan', title: 'Lead commentator, Cutline Sports' });
layer.add({ ...common, id: 'clock', kind: 'clock' });
layer.add({ ...common, id: 'ticker', kind: 'ticker', label: 'LIVE', items: ['Red team leads 2-1', 'Next match at 21:00', 'Vote now in the poll', 'Auction closes in 10 minutes'] });
layer.add({ ...common, id: 'poll', kind: 'poll', object: 'poll' });
await layer.whenLoaded();

const bg = background();
const canvas = allocFrame(W, H);
let frame = 0;
function composeTimed(): number {
  bg.data.copy(canvas.data);
  const t = performance.now();
  layer.compose(canvas, frame++ * 33.333);
  return performance.now() - t;
}
// Warm up: first draws and JIT.
for (let i = 0; i < 30; i++) composeTimed();

/** Wall-clock stats per frame, plus CPU time per frame (steadier when other processes share the cores). */
function run(label: string): ReturnType<typeof stats> & { cpu: number } {
  const cpu0 = process.cpuUsage();
  const s = stats(Array.from({ length: FRAMES }, composeTimed));
  const used = process.cpuUsage(cpu0);
  // Includes the 3 MB background copy per frame (about 0.2 ms), which is not the layer's.
  const cpu = (used.user + used.system) / 1000 / FRAMES;
  console.log(`${label}: ${fmt(s)}; CPU ${cpu.toFixed(3)} ms/frame incl. background copy`);
  return { ...s, cpu };
}

const typical = run('compose, typical set (logo, lower third, clock, ticker, poll) at 1080p');

// A heavy set: half the frame under translucent panels.
layer.add({ ...common, id: 'chat', kind: 'chat', object: 'chat', x: 0.02, y: 0.3, width: 0.26, height: 0.4 });
layer.add({ ...common, id: 'auction', kind: 'auction', object: 'lot' });
for (let i = 0; i < 10; i++) composeTimed();
const heavy = run('compose, heavy set (+ chat, auction: 7 overlays, ~1 Mpx of panels)');

// The same overlays fading (every pixel blended, no copies of opaque runs).
for (const o of layer.list()) layer.update({ id: o.id, opacity: 0.8 });
for (let i = 0; i < 10; i++) composeTimed();
const faded = run('compose, heavy set at opacity 0.8 (fade path)');
for (const o of layer.list()) layer.update({ id: o.id, opacity: 1 });
for (let i = 0; i < 10; i++) composeTimed();

// A vote before every frame, redrawn inside compose (the worst case: no event-loop turn between).
const busy: number[] = [];
const redraws: number[] = [];
for (let i = 0; i < 60; i++) {
  await store.apply('poll', 'vote', { voter: `busy${i}`, option: i % 4 }, { role: 'viewer', clientId: `busy${i}` });
  if (i % 2 === 0) busy.push(composeTimed());
  else {
    // What the layer does on its own after a change, off the frame path.
    const t = performance.now();
    layer.prerender();
    redraws.push(performance.now() - t);
    composeTimed();
  }
}
const busyStats = stats(busy);
console.log(`compose right after a poll vote (redraw on the frame path): ${fmt(busyStats)}`);
console.log(`redraw of the poll after a vote (prerender, off the frame path): ${fmt(stats(redraws))}`);

// Baseline: the same bitmaps through media/yuv.ts blendRgba (per-pixel float conversion).
const boxes = [
  [1608, 42, 268, 150],
  [96, 798, 960, 140],
  [1612, 42, 230, 64],
  [0, 992, 1920, 64],
  [1152, 216, 690, 432],
  [38, 324, 498, 432],
  [1190, 668, 652, 302],
] as const;
const rgbas = boxes.map(([, , w, h]) => {
  const c = createCanvas(w, h);
  const ctx = c.getContext('2d');
  ctx.fillStyle = 'rgba(16,21,33,0.8)';
  ctx.beginPath();
  ctx.roundRect(0, 0, w, h, 16);
  ctx.fill();
  ctx.fillStyle = '#fff';
  ctx.font = `bold ${Math.round(h * 0.2)}px sans-serif`;
  ctx.fillText('Baseline text', 20, h * 0.5);
  return ctx.getImageData(0, 0, w, h).data;
});
const base: number[] = [];
for (let i = 0; i < 60; i++) {
  bg.data.copy(canvas.data);
  const t = performance.now();
  boxes.forEach(([x, y, w, h], k) => blendRgba(canvas, rgbas[k], w, h, x, y, 1));
  base.push(performance.now() - t);
}
console.log(`baseline: media/yuv.ts blendRgba of 7 same-size panels: ${fmt(stats(base))}`);

console.log(
  `\nresult: typical set p50 ${typical.p50.toFixed(2)} ms per 1080p frame (mean ${typical.mean.toFixed(2)}), heavy set p50 ${heavy.p50.toFixed(2)} ms ` +
    `(mean ${heavy.mean.toFixed(2)}, fading p50 ${faded.p50.toFixed(2)}); budget 2 ms: ${typical.p50 < 2 && heavy.p50 < 2 ? 'OK' : 'OVER'}`,
);
layer.dispose();
