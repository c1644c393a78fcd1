/**
 * The program encoder: two ffmpeg processes fed once per tick — H.264 from raw I420 canvases, AAC
 * from s16le PCM — whose FLV tags the fan-out hands to every destination. Timestamps are implied by
 * frame and sample counts (rawvideo at a fixed rate, PCM at 48 kHz), so audio and video cannot
 * drift apart.
 *
 * Why two processes and not one: a single ffmpeg muxing both holds every video frame until the
 * AAC for the same instant is out, which added ~72 ms (bench/encoderLatency.ts); apart, the video
 * packet leaves about 1 ms after its canvas, and the audio follows on its own.
 *
 * Overload: when the video encoder falls more than a few frames behind, whole ticks (canvas and
 * audio alike) are skipped and counted, so memory and delay stay flat and sync is kept; the
 * output then runs slightly short of wall time, as OBS's "skipped frames" do.
 *
 * Supervised: if either process exits unexpectedly both restart at once (0.1 s, more if it keeps
 * dying) and carry on the same timeline: their tags are offset by the time already encoded, so
 * destinations see one stream that resumes at a keyframe (see FlvFanout.encoderRestarted) rather
 * than a new one starting at 0.
 */
import type { OutputSettings } from '../../../shared/show.ts';
import { encodeAmf0 } from '../destinations/rtmp.ts';
import { audioEncoderArgs, type H264Encoder, videoEncoderArgs } from '../ffmpeg/encoderArgs.ts';
import { FfmpegProcess } from '../ffmpeg/FfmpegProcess.ts';
import { CHANNELS, SAMPLE_RATE } from '../media/AudioRing.ts';
import { FlvDemuxer, type FlvTag, TAG_SCRIPT, TAG_VIDEO } from '../media/flv.ts';
import { TypedEmitter } from '../TypedEmitter.ts';

interface Events {
  tag: FlvTag;
  /** The encoder processes started again after one died; their tags continue the timeline. */
  restarted: { reason: string };
  log: string;
}

const FAST_OPEN = ['-probesize', '32', '-analyzeduration', '0'];
const FLV_OUT = ['-f', 'flv', '-flvflags', 'no_duration_filesize', 'pipe:1'];

export function buildVideoEncoderArgs(settings: OutputSettings, encoder: H264Encoder): string[] {
  const video = videoEncoderArgs({
    encoder,
    width: settings.width,
    height: settings.height,
    fps: settings.fps,
    videoBitrateKbps: settings.videoBitrateKbps,
    keyframeIntervalS: settings.keyframeIntervalS,
    x264Preset: settings.x264Preset,
    cbr: settings.cbr,
  });
  return [
    '-hide_banner', '-loglevel', 'warning',
    ...video.inputArgs,
    '-f', 'rawvideo', '-pix_fmt', 'yuv420p', '-s', `${settings.width}x${settings.height}`, '-framerate', String(settings.fps),
    ...FAST_OPEN, '-i', 'pipe:0',
    '-map', '0:v', ...video.outputArgs, ...FLV_OUT,
  ];
}

export function buildAudioEncoderArgs(settings: OutputSettings): string[] {
  return [
    '-hide_banner', '-loglevel', 'warning',
    '-f', 's16le', '-ar', String(SAMPLE_RATE), '-ac', String(CHANNELS), ...FAST_OPEN, '-i', 'pipe:0',
    '-map', '0:a', ...audioEncoderArgs(settings.audioBitrateKbps), ...FLV_OUT,
  ];
}

/** The stream's onMetaData, which RTMP servers and players read (the encoders' own are per track). */
export function programMetadata(settings: OutputSettings): FlvTag {
  const payload = Buffer.concat([
    encodeAmf0('onMetaData'),
    encodeAmf0({
      width: settings.width,
      height: settings.height,
      framerate: settings.fps,
      videocodecid: 7,
      videodatarate: settings.videoBitrateKbps,
      audiocodecid: 10,
      audiodatarate: settings.audioBitrateKbps,
      audiosamplerate: SAMPLE_RATE,
      audiosamplesize: 16,
      stereo: true,
      encoder: 'Cutline',
    }),
  ]);
  return { type: TAG_SCRIPT, timestamp: 0, payload };
}

/** Delays before restarting a dead encoder: at once, then slower if it keeps dying. */
const RESTART_DELAYS_MS = [100, 500, 2000, 5000];
/** An encoder that ran this long before dying counts as healthy: the next restart is at once. */
const HEALTHY_RUN_MS = 5_000;
/** Video frames allowed to wait for the encoder before ticks are skipped. */
export const MAX_QUEUED_FRAMES = 3;

export class Encoder extends TypedEmitter<Events> {
  private video: FfmpegProcess | undefined;
  private audio: FfmpegProcess | undefined;
  private closed = false;
  restarts = 0;
  /** Ticks not encoded because the encoder was behind. */
  skippedTicks = 0;
  private framesWritten = 0;
  private videoTagsOut = 0;
  /** Added to the current processes' tag timestamps: the time encoded before they started. */
  private timelineOffsetMs = 0;
  private spawnedAt = 0;
  private quickDeaths = 0;
  /** performance.now() when each recent frame was handed to the encoder, by frame index. */
  private readonly writtenAt = new Map<number, number>();
  /** Recent "canvas written → its FLV video tag out" delays, ms. */
  readonly latencies: number[] = [];

  constructor(
    private readonly ffmpegPath: string,
    readonly settings: OutputSettings,
    readonly encoder: H264Encoder,
  ) {
    super();
  }

  /** The video encoder's pid (the one doing the heavy work). */
  get pid(): number | undefined {
    return this.video?.pid;
  }

