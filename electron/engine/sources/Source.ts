/**
 * One input of the show: its decoder process (supervised and restarted), the latest frame, and an
 * audio ring. Nothing here can stall the program: the clock only ever reads `latestFrame` and pulls
 * audio, whatever state the decoder is in.
 *
 * States: connecting (decoder starting) → live (frames flowing) → stalled (no frame for a while, or
 * the decoder died and is being restarted) → live again by itself; ended (a file played once);
 * error (cannot be opened: the message says why; URL sources keep retrying).
 */
import type { SourceState, SourceStatus } from '../../../shared/protocol.ts';
import type { SourceSpec } from '../../../shared/show.ts';
import { FfmpegProcess } from '../ffmpeg/FfmpegProcess.ts';
import type { HwAccel } from '../ffmpeg/hwaccel.ts';
import { explainOpenFailure, type MediaInfo, MediaProbeError, probeMedia } from '../ffmpeg/mediaProbe.ts';
import { redactUrl } from '../redact.ts';
import { AudioClockRecovery } from '../media/AudioClockRecovery.ts';
import { AudioRing } from '../media/AudioRing.ts';
import { FrameChannel } from '../media/FrameChannel.ts';
import { RawFrameReader } from '../media/RawFrameReader.ts';
import { frameBytes, type YuvFrame } from '../media/yuv.ts';
import { TypedEmitter } from '../TypedEmitter.ts';
import { LoopPlaylist } from './LoopPlaylist.ts';
import { Rendition } from './Rendition.ts';
import { AUDIO_FD, buildDecoderArgs, type DecodeTarget, type PipeInputArgs, VIDEO_FD } from './decoderArgs.ts';
import { ffconcatScript, needsSecretInput } from './secretInput.ts';

export interface SourceContext {
  ffmpegPath: string;
  fps: number;
  hwaccel: HwAccel;
  drawtextFont?: string | null;
  log?: (line: string) => void;
  /** For sources the engine feeds itself (guest, whep): see PipeFeed. */
  feed?: PipeFeed;
  /** How decoded frames reach Node: a FrameChannel where supported (default), or the stdout pipe. */
  frameTransport?: 'socket' | 'pipe';
}

/**
 * A source fed through pipes by the engine (WebRTC): it names its ffmpeg inputs (video on pipe:0,
 * audio on fd 4 and up) or null while there is nothing to decode yet, and is handed each decoder
 * it feeds (so it can write stream headers and ask the sender for a keyframe). It calls the
 * `onInputChanged` callback for a new decoder, e.g. when a publisher (re)connects with another codec.
 */
export interface PipeFeed {
  inputArgs(): (PipeInputArgs & { extraPipes: number }) | null;
  attach(decoder: FfmpegProcess): void;
  onInputChanged(callback: () => void): void;
  /** What the source waits for while inputArgs() is null (shown as its message). */
  waitingFor(): string;
  /** Why the picture stopped, when the feed knows better than "no picture" (a guest reconnecting). */
  stallReason?(): string | undefined;
  close(): void;
}

interface Events {
  status: SourceStatus;
}

/** No frame for this long (and at least 4 frame times) = stalled. */
const STALL_MS = 1000;
const RESTART_DELAYS_MS = [300, 1000, 2000, 4000, 8000, 15000];
/**
 * Audio kept waiting behind the picture on screen: enough that a tick's block (33 ms at 30 fps)
 * is always there despite delivery jitter. See AudioClockRecovery and docs/ARCHITECTURE.md.
 */
const AUDIO_LEAD_MS = 60;
/** A picture older than this no longer anchors the sound (a stalled or audio-only input). */
const PICTURE_ANCHOR_MS = 250;
/**
 * Frames allowed to wait for a tick. Decoders deliver in bursts under load (two or three frames
 * within a millisecond, then a gap): showing only the newest at each tick dropped one frame in
 * three of a flash test on a busy machine. Waiting frames are shown one per tick instead; more
 * than this and the oldest go (the source runs faster than the program, or a backlog burst in).
 */
