/**
 * The graphics layer of a program: the overlays (images, text, lower thirds, clock, countdown,
 * ticker, and data overlays bound to shared objects), their z-order and fades.
 *
 * Each overlay is drawn with @napi-rs/canvas into a cached bitmap only when its picture changes
 * (spec, size, object version, shown time) and prepared for I420 blending (blend.ts). The
 * compositor calls compose() every frame, which only blends cached bitmaps in z-order with their
 * fade opacity. Redraws after an object change run on the next turn of the event loop, off the
 * frame path; compose() redraws anything still stale, so a change is in the very next frame.
 */
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { type Canvas, createCanvas, type Image, loadImage } from '@napi-rs/canvas';
import {
  DATA_OVERLAY_TYPES,
  isDataOverlay,
  type ObjectSnapshot,
  OverlaySpec,
  type OverlayStatus,
  OverlayUpdate,
} from '../../../shared/objects.ts';
import { ProtocolError } from '../../../shared/protocol.ts';
import { describeZodError } from '../../../shared/show.ts';
import type { YuvFrame } from '../media/yuv.ts';
import type { ObjectStore } from '../objects/ObjectStore.ts';
import { TypedEmitter } from '../TypedEmitter.ts';
import { blendPrepared, type PreparedBitmap, prepare, updateBand } from './blend.ts';
import type { Ctx } from './draw.ts';
import { drawTickerStrip, type RenderInput, rendererFor, tickerLabelWidth, tickerUnitWidth } from './renderers.ts';

/** What the layer needs from the shared-object store. */
export type ObjectSource = Pick<ObjectStore, 'peek' | 'on'>;

export interface GraphicsLayerOptions {
  objects?: ObjectSource;
  /** Wall clock for clocks, countdowns and auction deadlines (ms since epoch). */
  wallClock?: () => number;
  /** Folder relative image paths are resolved against (the show file's). */
  baseDir?: string;
}

export interface GraphicsEvents {
  /** Overlays were added, updated, shown, hidden or removed. */
  changed: { overlays: OverlayStatus[] };
  /** An overlay cannot be drawn (image failed to load, renderer error). */
  overlayFailed: { id: string; message: string };
}

/** The program size thumbnails are drawn for (small: they are for a list). */
const THUMB_WIDTH = 640;
const THUMB_HEIGHT = 360;

/** Widest ticker text drawn (Skia's canvas limit is 32767 px); later items are dropped. */
const MAX_TICKER_UNIT = 16_000;

interface Fade {
  from: number;
  to: number;
  /** Program time the fade began, set by the first compose after the change. */
  start?: number;
  duration: number;
}

interface Overlay {
  spec: OverlaySpec;
  /** Bumped on every spec change: part of the cache key (cheaper than comparing specs). */
  rev: number;
  seq: number;
  since: number;
  fade: Fade;
  /** Fade value in the last composed frame. */
  level: number;
  /** The frame interval (count of composes) in which it was last redrawn. */
  drawnIn: number;
  canvas?: Canvas;
  bitmap?: PreparedBitmap;
  key?: string;
  lastInput?: RenderInput;
  message?: string;
  image?: Image;
  imageGen: number;
  imageLoad?: Promise<void>;
  ticker?: { key: string; strip: PreparedBitmap; unit: number; labelW: number; start?: number };
}

export interface Box {
  x: number;
  y: number;
  w: number;
  h: number;
}

const evenFloor = (n: number) => Math.floor(n / 2) * 2;

/** Where an overlay lands on a cw×ch canvas, in even pixels. */
export function overlayBox(spec: OverlaySpec, cw: number, ch: number): Box {
  const x = evenFloor(spec.x * cw);
  const y = evenFloor(spec.y * ch);
  return { x, y, w: Math.max(2, Math.min(evenFloor(spec.width * cw + 1), cw - x)), h: Math.max(2, Math.min(evenFloor(spec.height * ch + 1), ch - y)) };
}

function invalid(message: string): never {
  throw new ProtocolError('invalid_params', message);
}

export class GraphicsLayer extends TypedEmitter<GraphicsEvents> {
  private readonly overlays = new Map<string, Overlay>();
  private ordered: Overlay[] = [];
  private seq = 0;
  private size?: { width: number; height: number };
  /** Composes so far: the current frame interval. */
  private interval = 0;
  private scheduled = false;
  private messageAnnounce = false;
  private readonly objects?: ObjectSource;
  private readonly wallClock: () => number;
  private readonly baseDir: string;
  private readonly unsubscribe: (() => void)[] = [];
  /** Bitmap redraws since creation (diagnostics, and proof that frames alone redraw nothing). */
  readonly stats = { redraws: 0 };

