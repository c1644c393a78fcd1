/**
 * The program encoder: one ffmpeg that takes raw I420 canvases on stdin and s16le audio on fd 3 and
 * writes FLV (H.264 + AAC) on stdout, which the fan-out hands to every destination. Input
 * timestamps are implied by frame and sample counts (rawvideo at a fixed rate, PCM at 48 kHz), so
 * audio and video cannot drift apart.
 *
 * Supervised: an encoder that exits unexpectedly is restarted; `restarted` tells the fan-out that
 * the stream (and its sequence headers) begins anew.
 */
import type { OutputSettings } from '../../../shared/show.ts';
import { audioEncoderArgs, type H264Encoder, videoEncoderArgs } from '../ffmpeg/encoderArgs.ts';
import { FfmpegProcess } from '../ffmpeg/FfmpegProcess.ts';
import { CHANNELS, SAMPLE_RATE } from '../media/AudioRing.ts';
import { FlvDemuxer, type FlvTag, TAG_VIDEO } from '../media/flv.ts';
import { TypedEmitter } from '../TypedEmitter.ts';

interface Events {
  tag: FlvTag;
  /** The encoder process started again after dying; a new FLV stream follows. */
  restarted: { reason: string };
  log: string;
}

export function buildEncoderArgs(settings: OutputSettings, encoder: H264Encoder): string[] {
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
  const fastOpen = ['-probesize', '32', '-analyzeduration', '0', '-thread_queue_size', '512'];
  return [
    '-hide_banner',
    '-loglevel', 'warning',
    ...video.inputArgs,
    '-f', 'rawvideo', '-pix_fmt', 'yuv420p', '-s', `${settings.width}x${settings.height}`, '-framerate', String(settings.fps),
    ...fastOpen, '-i', 'pipe:0',
    '-f', 's16le', '-ar', String(SAMPLE_RATE), '-ac', String(CHANNELS), ...fastOpen, '-i', 'pipe:3',
    '-map', '0:v', '-map', '1:a',
    ...video.outputArgs,
    ...audioEncoderArgs(settings.audioBitrateKbps),
    '-f', 'flv', '-flvflags', 'no_duration_filesize', 'pipe:1',
  ];
}

const RESTART_DELAY_MS = 500;

export class Encoder extends TypedEmitter<Events> {
  private process: FfmpegProcess | undefined;
  private demuxer = new FlvDemuxer();
  private closed = false;
  restarts = 0;
  private framesWritten = 0;
  /** hrtime (ms) at which each recent frame was handed to the encoder, by frame index. */
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

  get pid(): number | undefined {
    return this.process?.pid;
  }

  /** The timestamp (ms, encoder timeline) the next written frame will carry. */
  nextFramePtsMs(): number {
    return Math.round((this.framesWritten * 1000) / this.settings.fps);
  }

  /** Bytes waiting to go into the encoder; grows if the encoder is slower than real time. */
  get backlogBytes(): number {
    return this.process?.stdin.writableLength ?? 0;
  }

  start(): void {
    this.spawn();
  }

  private spawn(): void {
    if (this.closed) return;
    const proc = new FfmpegProcess({
      ffmpegPath: this.ffmpegPath,
      args: buildEncoderArgs(this.settings, this.encoder),
      extraPipes: 1,
      name: 'encoder',
    });
    this.process = proc;
    this.demuxer = new FlvDemuxer();
    this.framesWritten = 0;
    this.writtenAt.clear();
    const demuxer = this.demuxer;
    proc.stdout.on('data', (chunk: Buffer) => {
      let tags: FlvTag[];
      try {
        tags = demuxer.push(chunk);
      } catch (error) {
        this.emit('log', `encoder output unreadable: ${(error as Error).message}`);
        return;
      }
      for (const tag of tags) {
        if (tag.type === TAG_VIDEO) this.noteLatency(tag.timestamp);
        this.emit('tag', tag);
      }
    });
    proc.on('stderrLine', (line) => this.emit('log', `encoder: ${line}`));
    proc.on('exit', (exit) => {
      if (exit.expected || this.closed || this.process !== proc) return;
      const reason = proc.explainExit(exit);
      this.emit('log', `encoder died: ${reason}; restarting`);
      this.process = undefined;
      setTimeout(() => {
        if (this.closed) return;
        this.restarts++;
        this.spawn();
        this.emit('restarted', { reason });
      }, RESTART_DELAY_MS);
    });
  }

  private noteLatency(timestampMs: number): void {
    const index = Math.round((timestampMs * this.settings.fps) / 1000);
    const at = this.writtenAt.get(index);
    if (at === undefined) return;
    this.writtenAt.delete(index);
    this.latencies.push(performance.now() - at);
    if (this.latencies.length > 3000) this.latencies.shift();
  }

  /** One tick: a canvas and its audio. Dropped silently while the encoder is restarting. */
  write(canvas: Buffer, audio: Buffer): void {
    const proc = this.process;
    if (!proc?.running) return;
    this.writtenAt.set(this.framesWritten, performance.now());
    if (this.writtenAt.size > 600) this.writtenAt.delete(this.framesWritten - 600);
    this.framesWritten++;
    proc.stdin.write(canvas);
    proc.pipe(3).write(audio);
  }

  /** Ends the inputs so the encoder flushes its last frames, then waits for it to exit. */
  async stop(): Promise<void> {
    this.closed = true;
    const proc = this.process;
    if (!proc) return;
    proc.pipe(3).end();
    await proc.stop({ graceMs: 5000 });
  }
}
