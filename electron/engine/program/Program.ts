/**
 * A program: compositor + audio mixer + encoder + fan-out, fed by the show's shared sources on
 * the show's clock (ShowClock: every program composes on the same ticks). Owns what is on program
 * and on preview, and transitions between them. The encoder never restarts for a layout change: a
 * new layout is simply drawn from the next tick on. An ISO program carries one source alone, with
 * its own sound (docs/PROGRAMS.md).
 */
import type { EncoderInfo, EventPayloads, LevelMeter, ProgramStatus } from '../../../shared/protocol.ts';
import type { LayoutSpec, OutputSettings, TransitionSpec } from '../../../shared/show.ts';
import type { H264Encoder } from '../ffmpeg/encoderArgs.ts';
import { mainSourceOf, sourcesIn, withMainSource } from '../../../shared/layout.ts';
import type { DecodeTarget } from '../sources/decoderArgs.ts';
import { AudioMixer, type MixInput } from '../media/AudioMixer.ts';
import { CHANNELS } from '../media/AudioRing.ts';
import { crossFade, type YuvFrame } from '../media/yuv.ts';
import type { GraphicsLayer } from '../graphics/GraphicsLayer.ts';
import type { Source } from '../sources/Source.ts';
import { TypedEmitter } from '../TypedEmitter.ts';
import { ActiveSpeaker, rmsDbfs } from './ActiveSpeaker.ts';
import { Compositor } from './Compositor.ts';
import { CpuMeter } from './CpuMeter.ts';
import { Encoder, MAX_QUEUED_FRAMES } from './Encoder.ts';
import { FlvFanout } from './FlvFanout.ts';
import { samplesForTick, type TickInfo } from './ProgramClock.ts';
import type { ShowClock, SourceAudio, TickedProgram } from './ShowClock.ts';

interface Events {
  stats: ProgramStatus;
  /**
   * A frame was composed and handed to the encoder (for monitors and tests); the canvas must not be
   * kept or changed. `index` counts ticks; `encodedIndex` counts encoded frames (they differ by the
   * ticks skipped while the encoder was behind), and is what the frame's FLV timestamp encodes.
   */
  frame: { index: number; encodedIndex: number; canvas: YuvFrame };
  /** What is on program or preview changed (setLayout, setPreview, take, dropSource). */
  layoutChanged: EventPayloads['program.layoutChanged'];
  log: string;
}

export interface ProgramOptions {
  /** The program's id (`main`, `vertical`, `iso:<source>`): in its events and logs. */
  id?: string;
  /** The show's clock; every program of a show shares it. */
  clock: ShowClock;
  /** An ISO program: only this source's sound, as it arrives (no gain, mute or master). */
  isoSource?: string;
  /** The cell sizes this program wants changed: the show decides each source's decode size. */
  onDecodeTargetsChanged?: () => void;
  ffmpegPath: string;
  settings: OutputSettings;
  encoder: EncoderInfo & { name: H264Encoder };
  sources: ReadonlyMap<string, Source>;
  layout: LayoutSpec;
  preview?: LayoutSpec;
  /** Overlays drawn over every frame, after the layout. */
  graphics?: GraphicsLayer;
  /** Overlays the preview monitor draws (on air plus cued ones); MonitorFeed asks for them. */
  previewGraphics?: GraphicsLayer;
}

interface Transition {
  from: LayoutSpec;
  startTick: number;
  ticks: number;
}