const MAX_WAITING_FRAMES = 2;

interface WaitingFrame {
  frame: YuvFrame;
  /** ring.writtenFrames when it arrived: the audio that came with it. */
  audioAt: number;
}

/** Kinds whose input can be opened a second time while the first decoder still reads it. */
const OPENS_TWICE: ReadonlySet<SourceSpec['kind']> = new Set(['file', 'url', 'testPattern']);

export const DEFAULT_TARGET: DecodeTarget = { width: 640, height: 360, fit: 'fit' };

function sameTarget(a: DecodeTarget, b: DecodeTarget): boolean {
  return a.width === b.width && a.height === b.height && a.fit === b.fit && JSON.stringify(a.crop) === JSON.stringify(b.crop);
}

function targetKey(t: DecodeTarget): string {
  return `${t.width}x${t.height}:${t.fit}:${JSON.stringify(t.crop ?? null)}`;
}

export class Source extends TypedEmitter<Events> {
  private process: FfmpegProcess | undefined;
  private spawnAttempt = 0;
  /** A decoder at a new size, started while `process` keeps delivering (see setTarget). */
  private successor: FfmpegProcess | undefined;
  private media: MediaInfo | undefined;
  private loopPlaylist: LoopPlaylist | undefined;
  private restartTimer: NodeJS.Timeout | undefined;
  private healthTimer: NodeJS.Timeout;
  private closed = false;
  private restarts = 0;
  private failures = 0;
  private framesThisSecond = 0;
  private fpsMeasured = 0;
  private lastFpsAt = performance.now();
  private playedS = 0;
  private state: SourceState = 'connecting';
  private message: string | undefined;

  /**
   * The frame on screen (see advanceFrame); kept when the decoder stops, so a stall shows the last
   * picture.
   */
  latestFrame: YuvFrame | undefined;
  latestFrameAt = 0;
  /**
   * The same on the monotonic clock: stall detection and audio anchoring must not see a
   * wall-clock step (NTP) as a picture that stopped or came back.
   */
  private latestFrameMonoMs = 0;
  // The cap is a last resort (a burst after a stall): AudioClockRecovery keeps the level near its target.
  readonly audio = new AudioRing(AUDIO_LEAD_MS, 500);
  /** Follows this source's audio clock against its picture (see readAudio). */
  readonly audioClock = new AudioClockRecovery({ targetMs: AUDIO_LEAD_MS });
  /** How much audio had arrived when the picture now shown arrived. */
  private audioAtPicture = 0;
  private audioAnchored = false;
  /** Frames decoded but not yet shown, oldest first (see MAX_WAITING_FRAMES). */
  private readonly waitingFrames: WaitingFrame[] = [];
  /** Frames dropped from the wait (a source faster than the program, a burst after a stall). */
  framesDropped = 0;
  target: DecodeTarget = DEFAULT_TARGET;
  /** Decoders at the other sizes programs draw this source at (see setTargets), by size. */
  private readonly renditions = new Map<string, Rendition>();

  /** What the show says about this source; changed only through update() and setLevel(). */
  private current: SourceSpec;

  constructor(
    spec: SourceSpec,
    private readonly ctx: SourceContext,
  ) {
    super();
    this.current = spec;
    this.healthTimer = setInterval(() => this.checkHealth(), 250);
    ctx.feed?.onInputChanged(() => {
      if (!this.closed) this.restartNow('input changed');
    });
  }

  get id(): string {
    return this.spec.id;
  }

  /** The source as the show document has it (read-only: change it with update or setLevel). */
  get spec(): SourceSpec {
    return this.current;
  }

  get kind(): SourceSpec['kind'] {
    return this.current.kind;
  }

  get gainDb(): number {
    return this.current.gainDb;
  }

  get muted(): boolean {
    return this.current.muted;
  }

