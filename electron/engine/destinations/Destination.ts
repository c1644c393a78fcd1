/**
 * One place the program goes: an RTMP(S) server, an SRT listener, a recording file. Each has its
 * own muxer process (copying the one shared encode) and its own bounded queue, so a slow or dead
 * destination only ever hurts itself: when its queue is full it drops whole GOPs and resumes at the
 * next keyframe, counting what it dropped. Dropped connections reconnect with exponential backoff
 * plus jitter; authentication failures stop with a clear error instead of retrying forever.
 */
import { createWriteStream, type WriteStream } from 'node:fs';
import type { DestinationState, DestinationStatus } from '../../../shared/protocol.ts';
import type { DestinationSpec } from '../../../shared/show.ts';
import { FfmpegProcess } from '../ffmpeg/FfmpegProcess.ts';
import { encodeTag, type FlvTag, flvHeader, isVideoKeyframe, TAG_VIDEO } from '../media/flv.ts';
import type { TimedDataRecord } from '../media/timedMetadata.ts';
import type { FlvConsumer, FlvFanout } from '../program/FlvFanout.ts';
import { redactText } from '../redact.ts';
import { TypedEmitter } from '../TypedEmitter.ts';
import { describeTarget, destinationSecrets, muxerArgs, recordingFilePath } from './targets.ts';

export interface DestinationContext {
  ffmpegPath: string;
  fanout: () => FlvFanout;
  showName: () => string;
  videoBitrateKbps: () => number;
  log?: (line: string) => void;
}

interface Events {
  status: DestinationStatus;
}

export const BACKOFF = { firstMs: 1000, factor: 1.5, capMs: 30_000, jitter: 0.2 };

/** Delay before reconnect attempt n (1-based): grows ×1.5 up to the cap, ±20% jitter. */
export function backoffDelayMs(attempt: number, random = Math.random): number {
  const base = Math.min(BACKOFF.capMs, BACKOFF.firstMs * BACKOFF.factor ** Math.max(0, attempt - 1));
  return Math.round(base * (1 + BACKOFF.jitter * (2 * random() - 1)));
}

/** Failures that retrying cannot fix (wrong key, forbidden): the user must act. */
export function isAuthFailure(stderr: string): boolean {
  return /\b(401|403)\b|Unauthorized|Forbidden|Authentication|auth(?:entication)? failed|BadName|Publish\.Denied|rejected/i.test(stderr);
}

function explainFailure(stderr: string[], spec: DestinationSpec): string {
  const text = stderr.join('\n');
  if (isAuthFailure(text)) return 'the server refused the stream (authentication failed): check the stream key';
  if (/Connection refused/i.test(text)) return 'nothing accepts connections at that address (connection refused): check the URL and that the server is up';
  if (/timed out/i.test(text)) return 'the server did not answer in time: check the URL and your network';
  if (/Broken pipe|Connection reset|end of file|Input\/output error/i.test(text)) return 'the server closed the connection';
  if (/Name or service not known|Could not resolve|getaddrinfo|Failed to resolve/i.test(text)) return 'the server name could not be resolved: check the URL';
  if (/Protocol not found|not supported/i.test(text)) return `this ffmpeg cannot send ${spec.kind.toUpperCase()}: use an ffmpeg built with it (CUTLINE_FFMPEG)`;
  if (/No such file or directory|Permission denied/i.test(text)) return 'the recording file cannot be written there: check the folder and its permissions';
  const last = stderr.filter((l) => !/^\s*(frame=|size=)/.test(l)).slice(-2).join(' | ');
  return last ? `the output stopped: ${last}` : 'the output stopped';
}