export class Program extends TypedEmitter<Events> implements TickedProgram {
  readonly id: string;
  readonly settings: OutputSettings;
  readonly compositor: Compositor;
  private readonly mixer: AudioMixer;
  readonly fanout: FlvFanout;
  readonly encoder: Encoder;
  private readonly clock: ShowClock;
  private started = false;
  /** Ticks this program has been given since it started (fades count in them). */
  private ticks = 0;
  readonly sources: ReadonlyMap<string, Source>;
  private transition: Transition | undefined;
  private statsTimer: NodeJS.Timeout | undefined;
  private startedAt = 0;
  private framesAtLastStats = 0;
  private lastStatsAt = 0;
  private measuredFps = 0;
  private readonly cpu = new CpuMeter();
  private cpuPercent = 0;
  layout: LayoutSpec;
  preview: LayoutSpec | undefined;
  /** Enough canvases that one is never drawn over while the encoder may still be reading it. */
  private readonly canvases: YuvFrame[];
  private canvasTurn = 0;
  private readonly fadeFrom: YuvFrame;
  private readonly fadeTo: YuvFrame;
  /** Program time of the last composed frame: preview overlays fade on the same clock. */
  private lastFrameMs = 0;
  /** Follows the active speaker while the program layout has `follow` (ActiveSpeaker.ts). */
  private follower: { spec: string; speaker: ActiveSpeaker } | undefined;

  constructor(private readonly options: ProgramOptions) {
    super();
    this.id = options.id ?? 'main';
    this.settings = options.settings;
    this.sources = options.sources;
    this.layout = options.layout;
    this.preview = options.preview;
    this.compositor = new Compositor(this.settings.width, this.settings.height);
    this.canvases = Array.from({ length: MAX_QUEUED_FRAMES + 3 }, () => this.compositor.newCanvas());
    this.fadeFrom = this.compositor.newCanvas();
    this.fadeTo = this.compositor.newCanvas();
    this.fanout = new FlvFanout(1000 / this.settings.fps);
    this.mixer = new AudioMixer(Math.ceil(48_000 / this.settings.fps) + 1);
    this.encoder = new Encoder(options.ffmpegPath, this.settings, options.encoder.name);
    this.encoder.on('tag', (tag) => this.fanout.push(tag));
    this.encoder.on('restarted', () => this.fanout.encoderRestarted());
    this.encoder.on('log', (line) => this.emit('log', line));
    this.clock = options.clock;
    this.syncFollower();
  }

  get running(): boolean {
    return this.started && this.clock.running;
  }

  /** Joins the show clock (which the show starts): frames from the next tick on. */
  start(): void {
    this.updateDecoderTargets();
    this.encoder.start();
    this.startedAt = Date.now();
    this.lastStatsAt = this.startedAt;
    this.started = true;
    this.clock.add(this);
    this.statsTimer = setInterval(() => this.emit('stats', this.status()), 1000);
  }

  async stop(): Promise<void> {
    this.started = false;
    this.clock.remove(this);
    clearInterval(this.statsTimer);
    await this.encoder.stop();
  }

  /** Draws the preview monitor's overlays over a composed preview picture (any size). */
  composePreviewOverlays(canvas: YuvFrame): void {
    this.options.previewGraphics?.compose(canvas, this.lastFrameMs);
  }

  /** Puts a layout on program at once (a cut). */
  setLayout(layout: LayoutSpec): void {
    this.cutTo(layout);
    this.emitLayoutChanged();
  }

  setPreview(layout: LayoutSpec | undefined): void {
    this.preview = layout;
    this.emitLayoutChanged();
  }

  /** Takes preview to program with a cut or a fade; preview keeps its layout (as in OBS). */
  take(transition: TransitionSpec): void {
    const next = this.preview ?? this.layout;
    if (transition.kind === 'fade' && transition.durationMs > 0) {
      this.transition = {
        from: this.layout,
        startTick: this.ticks,
        ticks: Math.max(1, Math.round((transition.durationMs * this.settings.fps) / 1000)),
      };
      this.layout = next;
      this.syncFollower();
      this.updateDecoderTargets();
    } else {
      this.cutTo(next);
    }
    this.emitLayoutChanged();
  }

