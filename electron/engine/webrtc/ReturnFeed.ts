/**
 * What WHEP viewers receive: the program video and an Opus mix.
 *
 * Video: the program's own encode is H.264 High, and Chromium (156) offers only Constrained
 * Baseline, Baseline, Main and High 4:4:4 for WebRTC, so the return has a second, cheap encode of
 * the program canvas (libx264 ultrafast/zerolatency, Constrained Baseline, a keyframe every half
 * second so a viewer switching views sees the new one within a second, at most 640 wide), shared
 * by every viewer of that program and running only while someone watches. One ReturnFeed per
 * program: main's (guests' returns, `/whep/program`) and one per other public view (ViewFeeds.ts). Its FLV tags
 * are re-packetized into RTP; a viewer starts at the next keyframe. Audio is one Opus encoder (ffmpeg)
 * per mix: a guest hears the program minus their own contribution (AudioMixer.mixMinus, computed
 * on every program tick), a plain viewer hears the program. Encoders exist only while someone
 * listens to them.
 *
 * Timed data: the return encode is not the program encode, so shared-object changes are put back
 * into it here as the same Cutline SEI (docs/TIMED-METADATA.md), in the return frame made from the
 * first program canvas whose program timestamp is at or after the change's `pts`; every keyframe
 * repeats the newest record of each object so a viewer that joins late has the state at once.
 */
import { type RTCRtpSender, RtpHeader, RtpPacket } from 'werift';
import { FfmpegProcess } from '../ffmpeg/FfmpegProcess.ts';
import { spawnFlvProcess } from '../ffmpeg/flvProcess.ts';
import { CHANNELS, SAMPLE_RATE } from '../media/AudioRing.ts';
import type { FlvTag } from '../media/flv.ts';
import { buildSeiNal, type TimedDataRecord } from '../media/timedMetadata.ts';
import type { YuvFrame } from '../media/yuv.ts';
import type { Program } from '../program/Program.ts';
import { samplesForTick } from '../program/ProgramClock.ts';
import { OggPacketReader } from './bitstream.ts';
import { H264RtpFeed } from './H264RtpFeed.ts';

/** The mix id of plain program viewers (never a source id: ids have no "*"). */
export const PROGRAM_MIX = '*program*';

export interface ReturnViewer {
  mixId: string;
  video?: RTCRtpSender;
  audio?: RTCRtpSender;
}

interface ViewerState extends ReturnViewer {
  started: boolean;
  videoSeq: number;
  audioSeq: number;
  audioTs: number;
  framesSent: number;
}

class OpusMixEncoder {
  readonly process: FfmpegProcess;
  private readonly reader = new OggPacketReader();
  readonly buffer: Int16Array;

  constructor(ffmpegPath: string, maxSamples: number, onPacket: (packet: Buffer) => void, log: (line: string) => void) {
    this.buffer = new Int16Array(maxSamples * CHANNELS);
    this.process = new FfmpegProcess({
      ffmpegPath,
      name: 'return audio',
      args: [
        '-hide_banner', '-nostdin', '-loglevel', 'error',
        '-f', 's16le', '-ar', String(SAMPLE_RATE), '-ac', String(CHANNELS), '-probesize', '32', '-analyzeduration', '0', '-i', 'pipe:0',
        '-c:a', 'libopus', '-b:a', '64k', '-application', 'lowdelay', '-frame_duration', '20',
        '-f', 'ogg', '-page_duration', '20000', '-flush_packets', '1', 'pipe:1',
      ],
    });
    this.process.stdout.on('data', (chunk: Buffer) => {
      for (const packet of this.reader.push(chunk)) onPacket(packet);
    });
    this.process.on('exit', (exit) => {
      if (!exit.expected) log(`return audio encoder stopped: ${this.process.explainExit(exit)}`);
    });
  }

  write(samples: Int16Array): void {
    if (this.process.running) this.process.stdin.write(Buffer.from(samples.buffer, samples.byteOffset, samples.byteLength));
  }
}

/**
 * Keyframes per second of the return encode: a new viewer (or one switching views) starts at the
 * next keyframe, so at most half a second of waiting; more keyframes cost bits at 640 wide.
 */
export const RETURN_KEYFRAMES_PER_SECOND = 2;