  constructor(options: GraphicsLayerOptions = {}) {
    super();
    this.objects = options.objects;
    this.wallClock = options.wallClock ?? Date.now;
    this.baseDir = options.baseDir ?? process.cwd();
    if (this.objects) {
      const touched = ({ id }: { id: string }) => {
        for (const o of this.overlays.values()) if (isDataOverlay(o.spec) && o.spec.object === id) this.schedule();
      };
      this.unsubscribe.push(this.objects.on('changed', touched), this.objects.on('created', touched), this.objects.on('deleted', touched));
    }
  }

  /** `overlay.add`: validates, adds (fading in if visible) and returns its status. */
  add(input: unknown): OverlayStatus {
    const parsed = OverlaySpec.safeParse(input);
    if (!parsed.success) invalid(`Bad overlay: ${describeZodError(parsed.error)}`);
    const spec = parsed.data;
    if (this.overlays.has(spec.id)) throw new ProtocolError('conflict', `An overlay "${spec.id}" already exists: update or remove it.`);
    this.checkObjectType(spec);
    const o: Overlay = {
      spec,
      rev: 0,
      seq: this.seq++,
      since: this.wallClock(),
      fade: { from: 0, to: spec.visible ? 1 : 0, duration: spec.fadeMs },
      level: 0,
      drawnIn: -1,
      imageGen: 0,
    };
    this.overlays.set(spec.id, o);
    if (spec.kind === 'image') this.loadImage(o);
    this.changed();
    return this.status(o);
  }

  /** `overlay.update`: changes fields (not the kind); a change of `visible` fades. */
  update(input: unknown): OverlayStatus {
    const patch = OverlayUpdate.safeParse(input);
    if (!patch.success) invalid(`Bad overlay update: ${describeZodError(patch.error)}`);
    const o = this.require(patch.data.id);
    const merged = OverlaySpec.safeParse({ ...o.spec, ...patch.data, kind: o.spec.kind });
    if (!merged.success) invalid(`Bad overlay update for a ${o.spec.kind} overlay: ${describeZodError(merged.error)}`);
    const spec = merged.data;
    this.checkObjectType(spec);
    const srcChanged = spec.kind === 'image' && o.spec.kind === 'image' && spec.src !== o.spec.src;
    if (spec.visible !== o.spec.visible) this.fadeTo(o, spec.visible, spec.fadeMs);
    o.spec = spec;
    o.rev++;
    o.since = this.wallClock();
    if (srcChanged) this.loadImage(o);
    this.changed();
    return this.status(o);
  }

  show(id: string, fadeMs?: number): OverlayStatus {
    return this.setVisible(id, true, fadeMs);
  }

  hide(id: string, fadeMs?: number): OverlayStatus {
    return this.setVisible(id, false, fadeMs);
  }

  remove(id: string): void {
    this.require(id);
    this.overlays.delete(id);
    this.changed();
  }

  list(): OverlayStatus[] {
    return this.sorted().map((o) => this.status(o));
  }

  get(id: string): OverlayStatus {
    return this.status(this.require(id));
  }

  /**
   * `overlay.thumbnail`: the overlay drawn on its own as it would be on a 640×360 program, whether
   * it is shown or not, as a PNG data: URL. Drawn fresh (not from the program's cache, which only
   * holds shown overlays at the program's size); a ticker shows its band without the moving text.
   */
  thumbnail(id: string): { id: string; png: string; width: number; height: number } {
    const o = this.require(id);
    const box = overlayBox(o.spec, THUMB_WIDTH, THUMB_HEIGHT);
    const canvas = createCanvas(box.w, box.h);
    const input: RenderInput = { spec: o.spec, width: box.w, height: box.h, object: this.boundObject(o), wallNow: this.wallClock(), since: o.since, image: o.image };
    try {
      rendererFor(o.spec.kind).draw(canvas.getContext('2d'), input);
    } catch (error) {
      throw new ProtocolError('failed', `Could not draw overlay "${id}": ${(error as Error).message}`);
    }
    return { id, png: `data:image/png;base64,${canvas.toBuffer('image/png').toString('base64')}`, width: box.w, height: box.h };
  }

  /** Resolves when pending image loads have finished (successfully or not). */
  async whenLoaded(): Promise<void> {
    await Promise.all([...this.overlays.values()].map((o) => o.imageLoad));
  }

