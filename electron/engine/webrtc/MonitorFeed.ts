/**
 * The desk's monitors other than program, as ONE WHEP video (`/whep/monitors`): a 960×540 mosaic
 * (shared/monitorMosaic.ts) with the preview layout composed in its top-left and every source's
 * latest frame scaled into a 160×90 tile, composed at ≤ 15 fps right after a program frame and
 * encoded once (libx264 ultrafast/zerolatency, Constrained Baseline, 1 s keyframes) for every
 * viewer. The preview carries the overlays on air and those cued with `onPreview` (PreviewGraphics).
 * Nothing is composed or encoded while nobody watches. The UI crops the preview monitor
 * and each multiview tile out of this one picture.
 *
 * Cost is bounded by the mosaic, not by the show: the preview is composed at 640×360 (the
 * compositor scales tiles nearest-neighbour), a tile is a nearest-neighbour scale of at most
 * 160×90, and the encode is 960×540 at 15 fps whatever the program's size.
 */
import {
  MOSAIC_HEIGHT,
  MOSAIC_SLOTS,
  MOSAIC_WIDTH,
  type MosaicRect,
  mosaicPreviewRect,
} from '../../../shared/monitorMosaic.ts';
import type { FfmpegProcess } from '../ffmpeg/FfmpegProcess.ts';
import { spawnFlvProcess } from '../ffmpeg/flvProcess.ts';
import type { FlvTag } from '../media/flv.ts';
import { allocFrame, blit, fillRect, frameBytes, type YuvFrame } from '../media/yuv.ts';
import { Compositor } from '../program/Compositor.ts';
import type { Program } from '../program/Program.ts';
import { sourceSlate } from '../program/Slate.ts';
import type { Source } from '../sources/Source.ts';
import { H264RtpFeed } from './H264RtpFeed.ts';
import type { ReturnViewer } from './ReturnFeed.ts';

/** The mix id the gateway uses for monitor viewers (never a source id: ids have no "*"). */
export const MONITORS_MIX = '*monitors*';
export const MONITOR_FPS = 15;

const BLACK = { y: 16, u: 128, v: 128 };
const GAP = { y: 24, u: 128, v: 128 };

export function monitorVideoArgs(fps: number): string[] {
  return [
    '-hide_banner', '-nostdin', '-loglevel', 'error',
    '-f', 'rawvideo', '-pix_fmt', 'yuv420p', '-s', `${MOSAIC_WIDTH}x${MOSAIC_HEIGHT}`, '-framerate', String(fps), '-probesize', '32', '-analyzeduration', '0', '-i', 'pipe:0',
    '-c:v', 'libx264', '-preset', 'ultrafast', '-tune', 'zerolatency', '-profile:v', 'baseline', '-pix_fmt', 'yuv420p', '-threads', '1',
    '-g', String(fps), '-keyint_min', String(fps), '-bf', '0', '-b:v', '1200k', '-maxrate', '1500k', '-bufsize', '500k',
    '-f', 'flv', '-flvflags', 'no_duration_filesize', 'pipe:1',
  ];
}

/**
 * Scales `src` nearest-neighbour into the rectangle (x, y, w, h) of `out`, keeping its shape
 * (letterboxed in black), without allocating. Offsets and sizes are kept even.
 */
export function scaleInto(src: YuvFrame, out: YuvFrame, rect: MosaicRect): void {
  const scale = Math.min(rect.width / src.width, rect.height / src.height);
  const w = Math.max(2, Math.floor((src.width * scale) / 2) * 2);
  const h = Math.max(2, Math.floor((src.height * scale) / 2) * 2);
  const x0 = rect.x + Math.floor((rect.width - w) / 4) * 2;
  const y0 = rect.y + Math.floor((rect.height - h) / 4) * 2;
  if (w !== rect.width || h !== rect.height) fillRect(out, rect.x, rect.y, rect.width, rect.height, BLACK);
  const d = out.data;
  const s = src.data;
  for (let y = 0; y < h; y++) {
    const srow = Math.min(src.height - 1, Math.floor(((y + 0.5) * src.height) / h)) * src.width;
    const orow = (y0 + y) * out.width + x0;
    for (let x = 0; x < w; x++) d[orow + x] = s[srow + Math.min(src.width - 1, Math.floor(((x + 0.5) * src.width) / w))];
  }
  const scw = src.width >> 1;
  const sch = src.height >> 1;
  const ocw = out.width >> 1;
  const sU = src.width * src.height;
  const sV = sU + scw * sch;
  const oU = out.width * out.height;
  const oV = oU + ocw * (out.height >> 1);
  const cw = w >> 1;
  const ch = h >> 1;
  for (let y = 0; y < ch; y++) {
    const sy = Math.min(sch - 1, Math.floor(((y + 0.5) * sch) / ch)) * scw;
    const oy = ((y0 >> 1) + y) * ocw + (x0 >> 1);
    for (let x = 0; x < cw; x++) {
      const sx = Math.min(scw - 1, Math.floor(((x + 0.5) * scw) / cw));
      d[oU + oy + x] = s[sU + sy + sx];
      d[oV + oy + x] = s[sV + sy + sx];
    }
  }
}

interface Viewer {
  video: NonNullable<ReturnViewer['video']>;
  started: boolean;
  videoSeq: number;
  framesSent: number;
}