/** The return video encode: program canvases in, FLV (H.264 Constrained Baseline) out. */
export function returnVideoArgs(width: number, height: number, fps: number): string[] {
  const gop = String(Math.max(1, Math.ceil(fps / RETURN_KEYFRAMES_PER_SECOND)));
  const outWidth = Math.min(640, width);
  const outHeight = Math.round((height * outWidth) / width / 2) * 2;
  return [
    '-hide_banner', '-nostdin', '-loglevel', 'error',
    '-f', 'rawvideo', '-pix_fmt', 'yuv420p', '-s', `${width}x${height}`, '-framerate', String(fps), '-probesize', '32', '-analyzeduration', '0', '-i', 'pipe:0',
    ...(outWidth !== width ? ['-vf', `scale=${outWidth}:${outHeight}`] : []),
    '-c:v', 'libx264', '-preset', 'ultrafast', '-tune', 'zerolatency', '-profile:v', 'baseline', '-pix_fmt', 'yuv420p',
    '-g', gop, '-keyint_min', gop, '-bf', '0', '-b:v', '1200k', '-maxrate', '1500k', '-bufsize', '750k',
    '-f', 'flv', '-flvflags', 'no_duration_filesize', 'pipe:1',
  ];
}

export class ReturnFeed {
  private readonly viewers = new Set<ViewerState>();
  private readonly encoders = new Map<string, OpusMixEncoder>();
  private program: Program | undefined;
  private offFrame: (() => void) | undefined;
  private videoEncoder: FfmpegProcess | undefined;
  private readonly rtp = new H264RtpFeed();
  private watch: NodeJS.Timeout | undefined;
  /** Canvases written to the return encoder since it started, and each one's program pts (ms). */
  private framesToEncoder = 0;
  private readonly programPtsOf = new Map<number, number>();
  private returnFps = 30;
  /** Changes waiting for the return frame that first shows them; the newest record per object. */
  private pendingData: TimedDataRecord[] = [];
  private readonly latestData = new Map<string, TimedDataRecord>();
  /** Cutline SEI NAL units put into the return video (for tests and stats). */
  seiSent = 0;

  constructor(
    /** The program it encodes; undefined once that program is gone (the feed idles until closed). */
    private readonly getProgram: () => Program | undefined,
    private readonly ffmpegPath: string,
    private readonly log: (line: string) => void,
  ) {}

  /** H.264 profile_idc of the return video (0x42: Constrained Baseline). */
  readonly profileIdc = 0x42;

  add(viewer: ReturnViewer): () => void {
    const state: ViewerState = { ...viewer, started: false, videoSeq: randomU16(), audioSeq: randomU16(), audioTs: randomU16() * 1000, framesSent: 0 };
    this.viewers.add(state);
    this.hook();
    const program = this.getProgram();
    if (viewer.audio && program && !this.encoders.has(viewer.mixId)) {
      const encoder = new OpusMixEncoder(this.ffmpegPath, program.maxSamplesPerTick, (packet) => this.onOpus(viewer.mixId, packet), this.log);
      this.encoders.set(viewer.mixId, encoder);
    }
    return () => this.remove(state);
  }

  /** A shared-object change (pts = program timestamp of the first frame showing it). */
  queueData(record: TimedDataRecord): void {
    this.latestData.set(record.object, record);
    if (!this.videoEncoder) return;
    this.pendingData.push(record);
    // Nothing comes out of a stuck encoder: keep the newest changes only (keyframes repeat state).
    if (this.pendingData.length > 500) this.pendingData.splice(0, this.pendingData.length - 500);
  }

  framesSent(mixId: string): number {
    let n = 0;
    for (const v of this.viewers) if (v.mixId === mixId) n += v.framesSent;
    return n;
  }

  private remove(state: ViewerState): void {
    this.viewers.delete(state);
    if (![...this.viewers].some((v) => v.mixId === state.mixId && v.audio)) {
      const encoder = this.encoders.get(state.mixId);
      this.encoders.delete(state.mixId);
      void encoder?.process.stop({ graceMs: 500 });
    }
    if (this.viewers.size === 0) this.unhook();
  }

  /** Follows the program (it is replaced when output settings change). */
  private hook(): void {
    if (!this.watch) this.watch = setInterval(() => this.hook(), 500);
    const program = this.getProgram();
    if (program === this.program) return;
    this.unhookProgram();
    if (!program) return;
    this.program = program;
    this.offFrame = program.on('frame', ({ index, encodedIndex, canvas }) => this.onTick(program, index, encodedIndex, canvas));
  }