  /**
   * Blends every visible overlay onto `canvas` in z-order. `nowMs` is the frame's program time:
   * fades and the ticker's scroll follow it, so they are smooth whatever the wall clock does.
   */
  compose(canvas: YuvFrame, nowMs: number): void {
    this.size = { width: canvas.width, height: canvas.height };
    for (const o of this.sorted()) {
      const level = this.fadeLevel(o, nowMs);
      o.level = level;
      const opacity = level * o.spec.opacity;
      if (opacity < 1 / 256) continue;
      const box = overlayBox(o.spec, canvas.width, canvas.height);
      this.render(o, box);
      if (o.bitmap) blendPrepared(canvas, o.bitmap, box.x, box.y, opacity);
      if (o.ticker && o.spec.kind === 'ticker') {
        const t = o.ticker;
        t.start ??= nowMs;
        const textW = box.w - t.labelW;
        const offset = evenFloor(((((nowMs - t.start) / 1000) * o.spec.speed * canvas.width) % t.unit + t.unit) % t.unit);
        blendPrepared(canvas, t.strip, box.x + t.labelW, box.y, opacity, offset, textW);
      }
    }
    this.interval++;
  }

  /**
   * Draws stale visible overlays now, for the last canvas size: runs by itself on the event-loop
   * turn after a change. At most once per overlay per frame interval, so a flood of votes costs
   * one redraw here and, if more came after it, one in the next compose, not one per vote.
   */
  prerender(): void {
    if (!this.size) return;
    for (const o of this.sorted()) {
      if ((o.fade.to === 0 && o.level === 0) || o.drawnIn === this.interval) continue;
      this.render(o, overlayBox(o.spec, this.size.width, this.size.height));
    }
  }

  dispose(): void {
    for (const off of this.unsubscribe.splice(0)) off();
    this.overlays.clear();
    this.ordered = [];
  }

  private setVisible(id: string, visible: boolean, fadeMs?: number): OverlayStatus {
    const o = this.require(id);
    if (o.spec.visible !== visible) {
      this.fadeTo(o, visible, fadeMs ?? o.spec.fadeMs);
      o.spec = { ...o.spec, visible };
      if (o.ticker) o.ticker.start = visible ? undefined : o.ticker.start;
      this.changed();
    }
    return this.status(o);
  }

  private fadeTo(o: Overlay, visible: boolean, duration: number): void {
    o.fade = { from: o.level, to: visible ? 1 : 0, duration };
  }

  private fadeLevel(o: Overlay, now: number): number {
    const f = o.fade;
    f.start ??= now;
    // A restarted program (output.set) counts its time from 0 again: a fade begun before is over.
    if (now < f.start) f.start = now - f.duration;
    const t = f.duration > 0 ? Math.min(1, Math.max(0, (now - f.start) / f.duration)) : 1;
    return f.from + (f.to - f.from) * t;
  }

  private require(id: string): Overlay {
    const o = this.overlays.get(id);
    if (!o) throw new ProtocolError('not_found', `No overlay "${id}". overlay.list shows the ones that exist.`);
    return o;
  }

  private checkObjectType(spec: OverlaySpec): void {
    if (!isDataOverlay(spec) || !this.objects) return;
    const snap = this.objects.peek(spec.object);
    const needed = DATA_OVERLAY_TYPES[spec.kind];
    if (snap && snap.type !== needed) invalid(`Object "${spec.object}" is a ${snap.type}; a ${spec.kind} overlay shows a ${needed}.`);
  }

  private sorted(): Overlay[] {
    if (this.ordered.length === 0 && this.overlays.size > 0) {
      this.ordered = [...this.overlays.values()].sort((a, b) => a.spec.z - b.spec.z || a.seq - b.seq);
    }
    return this.ordered;
  }