export class Destination extends TypedEmitter<Events> implements FlvConsumer {
  private process: FfmpegProcess | undefined;
  private state: DestinationState = 'idle';
  private message: string | undefined;
  private attempt = 0;
  private nextRetryAt: number | undefined;
  private retryTimer: NodeJS.Timeout | undefined;
  private statsTimer: NodeJS.Timeout | undefined;
  private wanted = false;
  private waitingForKeyframe = true;
  private baseTimestamp = 0;
  private liveSince = 0;
  private bytesWritten = 0;
  private bytesAtLastStats = 0;
  private framesThisSecond = 0;
  private bitrateKbps = 0;
  private fps = 0;
  droppedFrames = 0;
  /** The file this recording writes (recordings only). */
  filePath: string | undefined;
  /** Timed data beside a recording: one JSON object per line, pts in ms from the file's start. */
  private sidecar: WriteStream | undefined;

  constructor(
    public spec: DestinationSpec,
    private readonly ctx: DestinationContext,
  ) {
    super();
  }

  get id(): string {
    return this.spec.id;
  }

  get running(): boolean {
    return this.wanted;
  }

  get muxerPid(): number | undefined {
    return this.process?.pid;
  }

  /** Queue limit: two seconds of video at the program bitrate, at least 1 MB. */
  private get maxQueueBytes(): number {
    return Math.max(1 << 20, (this.ctx.videoBitrateKbps() * 1000 * 2) / 8);
  }

  status(): DestinationStatus {
    return {
      id: this.spec.id,
      kind: this.spec.kind,
      label: this.spec.label ?? this.spec.id,
      ...(this.spec.preset ? { preset: this.spec.preset } : {}),
      target: this.filePath ?? describeTarget(this.spec),
      state: this.state,
      ...(this.message ? { message: this.message } : {}),
      attempt: this.attempt,
      ...(this.nextRetryAt ? { nextRetryS: Math.max(0, Math.round((this.nextRetryAt - Date.now()) / 100) / 10) } : {}),
      bitrateKbps: this.bitrateKbps,
      fps: this.fps,
      droppedFrames: this.droppedFrames,
      uptimeS: this.state === 'live' ? Math.round((Date.now() - this.liveSince) / 1000) : 0,
      bytesSent: this.bytesWritten,
    };
  }

  start(): void {
    if (this.wanted) return;
    if (this.spec.kind === 'whip') {
      this.setState('error', 'WHIP output is not available in this build yet; use the RTMP ingest of your XDN instead');
      return;
    }
    this.wanted = true;
    this.attempt = 0;
    this.droppedFrames = 0;
    if (this.spec.kind === 'recording') this.filePath = recordingFilePath(this.spec.path, this.ctx.showName());
    this.statsTimer = setInterval(() => this.sampleStats(), 1000);
    this.ctx.fanout().add(this);
    this.connect();
  }

  async stop(): Promise<void> {
    this.wanted = false;
    clearTimeout(this.retryTimer);
    clearInterval(this.statsTimer);
    this.nextRetryAt = undefined;
    this.ctx.fanout().remove(this);
    const proc = this.process;
    this.process = undefined;
    if (proc) await proc.stop({ graceMs: 3000 });
    const sidecar = this.sidecar;
    this.sidecar = undefined;
    if (sidecar) await new Promise((r) => sidecar.end(r));
    if (this.state !== 'error') this.setState('stopped');
  }

  /** Where a recording's timed data goes: `<recording>.data.jsonl`. */
  get sidecarPath(): string | undefined {
    return this.filePath ? this.filePath.replace(/\.[^./\\]+$/, '') + '.data.jsonl' : undefined;
  }

  // ---- FlvConsumer ----

  onData(record: TimedDataRecord): void {
    if (this.spec.kind !== 'recording' || !this.process || this.waitingForKeyframe || !this.sidecarPath) return;
    this.sidecar ??= createWriteStream(this.sidecarPath, { flags: 'a' });
    this.sidecar.write(`${JSON.stringify({ ...record, pts: Math.max(0, record.pts - this.baseTimestamp) })}\n`);
  }

  onStreamStart(): void {
    // A new encode began (encoder restart): the muxer must see the new headers, so reopen.
    if (!this.wanted) return;
    if (this.process) {
      const old = this.process;
      this.process = undefined;
      void old.stop({ graceMs: 1000 }).then(() => this.connect());
    }
  }