export class MonitorFeed {
  private readonly viewers = new Set<Viewer>();
  private program: Program | undefined;
  private offFrame: (() => void) | undefined;
  private encoder: FfmpegProcess | undefined;
  private watch: NodeJS.Timeout | undefined;
  private readonly rtp = new H264RtpFeed();
  private readonly mosaic = allocFrame(MOSAIC_WIDTH, MOSAIC_HEIGHT, GAP);
  private previewCompositor: Compositor | undefined;
  private previewCanvas: YuvFrame | undefined;
  private previewRect: MosaicRect | undefined;
  /** Program frames between two mosaic frames (program fps / 15, at least 1). */
  private every = 1;
  /** Mosaic frames composed, and the time composing took (ms), for stats and the bench. */
  framesComposed = 0;
  composeMs = 0;

  constructor(
    private readonly getProgram: () => Program,
    private readonly ffmpegPath: string,
    private readonly log: (line: string) => void,
  ) {}

  get watched(): boolean {
    return this.viewers.size > 0;
  }

  /** The encoder's pid while it runs (for CPU measurements). */
  get encoderPid(): number | undefined {
    return this.encoder?.pid;
  }

  add(viewer: ReturnViewer): () => void {
    if (!viewer.video) return () => {};
    const state: Viewer = { video: viewer.video, started: false, videoSeq: Math.floor(Math.random() * 0xffff), framesSent: 0 };
    this.viewers.add(state);
    this.hook();
    return () => {
      this.viewers.delete(state);
      if (this.viewers.size === 0) this.unhook();
    };
  }

  framesSent(): number {
    let n = 0;
    for (const v of this.viewers) n += v.framesSent;
    return n;
  }

  async close(): Promise<void> {
    this.viewers.clear();
    const encoder = this.encoder;
    this.unhook();
    await encoder?.stop({ graceMs: 300 });
  }

  /** Follows the program (it is replaced when output settings change). */
  private hook(): void {
    if (!this.watch) this.watch = setInterval(() => this.hook(), 500);
    const program = this.getProgram();
    if (program === this.program) return;
    this.unhookProgram();
    this.program = program;
    const { width, height, fps } = program.settings;
    this.every = Math.max(1, Math.round(fps / MONITOR_FPS));
    this.previewRect = mosaicPreviewRect(width, height);
    this.previewCompositor = new Compositor(this.previewRect.width, this.previewRect.height);
    this.previewCanvas = this.previewCompositor.newCanvas();
    fillRect(this.mosaic, 0, 0, MOSAIC_WIDTH, MOSAIC_HEIGHT, GAP);
    this.offFrame = program.on('frame', ({ index }) => {
      if (index % this.every === 0) this.onFrame(program);
    });
  }

  private unhookProgram(): void {
    this.offFrame?.();
    this.offFrame = undefined;
    this.program = undefined;
    void this.encoder?.stop({ graceMs: 300 });
    this.encoder = undefined;
    for (const v of this.viewers) v.started = false;
  }

  private unhook(): void {
    clearInterval(this.watch);
    this.watch = undefined;
    this.unhookProgram();
  }

  private startEncoder(fps: number): FfmpegProcess {
    return spawnFlvProcess({
      ffmpegPath: this.ffmpegPath,
      name: 'monitor video',
      args: monitorVideoArgs(fps),
      onTag: (tag) => this.onTag(tag),
      onDied: (proc, reason) => {
        if (this.encoder !== proc) return;
        this.log(`monitor video encoder stopped: ${reason}; restarting`);
        this.encoder = undefined;
        for (const v of this.viewers) v.started = false;
      },
    });
  }

  /** Draws the mosaic: preview layout, then a tile per source in show order. */
  compose(program: Program, now = Date.now()): YuvFrame {
    const sources = program.sources;
    const rect = this.previewRect ?? mosaicPreviewRect(program.settings.width, program.settings.height);
    if (!this.previewCompositor || !this.previewCanvas) {
      this.previewCompositor = new Compositor(rect.width, rect.height);
      this.previewCanvas = this.previewCompositor.newCanvas();
    }
    this.previewCompositor.compose(program.preview ?? program.layout, sources, this.previewCanvas, now);
    // What Take would put on air, graphics included, plus graphics cued for preview only.
    program.composePreviewOverlays(this.previewCanvas);
    blit(this.mosaic, this.previewCanvas, rect.x, rect.y);
    let i = 0;
    for (const source of sources.values()) {
      const slot = MOSAIC_SLOTS[i++];
      if (!slot) break;
      this.drawTile(source, slot, now);
    }
    for (; i < MOSAIC_SLOTS.length; i++) fillRect(this.mosaic, MOSAIC_SLOTS[i].x, MOSAIC_SLOTS[i].y, MOSAIC_SLOTS[i].width, MOSAIC_SLOTS[i].height, GAP);
    return this.mosaic;
  }

  private drawTile(source: Source, slot: MosaicRect, now: number): void {
    const frame = source.latestFrame;
    if (!frame || source.showsSlate(now)) {
      blit(this.mosaic, sourceSlate(source.status(), slot.width, slot.height), slot.x, slot.y);
      return;
    }
    scaleInto(frame, this.mosaic, slot);
  }

  private onFrame(program: Program): void {
    if (this.viewers.size === 0) return;
    const fps = program.settings.fps / this.every;
    this.encoder ??= this.startEncoder(fps);
    const encoder = this.encoder;
    // An encoder that falls behind loses frames here, never the program.
    if (!encoder.running || encoder.stdin.writableLength > 2 * frameBytes(MOSAIC_WIDTH, MOSAIC_HEIGHT)) return;
    const t0 = performance.now();
    const mosaic = this.compose(program);
    this.composeMs += performance.now() - t0;
    this.framesComposed++;
    // The mosaic buffer is reused: copy it, the write is queued.
    encoder.stdin.write(Buffer.from(mosaic.data));
  }

  private onTag(tag: FlvTag): void {
    const frame = this.rtp.frame(tag);
    if (frame) this.rtp.send(frame, this.viewers);
  }
}