  /** Gain and mute change at once (the mixer reads them every tick); nothing restarts. */
  setLevel(changes: { gainDb?: number; muted?: boolean }): void {
    this.current = { ...this.current, ...(changes.gainDb !== undefined ? { gainDb: changes.gainDb } : {}), ...(changes.muted !== undefined ? { muted: changes.muted } : {}) };
  }

  /**
   * Opens the input once to learn what it holds. Files that are missing or are not media fail here,
   * before the source is added, so the show is left as it was.
   */
  async prepare(): Promise<void> {
    if (this.spec.kind === 'file') this.media = await probeMedia(this.ctx.ffmpegPath, this.spec.path, { timeoutMs: 15_000, inputArgs: ['-protocol_whitelist', 'file'] });
    this.loopPlaylist?.remove();
    this.loopPlaylist =
      this.spec.kind === 'file' && this.spec.loop && this.media?.durationS ? new LoopPlaylist(this.spec.path, this.media.durationS) : undefined;
    if (this.spec.kind === 'testPattern') this.media = { hasVideo: true, hasAudio: true };
    if (this.spec.kind === 'device') this.media = { hasVideo: Boolean(this.spec.video), hasAudio: Boolean(this.spec.audio) };
    if (this.spec.kind === 'guest' || this.spec.kind === 'whep') this.media = { hasVideo: true, hasAudio: true };
  }

  start(): void {
    this.spawnDecoder();
  }

  /**
   * Asks for frames of another size. Inputs that can be opened twice (files, streams, test
   * patterns) get a second decoder at the new size while the first keeps delivering; the first
   * stops when the second's first frame arrives, so a layout change never freezes the source.
   * Cameras and WebRTC feeds (one reader at a time) restart their decoder; meanwhile the engine
   * scales the last frame.
   */
  setTarget(target: DecodeTarget): void {
    if (sameTarget(target, this.target)) return;
    this.target = target;
    if (this.closed || !this.process) return;
    if (OPENS_TWICE.has(this.spec.kind) && this.state === 'live') this.spawnDecoder('successor');
    else this.restartNow('resize');
  }

  /**
   * The sizes the programs want, biggest first (ProgramSet): the first is this decoder's (the one
   * with the sound); each other one gets a video-only Rendition where the input can be opened
   * twice, so every program draws the source at its own size, fit and crop. Elsewhere (cameras,
   * WebRTC) the other sizes scale this decoder's picture.
   */
  setTargets(targets: readonly DecodeTarget[]): void {
    const [primary, ...others] = targets;
    if (primary) this.setTarget(primary);
    const canOpenTwice = OPENS_TWICE.has(this.spec.kind) && !this.closed;
    const wanted = new Map(canOpenTwice ? others.filter((t) => !sameTarget(t, this.target)).map((t) => [targetKey(t), t] as const) : []);
    for (const [key, rendition] of this.renditions) {
      if (wanted.has(key)) continue;
      this.renditions.delete(key);
      void rendition.close();
    }
    for (const [key, target] of wanted) if (!this.renditions.has(key)) this.renditions.set(key, this.newRendition(target));
  }

  /** The picture for a cell of this size: the rendition at that size once it delivers, else the main one. */
  frameFor(target: DecodeTarget): YuvFrame | undefined {
    if (this.renditions.size > 0 && !sameTarget(target, this.target)) {
      const frame = this.renditions.get(targetKey(target))?.frame();
      if (frame) return frame;
    }
    return this.latestFrame;
  }

  /** True while decoders at other sizes run (a program stopped drawing it: they may go). */
  get hasOtherSizes(): boolean {
    return this.renditions.size > 0;
  }

  /** For tests: the pids of the decoders at other sizes. */
  get renditionPids(): number[] {
    return [...this.renditions.values()].flatMap((r) => (r.pid !== undefined ? [r.pid] : []));
  }