  get pids(): number[] {
    return [this.video?.pid, this.audio?.pid].filter((p): p is number => p !== undefined);
  }

  /** Frames handed to the video encoder so far (the next one's index). */
  get framesEncoded(): number {
    return this.framesWritten;
  }

  /** The timestamp (ms, encoder timeline) the next written frame will carry. */
  nextFramePtsMs(): number {
    return Math.round((this.framesWritten * 1000) / this.settings.fps);
  }

  /** Bytes waiting to go into the video encoder; grows if it is slower than real time. */
  get backlogBytes(): number {
    return this.video?.stdin.writableLength ?? 0;
  }

  start(): void {
    if (this.closed) return;
    this.framesWritten = 0;
    this.emit('tag', programMetadata(this.settings));
    this.spawnBoth();
  }

  /** Both processes, continuing the timeline from the frames written so far. */
  private spawnBoth(): void {
    this.videoTagsOut = this.framesWritten;
    this.writtenAt.clear();
    // Audio is written tick by tick with its video, so both timelines are at this instant.
    this.timelineOffsetMs = Math.round((this.framesWritten * 1000) / this.settings.fps);
    this.spawnedAt = performance.now();
    this.video = this.spawn('video encoder', buildVideoEncoderArgs(this.settings, this.encoder));
    this.audio = this.spawn('audio encoder', buildAudioEncoderArgs(this.settings));
  }

  private spawn(name: string, args: string[]): FfmpegProcess {
    const proc = new FfmpegProcess({ ffmpegPath: this.ffmpegPath, args, name });
    const demuxer = new FlvDemuxer();
    proc.stdout.on('data', (chunk: Buffer) => {
      // A sibling stopped after a crash may still flush: its tags belong to no stream now.
      if (this.video !== proc && this.audio !== proc) return;
      let tags: FlvTag[];
      try {
        tags = demuxer.push(chunk);
      } catch (error) {
        this.emit('log', `${name} output unreadable: ${(error as Error).message}`);
        return;
      }
      for (const tag of tags) {
        // Each encoder writes its own onMetaData; the program's was sent at start.
        if (tag.type === TAG_SCRIPT) continue;
        if (tag.type === TAG_VIDEO && tag.payload[1] === 1) this.noteLatency();
        this.emit('tag', this.timelineOffsetMs ? { ...tag, timestamp: tag.timestamp + this.timelineOffsetMs } : tag);
      }
    });
    proc.on('stderrLine', (line) => {
      // Raw PCM has no channel layout to read; ffmpeg assumes stereo, which is what it is.
      if (!/Guessed Channel Layout/.test(line)) this.emit('log', `${name}: ${line}`);
    });
    proc.on('exit', (exit) => {
      if (exit.expected || this.closed || (this.video !== proc && this.audio !== proc)) return;
      const reason = proc.explainExit(exit);
      this.emit('log', `${name} died: ${reason}; restarting the encoder`);
      const others = [this.video, this.audio].filter((p) => p && p !== proc);
      this.video = undefined;
      this.audio = undefined;
      const ranMs = performance.now() - this.spawnedAt;
      this.quickDeaths = ranMs > HEALTHY_RUN_MS ? 0 : this.quickDeaths + 1;
      const delay = RESTART_DELAYS_MS[Math.min(this.quickDeaths, RESTART_DELAYS_MS.length - 1)];
      // The sibling's output is of no use now: stop it at once rather than let it flush.
      void Promise.all(others.map((p) => p?.stop({ closeStdin: false, graceMs: 300 }))).then(() =>
        setTimeout(() => {
          if (this.closed) return;
          this.restarts++;
          // Tell the fan-out first: the new processes' headers follow.
          this.emit('restarted', { reason });
          this.spawnBoth();
        }, delay),
      );
    });
    return proc;
  }

  /** Video packets come out in frame order, one per frame (no B-frames): the n-th is frame n. */
  private noteLatency(): void {
    const index = this.videoTagsOut++;
    const at = this.writtenAt.get(index);
    if (at === undefined) return;
    this.writtenAt.delete(index);
    this.latencies.push(performance.now() - at);
    if (this.latencies.length > 3000) this.latencies.shift();
  }

  /** Counts a skipped tick, except while the encoder is still starting (nothing encoded yet). */
  noteSkippedTick(): void {
    if (this.videoTagsOut > 0) this.skippedTicks++;
  }

  /** True when the next tick should be skipped: restarting, or too many frames waiting. */
  isBehind(frameBytes: number): boolean {
    if (!this.video?.running || !this.audio?.running) return true;
    return this.video.stdin.writableLength > MAX_QUEUED_FRAMES * frameBytes;
  }

  /**
   * One tick: a canvas and its audio. Callers check isBehind() first (and skip the tick's work);
   * a canvas buffer is handed over until at least MAX_QUEUED_FRAMES + 2 more ticks were written.
   */
  write(canvas: Buffer, audio: Buffer): boolean {
    const video = this.video;
    const sound = this.audio;
    if (!video || !sound || this.isBehind(canvas.length)) {
      this.noteSkippedTick();
      return false;
    }
    this.writtenAt.set(this.framesWritten, performance.now());
    if (this.writtenAt.size > 600) this.writtenAt.delete(this.framesWritten - 600);
    this.framesWritten++;
    video.stdin.write(canvas);
    sound.stdin.write(audio);
    return true;
  }

  /** Ends the inputs so both encoders flush their last frames, then waits for them to exit. */
  async stop(): Promise<void> {
    this.closed = true;
    await Promise.all([this.video?.stop({ graceMs: 5000 }), this.audio?.stop({ graceMs: 5000 })]);
  }
}
