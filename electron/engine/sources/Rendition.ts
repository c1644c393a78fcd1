/**
 * A source's picture at one more size: a video-only decoder of the same input, for a program that
 * draws the source at another size, fit or crop than the biggest (the source's own decoder serves
 * that one, with the sound). One per source and size, however many programs draw it so. Only
 * for inputs that can be opened twice (files, streams, test patterns); cameras and WebRTC feeds
 * have one reader, and other sizes scale their one picture. Supervised like the main decoder:
 * it restarts after a delay when it dies; until its first frame the caller falls back to the
 * main picture.
 */
import { FfmpegProcess } from '../ffmpeg/FfmpegProcess.ts';
import { RawFrameReader } from '../media/RawFrameReader.ts';
import { frameBytes, type YuvFrame } from '../media/yuv.ts';
import { type DecodeTarget, VIDEO_FD } from './decoderArgs.ts';

const RESTART_DELAY_MS = 1000;
/** A rendition whose last frame is older than this is not shown (the main picture is). */
const FRESH_MS = 1000;

export interface RenditionOptions {
  ffmpegPath: string;
  name: string;
  target: DecodeTarget;
  /** The decoder's command line (video only) at this size, built when (re)started. */
  args(): string[];
  secrets: readonly string[];
  log?: (line: string) => void;
}

export class Rendition {
  private process: FfmpegProcess | undefined;
  private restartTimer: NodeJS.Timeout | undefined;
  private closed = false;
  private latest: YuvFrame | undefined;
  private latestAt = 0;

  constructor(private readonly options: RenditionOptions) {
    this.spawn();
  }

  get target(): DecodeTarget {
    return this.options.target;
  }

  /** The newest picture at this size, unless this decoder has stopped delivering. */
  frame(): YuvFrame | undefined {
    return this.latest && performance.now() - this.latestAt < FRESH_MS ? this.latest : undefined;
  }

  get pid(): number | undefined {
    return this.process?.pid;
  }

  private spawn(): void {
    if (this.closed) return;
    const { width, height } = this.options.target;
    const reader = new RawFrameReader(frameBytes(width, height), (buffer) => this.latest?.data === buffer);
    let proc: FfmpegProcess;
    try {
      proc = new FfmpegProcess({ ffmpegPath: this.options.ffmpegPath, args: this.options.args(), secrets: this.options.secrets, name: this.options.name });
    } catch (error) {
      this.options.log?.(`${this.options.name}: cannot start (${(error as Error).message})`);
      this.restartTimer = setTimeout(() => this.spawn(), RESTART_DELAY_MS);
      return;
    }
    this.process = proc;
    proc.pipe(VIDEO_FD).on('data', (chunk: Buffer) => {
      if (this.process !== proc) return;
      for (const data of reader.push(chunk)) {
        this.latest = { width, height, data };
        this.latestAt = performance.now();
      }
    });
    proc.on('exit', (exit) => {
      if (this.process !== proc || this.closed || exit.expected) return;
      this.process = undefined;
      this.options.log?.(`${this.options.name}: ${proc.explainExit(exit)}; restarting`);
      this.restartTimer = setTimeout(() => this.spawn(), RESTART_DELAY_MS);
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.restartTimer);
    await this.process?.stop({ closeStdin: false, graceMs: 500 });
  }
}