  private newRendition(target: DecodeTarget): Rendition {
    return new Rendition({
      ffmpegPath: this.ctx.ffmpegPath,
      name: `source ${this.id} at ${target.width}×${target.height}`,
      target,
      args: () =>
        buildDecoderArgs(this.spec, target, {
          fps: this.ctx.fps,
          hwaccel: this.ctx.hwaccel,
          drawtextFont: this.ctx.drawtextFont,
          hasAudio: false,
          hasVideo: true,
          startAtS: this.spec.kind === 'file' && this.media?.durationS ? this.playedS % this.media.durationS : undefined,
          ...(this.loopPlaylist ? { loopPlaylist: this.loopPlaylist.path } : {}),
        }),
      secrets: this.spec.kind === 'url' ? urlSecrets(this.spec.url) : [],
      ...(this.ctx.log ? { log: this.ctx.log } : {}),
    });
  }

  /** Media changed: every other-size decoder opens the new input. */
  private restartRenditions(): void {
    const targets = [...this.renditions.values()].map((r) => r.target);
    for (const rendition of this.renditions.values()) void rendition.close();
    this.renditions.clear();
    if (OPENS_TWICE.has(this.spec.kind)) for (const target of targets) this.renditions.set(targetKey(target), this.newRendition(target));
  }

  /** Applies a changed spec; media changes restart the decoder. */
  async update(spec: SourceSpec): Promise<void> {
    const mediaChanged = JSON.stringify({ ...this.spec, label: 0, gainDb: 0, muted: 0, slateAfterS: 0 }) !==
      JSON.stringify({ ...spec, label: 0, gainDb: 0, muted: 0, slateAfterS: 0 });
    const labelChanged = spec.label !== this.spec.label;
    const previous = this.spec;
    this.current = spec;
    if (mediaChanged) {
      try {
        await this.prepare();
      } catch (error) {
        this.current = previous;
        throw error;
      }
    }
    if (mediaChanged || (labelChanged && spec.kind === 'testPattern')) {
      this.restartNow('update');
      this.restartRenditions();
    } else this.emitStatus();
  }

  status(): SourceStatus {
    return {
      id: this.spec.id,
      kind: this.spec.kind,
      label: this.spec.label ?? this.spec.id,
      state: this.state,
      ...(this.message ? { message: this.message } : {}),
      restarts: this.restarts,
      fps: this.fpsMeasured,
    };
  }

  /**
   * Once per program tick, before composing: the next waiting frame goes on screen (none waiting:
   * the current one stays). Frames beyond MAX_WAITING_FRAMES are dropped oldest first.
   */
  advanceFrame(): void {
    const waiting = this.waitingFrames;
    while (waiting.length > MAX_WAITING_FRAMES) {
      waiting.shift();
      this.framesDropped++;
    }
    const next = waiting.shift();
    if (!next) return;
    this.latestFrame = next.frame;
    this.audioAtPicture = next.audioAt;
  }

  /** True while a buffer holds a frame on screen or waiting (FrameChannel must not reuse it). */
  private holdsFrame(buffer: Buffer): boolean {
    return this.latestFrame?.data === buffer || this.waitingFrames.some((w) => w.frame.data === buffer);
  }

  /**
   * One tick of this source's audio, played at the speed that keeps it with its picture: the
   * audio that arrived with the picture on screen is due AUDIO_LEAD_MS later. Without a fresh
   * picture (audio-only, stalled) the ring's own level is held instead.
   */
  readAudio(out: Int16Array, periodS: number): void {
    const ring = this.audio;
    if (!ring.isPrimed) {
      this.audioClock.reset();
      ring.read(out);
      return;
    }
    const anchored = (this.media?.hasVideo ?? true) && performance.now() - this.latestFrameMonoMs < PICTURE_ANCHOR_MS;
    // The first picture (or one back after a stall) re-anchors the sound at once: held to the
    // ring's level until then, it may sit anywhere against the picture.
    if (anchored !== this.audioAnchored) {
      this.audioAnchored = anchored;
      this.audioClock.reset();
    }
    const reference = anchored ? this.audioAtPicture : ring.writtenFrames;
    const step = this.audioClock.step(reference - ring.consumedFrames, periodS);
    if (step.dropFrames > 0) ring.skip(step.dropFrames);
    if (step.silenceFrames > 0) ring.delay(step.silenceFrames);
    ring.read(out, step.ratio);
  }