  /** A source left the show: program and preview drop it (one layoutChanged for both). */
  dropSource(id: string): void {
    const without = (layout: LayoutSpec): LayoutSpec => ({
      ...layout,
      sources: layout.sources.filter((s) => s !== id),
      ...(layout.placements ? { placements: layout.placements.filter((p) => p.source !== id) } : {}),
      highlight: layout.highlight === id ? undefined : layout.highlight,
      ...(layout.follow?.sources ? { follow: { ...layout.follow, sources: layout.follow.sources.filter((s) => s !== id) } } : {}),
    });
    this.cutTo(without(this.layout));
    if (this.preview) this.preview = without(this.preview);
    this.emitLayoutChanged();
  }

  private cutTo(layout: LayoutSpec): void {
    this.transition = undefined;
    this.layout = layout;
    this.syncFollower();
    this.updateDecoderTargets();
  }

  // ---- active speaker ----

  private get programMs(): number {
    return (this.clock.ticks * 1000) / this.settings.fps;
  }

  /**
   * A new program layout: a new `follow` starts a fresh follower; the same `follow` keeps its
   * state, and whoever the layout now has in the main place counts as a change (so a producer's
   * pick holds for holdMs before the speaker may take over again).
   */
  private syncFollower(): void {
    const follow = this.layout.follow;
    if (!follow) {
      this.follower = undefined;
      return;
    }
    const spec = JSON.stringify(follow);
    if (this.follower?.spec !== spec) this.follower = { spec, speaker: new ActiveSpeaker(follow, mainSourceOf(this.layout)) };
    else this.follower.speaker.setSpeaker(mainSourceOf(this.layout), this.programMs);
  }

  /** This tick's levels of the follow candidates (post-fader, as the meters show) to the follower. */
  private followSpeaker(inputs: readonly MixInput[]): void {
    const follower = this.follower;
    if (!follower) return;
    const candidates = this.layout.follow?.sources ?? this.layout.sources;
    const levels = new Map<string, number>();
    for (const input of inputs) {
      if (!candidates.includes(input.id)) continue;
      levels.set(input.id, input.muted ? Number.NEGATIVE_INFINITY : rmsDbfs(input.samples) + input.gainDb);
    }
    const speaker = follower.speaker.observe(levels, this.programMs);
    if (!speaker) return;
    const next = withMainSource(this.layout, speaker);
    if (!next) return;
    this.emit('log', `active speaker: ${speaker}`);
    this.setLayout(next);
  }

  private emitLayoutChanged(): void {
    this.emit('layoutChanged', { programId: this.id, layout: this.layout, preview: this.preview });
  }

  // ---- audio: the mixer stays inside; callers get what they need ----

  /** Peak/RMS since the last call, per source and for the program (meters.updated). */
  takeMeters(): { program: LevelMeter; sources: Record<string, LevelMeter> } {
    return this.mixer.takeMeters();
  }

  get master(): { gainDb: number; muted: boolean } {
    return { gainDb: this.mixer.masterGainDb, muted: this.mixer.masterMuted };
  }

  setMaster(changes: { gainDb?: number; muted?: boolean }): void {
    if (changes.gainDb !== undefined) this.mixer.masterGainDb = changes.gainDb;
    if (changes.muted !== undefined) this.mixer.masterMuted = changes.muted;
  }

  /** Most samples (per channel) one tick carries: the size of a mix-minus block. */
  get maxSamplesPerTick(): number {
    return this.mixer.maxSamplesPerTick;
  }

  /** This tick's program mix without one source (a guest's return feed), into `out`. */
  mixMinus(id: string, out: Int16Array): void {
    this.mixer.mixMinus(id, out);
  }

  /** The size each source's biggest cell on program needs (the show picks decode sizes from these). */
  decodeTargets(): Map<string, DecodeTarget> {
    const wanted = new Map<string, DecodeTarget>();
    for (const cell of this.compositor.cells(this.layout)) {
      const prev = wanted.get(cell.source);
      if (!prev || cell.width * cell.height > prev.width * prev.height)
        wanted.set(cell.source, { width: cell.width, height: cell.height, fit: cell.fit, ...(cell.crop ? { crop: cell.crop } : {}) });
    }
    return wanted;
  }