  onTag(tag: FlvTag): void {
    const proc = this.process;
    if (!proc?.running) return;
    const stdin = proc.stdin;
    if (this.waitingForKeyframe) {
      if (!isVideoKeyframe(tag)) {
        if (tag.type === TAG_VIDEO) this.droppedFrames++;
        return;
      }
      if (stdin.writableLength > this.maxQueueBytes / 2) {
        this.droppedFrames++;
        return;
      }
      this.waitingForKeyframe = false;
      if (this.baseTimestamp < 0) this.baseTimestamp = tag.timestamp;
    }
    if (stdin.writableLength > this.maxQueueBytes) {
      // The far end is not keeping up: drop the rest of this GOP and resume at a keyframe.
      this.waitingForKeyframe = true;
      if (tag.type === TAG_VIDEO) this.droppedFrames++;
      this.ctx.log?.(`destination ${this.id}: queue full, dropping until the next keyframe`);
      return;
    }
    const bytes = encodeTag(tag.type, Math.max(0, tag.timestamp - this.baseTimestamp), tag.payload);
    this.bytesWritten += bytes.length;
    if (tag.type === TAG_VIDEO) this.framesThisSecond++;
    stdin.write(bytes);
  }

  // ---- connection ----

  private connect(): void {
    if (!this.wanted) return;
    const fanout = this.ctx.fanout();
    if (!fanout.ready) {
      // The encoder has not produced its headers yet; onStreamStart-less wait via retry.
      this.retryTimer = setTimeout(() => this.connect(), 200);
      return;
    }
    this.nextRetryAt = undefined;
    this.setState(this.attempt > 0 ? 'reconnecting' : 'connecting', this.attempt > 0 ? this.message : undefined);
    const secrets = destinationSecrets(this.spec);
    const proc = new FfmpegProcess({
      ffmpegPath: this.ctx.ffmpegPath,
      args: muxerArgs(this.spec, this.filePath),
      secrets,
      name: `destination ${this.id}`,
    });
    this.process = proc;
    this.waitingForKeyframe = true;
    this.baseTimestamp = -1;
    proc.stdin.write(flvHeader());
    for (const tag of fanout.initTags()) proc.stdin.write(encodeTag(tag.type, 0, tag.payload));
    // Start from the GOP in progress rather than waiting for the next keyframe.
    for (const tag of fanout.currentGop()) this.onTag(tag);
    proc.on('stderrLine', (line) => {
      // ffmpeg prints "Output #0" once the output is open (for RTMP: connected and publishing).
      if (this.process === proc && /^Output #0/.test(line) && this.state !== 'live') {
        this.attempt = 0;
        this.liveSince = Date.now();
        this.setState('live');
      }
    });
    proc.on('exit', (exit) => {
      if (this.process !== proc || exit.expected) return;
      this.process = undefined;
      const tail = exit.stderrTail;
      const reason = explainFailure(tail, this.spec);
      this.ctx.log?.(`destination ${this.id}: ${redactText(proc.explainExit(exit), secrets)}`);
      if (!this.wanted) return;
      if (isAuthFailure(tail.join('\n'))) {
        this.wanted = false;
        clearInterval(this.statsTimer);
        this.ctx.fanout().remove(this);
        this.setState('error', reason);
        return;
      }
      this.attempt++;
      const delay = backoffDelayMs(this.attempt);
      this.nextRetryAt = Date.now() + delay;
      this.setState('reconnecting', `${reason}; attempt ${this.attempt}, next in ${(delay / 1000).toFixed(1)} s`);
      this.retryTimer = setTimeout(() => this.connect(), delay);
    });
  }

  private sampleStats(): void {
    this.bitrateKbps = Math.round(((this.bytesWritten - this.bytesAtLastStats) * 8) / 1000);
    this.bytesAtLastStats = this.bytesWritten;
    this.fps = this.framesThisSecond;
    this.framesThisSecond = 0;
    this.emit('status', this.status());
  }

  private setState(state: DestinationState, message?: string): void {
    this.state = state;
    this.message = message;
    this.emit('status', this.status());
  }
}