  /** For tests and supervision: the decoder's pid. */
  get decoderPid(): number | undefined {
    return this.process?.pid;
  }

  /** True once the slate should replace the last frame. */
  showsSlate(now = Date.now()): boolean {
    if (!this.latestFrame) return true;
    if (this.state === 'live') return false;
    return now - this.latestFrameAt > this.spec.slateAfterS * 1000;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.healthTimer);
    clearTimeout(this.restartTimer);
    this.ctx.feed?.close();
    const renditions = [...this.renditions.values()];
    this.renditions.clear();
    await Promise.all([this.process?.stop({ closeStdin: false, graceMs: 1000 }), this.dropSuccessor(), ...renditions.map((r) => r.close())]);
    this.loopPlaylist?.remove();
  }

  private setState(state: SourceState, message?: string): void {
    if (state === this.state && message === this.message) return;
    this.state = state;
    this.message = message;
    this.emitStatus();
  }

  private emitStatus(): void {
    this.emit('status', this.status());
  }

  /**
   * Starts a decoder: one that replaces the current (none running, or a restart), or a successor
   * that takes over once it delivers (see setTarget). Building its command line can throw (a bad
   * spec); that reaches the caller.
   */
  private spawnDecoder(role: 'replace' | 'successor' = 'replace'): void {
    if (this.closed) return;
    const attempt = ++this.spawnAttempt;
    void this.dropSuccessor();
    const media = this.media ?? { hasVideo: true, hasAudio: true };
    const feed = this.ctx.feed;
    const pipeInput = feed?.inputArgs();
    if (feed && !pipeInput) {
      this.setState('connecting', feed.waitingFor());
      return;
    }
    const args = buildDecoderArgs(this.spec, this.target, {
      fps: this.ctx.fps,
      hwaccel: this.ctx.hwaccel,
      drawtextFont: this.ctx.drawtextFont,
      hasAudio: media.hasAudio,
      hasVideo: media.hasVideo,
      startAtS: this.spec.kind === 'file' && this.media?.durationS ? this.playedS % this.media.durationS : undefined,
      ...(this.loopPlaylist ? { loopPlaylist: this.loopPlaylist.path } : {}),
      ...(pipeInput ? { pipeInput } : {}),
    });
    void this.launchDecoder(attempt, role, args, this.target, pipeInput?.extraPipes ?? 1).catch((error: Error) => {
      this.setState('error', `cannot start the decoder: ${error.message}`);
    });
  }

  /**
   * Connects the frame transport, then spawns. Asynchronous where frames come through a
   * FrameChannel; a newer spawn, a restart or close() in the meantime makes this one give up.
   */
  private async launchDecoder(attempt: number, role: 'replace' | 'successor', args: string[], size: DecodeTarget, extraPipes: number): Promise<void> {
    const frameSize = frameBytes(size.width, size.height);
    let proc: FfmpegProcess | undefined;
    const onFrame = (data: Buffer) => {
      if (proc && proc === this.successor) this.promoteSuccessor();
      if (proc && this.process === proc) this.onFrame({ width: size.width, height: size.height, data });
      // A decoder being stopped still has frames on the way: reading on would overwrite the buffer
      // that holds the source's last picture (shown until the next decoder delivers).
      else channel?.close();
    };
    const channel = await this.openFrameChannel(frameSize, onFrame);
    // Give up if overtaken, closed, or (a successor) if the decoder it was to succeed has died:
    // the restart already scheduled opens the input at the new size.
    if (this.closed || attempt !== this.spawnAttempt || (role === 'successor' && !this.process)) {
      channel?.close();
      return;
    }
    if (!sameTarget(size, this.target)) {
      // The layout changed while the channel was being connected: start over at the new size.
      channel?.close();
      this.spawnDecoder(role);
      return;
    }
    const secrets = this.spec.kind === 'url' ? urlSecrets(this.spec.url) : [];
    try {
      proc = new FfmpegProcess({
        ffmpegPath: this.ctx.ffmpegPath,
        args,
        secrets,
        extraPipes,
        name: `source ${this.id}`,
        ...(channel ? { stdout: channel.childEnd } : {}),
      });
    } catch (error) {
      channel?.close();
      throw error;
    }
    const decoder = proc;
    // The URL with its password goes in on stdin, never in argv (secretInput.ts).
    if (this.spec.kind === 'url' && needsSecretInput(this.spec.url)) decoder.stdin.end(ffconcatScript(this.spec.url));
    if (role === 'successor') this.successor = decoder;
    else this.process = decoder;
    if (channel) {
      channel.childSpawned();
    } else {
      const reader = new RawFrameReader(frameSize, (buffer) => this.holdsFrame(buffer));
      decoder.pipe(VIDEO_FD).on('data', (chunk: Buffer) => {
        if (this.process !== decoder && this.successor !== decoder) return; // being stopped: see onFrame
        for (const data of reader.push(chunk)) onFrame(data);
      });
    }
    decoder.pipe(AUDIO_FD).on('data', (chunk: Buffer) => {
      if (this.process !== decoder) return;
      this.audio.push(chunk);
      // An audio-only input is live once sound arrives.
      if (this.state !== 'live' && this.media && !this.media.hasVideo) this.setState('live');
    });
    decoder.on('exit', (exit) => {
      channel?.close();
      if (this.successor === decoder && !exit.expected && !this.closed) {
        // It never delivered: fall back to stopping the running decoder and starting afresh.
        this.successor = undefined;
        this.ctx.log?.(`source ${this.id}: a decoder at the new size failed (${decoder.explainExit(exit)})`);
        this.restartNow('resize');
        return;
      }
      if (this.process !== decoder || exit.expected || this.closed) return;
      this.process = undefined;
      // Before the first picture, say why the input could not be opened; after, what stopped.
      const reason = this.latestFrame || exit.signal ? decoder.explainExit(exit) : explainOpenFailure(exit.stderrTail.join('\n'), this.describeInput());
      this.onDecoderExit(reason, exit.code === 0);
    });
    this.ctx.feed?.attach(decoder);
  }

  /** The decoder's video as a FrameChannel where the platform allows (null = read its stdout pipe). */
  private async openFrameChannel(frameSize: number, onFrame: (frame: Buffer) => void): Promise<FrameChannel | null> {
    if (this.ctx.frameTransport === 'pipe' || !FrameChannel.supported()) return null;
    try {
      return await FrameChannel.open(frameSize, onFrame, (buffer) => this.holdsFrame(buffer));
    } catch (error) {
      this.ctx.log?.(`source ${this.id}: reading frames through a pipe (${(error as Error).message})`);
      return null;
    }
  }

  private describeInput(): string {
    switch (this.spec.kind) {
      case 'file':
        return this.spec.path;
      case 'url':
        return redactUrl(this.spec.url);
      case 'device':
        return [this.spec.video, this.spec.audio].filter(Boolean).join(' + ');
      case 'testPattern':
        return 'the test pattern';
      case 'guest':
        return `guest ${this.spec.label ?? this.spec.id}`;
      case 'whep':
        return redactUrl(this.spec.url);
    }
  }

  private onFrame(frame: YuvFrame): void {
    this.waitingFrames.push({ frame, audioAt: this.audio.writtenFrames });
    // Bounded here too: a burst between two ticks must not hold every buffer of the pool.
    if (this.waitingFrames.length > MAX_WAITING_FRAMES + 1) {
      this.waitingFrames.shift();
      this.framesDropped++;
    }
    // The first picture goes on screen at once (a slate until then).
    if (!this.latestFrame) this.advanceFrame();
    this.latestFrameAt = Date.now();
    this.latestFrameMonoMs = performance.now();
    this.framesThisSecond++;
    this.playedS += 1 / this.ctx.fps;
    if (this.state !== 'live') {
      this.failures = 0;
      this.setState('live');
    }
  }

  private onDecoderExit(reason: string, cleanEnd: boolean): void {
    if (this.spec.kind === 'file' && !this.spec.loop && cleanEnd) {
      this.setState('ended', 'the file played to its end; update or re-add the source to play it again');
      return;
    }
    const delay = RESTART_DELAYS_MS[Math.min(this.failures, RESTART_DELAYS_MS.length - 1)];
    this.failures++;
    const what = this.latestFrame ? (this.spec.kind === 'url' ? 'the stream dropped' : 'its decoder stopped') : 'cannot open the input';
    const retry = `retrying in ${(delay / 1000).toFixed(1)} s`;
    // A source that never delivered a picture is an error the producer must look at; one that was
    // live and dropped is stalled (it holds its last frame and comes back by itself).
    const state: SourceState = this.latestFrame ? 'stalled' : 'error';
    this.setState(state, `${what} (${reason}); ${retry}`);
    this.ctx.log?.(`source ${this.id}: ${reason}`);
    this.restartTimer = setTimeout(() => {
      this.restarts++;
      this.spawnDecoder();
    }, delay);
  }

  /** The successor delivered its first frame: it becomes the decoder, the old one stops. */
  private promoteSuccessor(): void {
    // The running decoder may have died meanwhile; its scheduled restart is not needed now.
    clearTimeout(this.restartTimer);
    const old = this.process;
    this.process = this.successor;
    this.successor = undefined;
    void old?.stop({ closeStdin: false, graceMs: 500 });
  }

  private async dropSuccessor(): Promise<void> {
    const successor = this.successor;
    this.successor = undefined;
    await successor?.stop({ closeStdin: false, graceMs: 500 });
  }

  private restartNow(why: string): void {
    clearTimeout(this.restartTimer);
    const old = this.process;
    this.process = undefined;
    void old?.stop({ closeStdin: false, graceMs: 500 });
    this.audio.clear();
    // Positions count from the cleared ring now: frames still waiting came with none of it.
    this.audioAtPicture = 0;
    for (const waiting of this.waitingFrames) waiting.audioAt = 0;
    this.audioClock.reset();
    this.ctx.log?.(`source ${this.id}: restarting decoder (${why})`);
    this.spawnDecoder();
  }

  private checkHealth(): void {
    const now = performance.now();
    if (now - this.lastFpsAt >= 1000) {
      this.fpsMeasured = Math.round((this.framesThisSecond * 1000) / (now - this.lastFpsAt));
      this.framesThisSecond = 0;
      this.lastFpsAt = now;
    }
    // A feed that is connected but refuses what the publisher sends (too big a picture) says so
    // while the source waits for its first frame, not only once it was live.
    if (this.state === 'connecting') {
      const why = this.ctx.feed?.stallReason?.();
      if (why) this.setState('connecting', why);
    }
    const stallMs = Math.max(STALL_MS, 4000 / this.ctx.fps);
    if (this.state === 'live' && (this.media?.hasVideo ?? true) && now - this.latestFrameMonoMs > stallMs) {
      const why = this.ctx.feed?.stallReason?.() ?? `no picture for ${((now - this.latestFrameMonoMs) / 1000).toFixed(1)} s`;
      this.setState('stalled', `${why}; holding the last frame, then the slate`);
    }
  }
}

/** Credentials inside a source URL (user:pass@, ?key=) to keep out of logs. */
function urlSecrets(url: string): string[] {
  const secrets: string[] = [];
  const auth = /\/\/[^/@:]+:([^/@]+)@/.exec(url);
  if (auth) secrets.push(auth[1]);
  for (const m of url.matchAll(/[?&](?:key|token|passphrase|secret|auth)=([^&]+)/gi)) secrets.push(m[1]);
  return secrets;
}

export { MediaProbeError };