  /** Asks for decoders at the sizes this program's cells need (alone: set them; in a show: the show arbitrates). */
  updateDecoderTargets(): void {
    if (this.options.onDecodeTargetsChanged) {
      this.options.onDecodeTargetsChanged();
      return;
    }
    for (const [id, target] of this.decodeTargets()) this.sources.get(id)?.setTarget(target);
  }

  status(): ProgramStatus {
    const now = Date.now();
    const frames = this.ticks;
    if (now - this.lastStatsAt >= 900) {
      this.measuredFps = Math.round(((frames - this.framesAtLastStats) * 1000) / (now - this.lastStatsAt) * 10) / 10;
      this.framesAtLastStats = frames;
      this.lastStatsAt = now;
      this.cpuPercent = this.cpu.sample();
    }
    const t = this.transition;
    return {
      running: this.running,
      width: this.settings.width,
      height: this.settings.height,
      fps: this.settings.fps,
      measuredFps: this.measuredFps,
      framesOut: frames,
      lateFrames: this.clock.lateTicks,
      droppedFrames: this.encoder.skippedTicks,
      encoder: { name: this.options.encoder.name, hardware: this.options.encoder.hardware, reason: this.options.encoder.reason },
      encoderRestarts: this.encoder.restarts,
      uptimeS: this.running ? Math.round((now - this.startedAt) / 1000) : 0,
      cpuPercent: this.cpuPercent,
      ...(t ? { transition: { kind: 'fade' as const, progress: Math.min(1, (this.ticks - t.startTick) / t.ticks) } } : {}),
    };
  }

  /** Sources in the program layout right now (for tally). */
  onProgram(): string[] {
    return sourcesIn(this.layout);
  }

  /** The canvas to draw this tick into: a ring, so no frame-sized allocation per tick. */
  private nextCanvas(): YuvFrame {
    const canvas = this.canvases[this.canvasTurn++ % this.canvases.length];
    return canvas;
  }

  /** One tick of the show clock: mix this tick's sound (read once by the clock), compose, encode. */
  renderTick(tick: TickInfo, audio: SourceAudio): void {
    const localIndex = this.ticks++;
    const inputs: MixInput[] = [];
    const samples = samplesForTick(tick.index, this.settings.fps);
    for (const [id, block] of audio) {
      const iso = this.options.isoSource;
      if (iso !== undefined) {
        if (id === iso) inputs.push({ id, samples: block, gainDb: 0, muted: false });
        continue;
      }
      const source = this.sources.get(id);
      if (source) inputs.push({ id, samples: block, gainDb: source.gainDb, muted: source.muted });
    }
    const mixed = new Int16Array(samples * CHANNELS);
    this.mixer.mix(inputs, mixed);
    this.followSpeaker(inputs);

    const frameBytes = this.canvases[0].data.length;
    if (this.encoder.isBehind(frameBytes)) {
      // Restarting, or more than a few frames waiting: skip the whole tick (picture and sound).
      this.encoder.noteSkippedTick();
      return;
    }
    const canvas = this.nextCanvas();
    const now = Date.now();
    const t = this.transition;
    const progress = t ? (localIndex - t.startTick) / t.ticks : 1;
    if (t && progress < 1) {
      this.compositor.compose(t.from, this.sources, this.fadeFrom, now);
      this.compositor.compose(this.layout, this.sources, this.fadeTo, now);
      crossFade(this.fadeFrom, this.fadeTo, progress, canvas);
    } else {
      this.transition = undefined;
      this.compositor.compose(this.layout, this.sources, canvas, now);
    }
    // Overlays go over the finished picture (over both sides of a fade alike).
    this.lastFrameMs = (tick.index * 1000) / this.settings.fps;
    this.options.graphics?.compose(canvas, this.lastFrameMs);
    const encodedIndex = this.encoder.framesEncoded;
    if (!this.encoder.write(canvas.data, Buffer.from(mixed.buffer, mixed.byteOffset, mixed.byteLength))) return;
    this.emit('frame', { index: localIndex, encodedIndex, canvas });
  }
}