  private unhookProgram(): void {
    this.offFrame?.();
    this.program = undefined;
    void this.videoEncoder?.stop({ graceMs: 300 });
    this.videoEncoder = undefined;
    for (const v of this.viewers) v.started = false;
  }

  private startVideoEncoder(program: Program): FfmpegProcess {
    const { width, height, fps } = program.settings;
    this.framesToEncoder = 0;
    this.programPtsOf.clear();
    this.pendingData = [];
    this.returnFps = fps;
    return spawnFlvProcess({
      ffmpegPath: this.ffmpegPath,
      name: 'return video',
      args: returnVideoArgs(width, height, fps),
      onTag: (tag) => this.onTag(tag),
      onDied: (proc, reason) => {
        if (this.videoEncoder !== proc) return;
        this.log(`return video encoder stopped: ${reason}; restarting`);
        this.videoEncoder = undefined;
        for (const v of this.viewers) v.started = false;
      },
    });
  }

  private unhook(): void {
    clearInterval(this.watch);
    this.watch = undefined;
    this.unhookProgram();
  }

  async close(): Promise<void> {
    this.viewers.clear();
    this.unhook();
    await Promise.all([...this.encoders.values()].map((e) => e.process.stop({ graceMs: 500 })));
    this.encoders.clear();
  }

  // ---- video ----

  private onTag(tag: FlvTag): void {
    const frame = this.rtp.frame(tag);
    if (!frame) return;
    const sei = this.dataFor(tag, frame.key);
    if (sei) {
      const firstSlice = frame.nals.findIndex((n) => (n[0] & 0x1f) === 1 || (n[0] & 0x1f) === 5);
      frame.nals.splice(Math.max(0, firstSlice), 0, sei);
      this.seiSent++;
    }
    this.rtp.send(frame, this.viewers);
  }

  /**
   * The SEI NAL for this return frame: the changes due at its program pts (the frame was made from
   * the canvas with that pts; return frame n has timestamp round(n * 1000 / fps)), plus on a
   * keyframe the newest record of every other object.
   */
  private dataFor(tag: FlvTag, key: boolean): Buffer | undefined {
    const n = Math.round((tag.timestamp * this.returnFps) / 1000);
    const programPts = this.programPtsOf.get(n);
    for (const k of this.programPtsOf.keys()) {
      if (k > n) break;
      this.programPtsOf.delete(k);
    }
    if (programPts === undefined) return undefined;
    const due = this.pendingData.filter((r) => r.pts <= programPts);
    if (due.length > 0) this.pendingData = this.pendingData.filter((r) => r.pts > programPts);
    const records: object[] = due.map((r) => ({ ...r, pts: programPts }));
    if (key) for (const r of this.latestData.values()) if (!due.some((d) => d.object === r.object)) records.push({ ...r, repeat: true });
    if (records.length === 0) return undefined;
    return buildSeiNal(Buffer.from(JSON.stringify(records.length === 1 ? records[0] : records)));
  }

  // ---- audio ----

  private onTick(program: Program, index: number, encodedIndex: number, canvas: YuvFrame): void {
    if ([...this.viewers].some((v) => v.video)) {
      this.videoEncoder ??= this.startVideoEncoder(program);
      // The canvas is the program's: copy it, the write is queued.
      if (this.videoEncoder.running && this.videoEncoder.stdin.writableLength < 4 * canvas.data.length) {
        this.videoEncoder.stdin.write(Buffer.from(canvas.data));
        this.programPtsOf.set(this.framesToEncoder++, Math.round((encodedIndex * 1000) / program.settings.fps));
      }
    }
    if (this.encoders.size === 0) return;
    const samples = samplesForTick(index, program.settings.fps);
    for (const [mixId, encoder] of this.encoders) {
      const block = encoder.buffer.subarray(0, samples * CHANNELS);
      program.mixMinus(mixId, block);
      encoder.write(block);
    }
  }

  private onOpus(mixId: string, packet: Buffer): void {
    for (const v of this.viewers) {
      if (v.mixId !== mixId || !v.audio) continue;
      const header = new RtpHeader({ sequenceNumber: v.audioSeq, timestamp: v.audioTs >>> 0, marker: false, payloadType: 111 });
      v.audioSeq = (v.audioSeq + 1) & 0xffff;
      v.audioTs = (v.audioTs + 960) >>> 0;
      v.audio.sendRtp(new RtpPacket(header, packet)).catch(() => {});
    }
  }
}

function randomU16(): number {
  return Math.floor(Math.random() * 0xffff);
}