  private changed(): void {
    this.ordered = [];
    this.schedule();
    this.emit('changed', { overlays: this.list() });
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      this.prerender();
    });
  }

  /**
   * Why an overlay shows nothing is part of its status: a change of it is announced like any other
   * (once per event-loop turn, off the frame path), so a UI sees "could not load image" at once.
   */
  private setMessage(o: Overlay, message: string | undefined): void {
    if (o.message === message) return;
    o.message = message;
    if (this.messageAnnounce) return;
    this.messageAnnounce = true;
    setImmediate(() => {
      this.messageAnnounce = false;
      if (this.overlays.size > 0 || this.ordered.length > 0) this.emit('changed', { overlays: this.list() });
    });
  }

  private status(o: Overlay): OverlayStatus {
    const s: OverlayStatus = { id: o.spec.id, kind: o.spec.kind, visible: o.spec.visible, opacity: o.level * o.spec.opacity, spec: o.spec };
    if (o.message) s.message = o.message;
    return s;
  }

  private boundObject(o: Overlay): ObjectSnapshot | undefined {
    if (!isDataOverlay(o.spec)) return undefined;
    const snap = this.objects?.peek(o.spec.object);
    const needed = DATA_OVERLAY_TYPES[o.spec.kind];
    if (!snap) this.setMessage(o, `Waiting for shared object "${o.spec.object}" (a ${needed}).`);
    else if (snap.type !== needed) this.setMessage(o, `Object "${o.spec.object}" is a ${snap.type}, not a ${needed}.`);
    else {
      this.setMessage(o, undefined);
      return snap;
    }
    return undefined;
  }

  /** Redraws the overlay's bitmap if its cache key changed. */
  private render(o: Overlay, box: Box): void {
    const object = this.boundObject(o);
    const input: RenderInput = { spec: o.spec, width: box.w, height: box.h, object, wallNow: this.wallClock(), since: o.since, image: o.image };
    const renderer = rendererFor(o.spec.kind);
    const key = `${o.rev}|${box.w}x${box.h}|${object?.version ?? -1}|${o.imageGen}:${o.image ? 1 : 0}|${renderer.dynamicKey?.(input) ?? ''}`;
    if (key === o.key) return;
    try {
      const sameSize = o.canvas?.width === box.w && o.canvas.height === box.h;
      if (!sameSize) o.canvas = createCanvas(box.w, box.h);
      const canvas = o.canvas as Canvas;
      const ctx = canvas.getContext('2d');
      const damage = sameSize && o.bitmap && o.lastInput && renderer.update ? renderer.update(ctx, input, o.lastInput) : 'full';
      if (damage === 'full') {
        ctx.reset();
        renderer.draw(ctx, input);
        o.bitmap = prepare(ctx.getImageData(0, 0, box.w, box.h).data, box.w, box.h, o.bitmap);
      } else if (damage.y1 > damage.y0 && o.bitmap) {
        updateBand(o.bitmap, ctx.getImageData(0, damage.y0, box.w, damage.y1 - damage.y0).data, box.w, damage.y0, damage.y1);
      }
      if (o.spec.kind === 'ticker') this.renderTickerStrip(o, ctx, box);
      o.key = key;
      o.lastInput = input;
      this.stats.redraws++;
      o.drawnIn = this.interval;
    } catch (error) {
      o.key = key;
      o.bitmap = undefined;
      const message = `Could not draw overlay "${o.spec.id}": ${(error as Error).message}`;
      this.setMessage(o, message);
      this.emit('overlayFailed', { id: o.spec.id, message });
    }
  }

  private renderTickerStrip(o: Overlay, ctx: Ctx, box: Box): void {
    if (o.spec.kind !== 'ticker') return;
    let spec = o.spec;
    const labelW = tickerLabelWidth(ctx, spec, box.h);
    let unit = tickerUnitWidth(ctx, spec, box.h);
    while (unit > MAX_TICKER_UNIT && spec.items.length > 1) {
      spec = { ...spec, items: spec.items.slice(0, -1) };
      unit = tickerUnitWidth(ctx, spec, box.h);
    }
    unit = Math.max(2, Math.min(unit, MAX_TICKER_UNIT));
    const textW = Math.max(2, box.w - labelW);
    // Enough copies that any window of textW starting within the first copy is covered.
    const repeats = Math.ceil(textW / unit) + 1;
    const key = `${o.rev}|${box.w}x${box.h}`;
    if (o.ticker?.key === key) return;
    const strip = createCanvas(unit * repeats, box.h);
    const sctx = strip.getContext('2d');
    drawTickerStrip(sctx, spec, box.h, unit, repeats);
    o.ticker = { key, strip: prepare(sctx.getImageData(0, 0, strip.width, box.h).data, strip.width, box.h), unit, labelW, start: o.ticker?.start };
  }

  private loadImage(o: Overlay): void {
    if (o.spec.kind !== 'image') return;
    const gen = ++o.imageGen;
    const src = o.spec.src;
    o.image = undefined;
    o.imageLoad = (async () => {
      let data: Buffer;
      const dataUrl = /^data:([^;,]*)(;base64)?,(.*)$/s.exec(src);
      if (dataUrl) data = dataUrl[2] ? Buffer.from(dataUrl[3], 'base64') : Buffer.from(decodeURIComponent(dataUrl[3]));
      else if (/^[a-z][a-z0-9+.-]+:\/\//i.test(src)) throw new Error('use a file path or a data: URL (URLs are not fetched)');
      else data = await readFile(resolve(this.baseDir, src));
      const img = await loadImage(data);
      if (gen !== o.imageGen) return;
      o.image = img;
      this.setMessage(o, undefined);
      this.schedule();
    })().catch((error: Error) => {
      if (gen !== o.imageGen) return;
      const message = `Could not load image for overlay "${o.spec.id}": ${error.message}`;
      this.setMessage(o, message);
      this.emit('overlayFailed', { id: o.spec.id, message });
    });
  }
}
