/**
 * One place the program goes: an RTMP(S) server, a WHIP endpoint, an SRT listener, a recording
 * file. Each has its own muxer process (copying the one shared encode; for WHIP also turning AAC
 * into Opus) and its own bounded queue, so a slow or dead destination only ever hurts itself: when
 * its queue is full it drops whole GOPs and resumes at the next keyframe, counting what it dropped;
 * a server that stops reading for good is reconnected. Dropped connections reconnect with
 * exponential backoff plus jitter; authentication failures stop with a clear error instead of
 * retrying forever. Preflight warnings (shared/destinationPreflight.ts) ride along in the status.
 */
import { createWriteStream, existsSync, type WriteStream } from 'node:fs';
import type { DestinationState, DestinationStatus } from '../../../shared/protocol.ts';
import type { DestinationSpec, OutputSettings } from '../../../shared/show.ts';
import { FfmpegProcess } from '../ffmpeg/FfmpegProcess.ts';
import { encodeTag, type FlvTag, flvHeader, isVideoKeyframe, TAG_AUDIO, TAG_SCRIPT, TAG_VIDEO } from '../media/flv.ts';
import type { TimedDataRecord } from '../media/timedMetadata.ts';
import type { FlvConsumer, FlvFanout } from '../program/FlvFanout.ts';
import { redactText } from '../redact.ts';
import type { Released } from '../secrets/BoundSecrets.ts';
import { TypedEmitter } from '../TypedEmitter.ts';
import type { PreflightResult } from '../../../shared/destinationPreflight.ts';
import { type RtmpClosed, RtmpPublisher } from './RtmpPublisher.ts';
import { describeTarget, destinationSecrets, muxerArgs, recordingFilePath, secretOnCommandLine } from './targets.ts';
import { H264_CONSTRAINED_BASELINE, WhipError, WhipPublisher } from './WhipPublisher.ts';

export interface DestinationContext {
  ffmpegPath: string;
  fanout: () => FlvFanout;
  showName: () => string;
  videoBitrateKbps: () => number;
  /** Program settings (WHIP needs fps and bitrates for its own encode). */
  output?: () => OutputSettings;
  /** Checks the spec against its service and this engine; run on every start. */
  preflight?: (spec: DestinationSpec) => PreflightResult;
  /** Where a spec without a secret gets its stream key / token / passphrase: only one stored for
   * exactly this destination (BoundSecrets). */
  secrets?: { release(spec: DestinationSpec): Released };
  log?: (line: string) => void;
}

interface Events {
  status: DestinationStatus;
}

export const BACKOFF = { firstMs: 1000, factor: 1.5, capMs: 30_000, jitter: 0.2 };
/** A server that closes the connection this many times in a row before publishing starts is
 * refusing the stream (RTMP servers do that for a wrong key without saying why). */
export const REFUSALS_BEFORE_ERROR = 3;
/** A muxer whose queue stayed full this long is stuck on a server that stopped reading: reconnect. */
export const STALL_RECONNECT_MS = 15_000;

/** Delay before reconnect attempt n (1-based): grows ×1.5 up to the cap, ±20% jitter. */
export function backoffDelayMs(attempt: number, random = Math.random): number {
  const base = Math.min(BACKOFF.capMs, BACKOFF.firstMs * BACKOFF.factor ** Math.max(0, attempt - 1));
  return Math.round(base * (1 + BACKOFF.jitter * (2 * random() - 1)));
}

const isProgressLine = (line: string) => /^\s*(frame=|size=)/.test(line);

/** Failures that retrying cannot fix (wrong key, forbidden): the user must act. */
export function isAuthFailure(stderr: string): boolean {
  const text = stderr
    .split('\n')
    .filter((l) => !isProgressLine(l))
    .join('\n');
  return /\b(401|403) (Unauthorized|Forbidden)\b|Unauthorized|Forbidden|authentication failed|auth failed|BadName|Publish\.Denied|Publish\.Rejected|publish.*rejected/i.test(text);
}

/** The server accepted the TCP connection and then closed it before publishing began. */
export function isClosedBeforePublish(stderr: string): boolean {
  if (/Connection refused|timed out|Name or service not known|Could not resolve|Failed to resolve|Protocol not found/i.test(stderr)) return false;
  return /Input\/output error|End of file|Connection reset|Broken pipe|Error in the pull function|Cannot open connection/i.test(stderr);
}

function explainFailure(stderr: string[], spec: DestinationSpec): string {
  const text = stderr.filter((l) => !isProgressLine(l)).join('\n');
  if (isAuthFailure(text)) return 'the server refused the stream (authentication failed): check the stream key';
  if (/Connection refused/i.test(text)) return 'nothing accepts connections at that address (connection refused): check the URL and that the server is up';
  if (/tls|certificate|handshake/i.test(text) && /rtmps/i.test(text)) return 'the TLS connection failed (the server certificate could not be verified, or TLS is not spoken there): check the rtmps:// URL';
  if (/timed out/i.test(text)) return 'the server did not answer in time: check the URL and your network';
  if (/Broken pipe|Connection reset|end of file|Input\/output error/i.test(text)) return 'the server closed the connection';
  if (/Name or service not known|Could not resolve|getaddrinfo|Failed to resolve/i.test(text)) return 'the server name could not be resolved: check the URL';
  if (/Protocol not found|not supported/i.test(text)) return `this ffmpeg cannot send ${spec.kind.toUpperCase()}: use an ffmpeg built with it (CUTLINE_FFMPEG)`;
  if (/No such file or directory|Permission denied/i.test(text)) return 'the recording file cannot be written there: check the folder and its permissions';
  const last = stderr.filter((l) => !isProgressLine(l)).slice(-2).join(' | ');
  return last ? `the output stopped: ${last}` : 'the output stopped';
}

function diskFullMessage(file: string | undefined): string {
  return `the disk is full: the recording stopped${file ? ` (${file} plays up to that point)` : ''}; free some space or record to another folder, then start it again`;
}

export class Destination extends TypedEmitter<Events> implements FlvConsumer {
  private process: FfmpegProcess | undefined;
  private publisher: WhipPublisher | undefined;
  /** RTMP(S) goes out from Node itself (no ffmpeg: the key stays out of command lines). */
  private rtmp: RtmpPublisher | undefined;
  private state: DestinationState = 'idle';
  private message: string | undefined;
  private warnings: string[] = [];
  private attempt = 0;
  private refusedInARow = 0;
  private nextRetryAt: number | undefined;
  private retryTimer: NodeJS.Timeout | undefined;
  private statsTimer: NodeJS.Timeout | undefined;
  private wanted = false;
  /** Bumped on every connect/stop so late async results of an old attempt are ignored. */
  private generation = 0;
  private waitingForKeyframe = true;
  private baseTimestamp = 0;
  private liveSince = 0;
  private queueFullSince: number | undefined;
  private stallReason: string | undefined;
  private bytesWritten = 0;
  private bytesAtLastStats = 0;
  private framesThisSecond = 0;
  private bitrateKbps = 0;
  private fps = 0;
  droppedFrames = 0;
  /** Video frames handed to the muxer since start. */
  framesSent = 0;
  /** Connection attempts since start (for tests and logs: a retry storm shows here). */
  connectAttempts = 0;
  /** The file this recording writes (recordings only). */
  filePath: string | undefined;
  /** Timed data beside a recording: one JSON object per line, pts in ms from the file's start. */
  private sidecar: WriteStream | undefined;
  /** Why the sidecar cannot be written (full disk, a folder in its place): the recording goes on without it. */
  private sidecarProblem: string | undefined;
  /** onTextData tags that arrived while waiting for a keyframe: sent if that keyframe is theirs. */
  private heldData: FlvTag[] = [];
  /** Program timestamps of the last video and audio tags written. */
  private lastVideoTs = -1;
  private lastAudioTs = -1;
  /** While stopping: no more video; called once the audio has reached the last video written. */
  private onAudioCaughtUp: (() => void) | undefined;

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

  /** Keyframe requests (RTCP PLI) the WHIP far end sent. */
  get keyframeRequests(): number {
    return this.publisher?.keyframeRequests ?? 0;
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
      ...(this.warnings.length || this.sidecarProblem ? { warnings: [...this.warnings, ...(this.sidecarProblem ? [this.sidecarProblem] : [])] } : {}),
      attempt: this.attempt,
      ...(this.nextRetryAt ? { nextRetryS: Math.max(0, Math.round((this.nextRetryAt - Date.now()) / 100) / 10) } : {}),
      bitrateKbps: this.bitrateKbps,
      fps: this.fps,
      droppedFrames: this.droppedFrames,
      uptimeS: this.state === 'live' ? Math.round((Date.now() - this.liveSince) / 1000) : 0,
      bytesSent: this.bytesWritten,
    };
  }

  /** Runs preflight now and keeps its warnings in the status. */
  checkPreflight(): PreflightResult | undefined {
    const result = this.ctx.preflight?.(this.effectiveSpec());
    if (result) this.warnings = result.issues.filter((i) => i.severity === 'warning').map((i) => i.message);
    return result;
  }

  /** The spec with its secret from the secret store when the spec itself has none. */
  private effectiveSpec(): DestinationSpec {
    return this.ctx.secrets?.release(this.spec).spec ?? this.spec;
  }

  start(): void {
    if (this.wanted) return;
    const check = this.checkPreflight();
    if (check?.blocking) {
      this.setState('error', check.blocking);
      return;
    }
    // A key stored for another destination (or not yet confirmed for this one) is not sent anywhere.
    const refused = this.ctx.secrets?.release(this.spec).error ?? secretOnCommandLine(this.effectiveSpec());
    if (refused) {
      this.setState('error', refused);
      return;
    }
    this.wanted = true;
    this.attempt = 0;
    this.refusedInARow = 0;
    this.connectAttempts = 0;
    this.droppedFrames = 0;
    this.framesSent = 0;
    this.lastVideoTs = -1;
    this.lastAudioTs = -1;
    this.sidecarProblem = undefined;
    if (this.spec.kind === 'recording') this.filePath = recordingFilePath(this.spec.path, this.ctx.showName());
    this.statsTimer = setInterval(() => this.sampleStats(), 1000);
    this.ctx.fanout().add(this);
    this.connect();
  }

  async stop(): Promise<void> {
    this.wanted = false;
    this.generation++;
    clearTimeout(this.retryTimer);
    clearInterval(this.statsTimer);
    this.nextRetryAt = undefined;
    await this.letAudioCatchUp(300);
    this.ctx.fanout().remove(this);
    await this.closeConnection(3000);
    const sidecar = this.sidecar;
    this.sidecar = undefined;
    if (sidecar && !sidecar.destroyed) await new Promise((done) => sidecar.end(done));
    if (this.state !== 'error') this.setState('stopped');
  }

  /**
   * Audio is encoded apart from video and reaches the fan-out a frame or two after the video of
   * the same instant. Stopping at once would end a recording (or a stream) with ~30–50 ms of
   * picture and no sound; so take no more video, and let the audio in until it has reached the
   * last video written (or `maxMs` passes, e.g. when the program itself has stopped).
   */
  private letAudioCatchUp(maxMs: number): Promise<void> {
    const connected = Boolean(this.process?.running || this.rtmp?.live);
    if (!connected || this.waitingForKeyframe || this.lastVideoTs < 0 || this.lastAudioTs < 0 || this.lastAudioTs >= this.lastVideoTs) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.onAudioCaughtUp = undefined;
        resolve();
      };
      const timer = setTimeout(done, maxMs);
      this.onAudioCaughtUp = done;
    });
  }

  /** Where a recording's timed data goes: `<recording>.data.jsonl` (docs/TIMED-METADATA.md). */
  get sidecarPath(): string | undefined {
    return this.filePath ? `${this.filePath.replace(/\.[^./\\]+$/, '')}.data.jsonl` : undefined;
  }

  private async closeConnection(graceMs: number): Promise<void> {
    const proc = this.process;
    const publisher = this.publisher;
    const rtmp = this.rtmp;
    this.process = undefined;
    this.publisher = undefined;
    this.rtmp = undefined;
    this.queueFullSince = undefined;
    await Promise.all([proc?.stop({ graceMs }), publisher?.close(), rtmp?.stop()]);
  }

  // ---- FlvConsumer ----

  /** RTMP carries each change as an AMF0 data message too; ffmpeg muxers get only onMetaData. */
  get wantsDataMessages(): boolean {
    return this.spec.kind === 'rtmp';
  }

  onData(record: TimedDataRecord): void {
    if (this.spec.kind !== 'recording' || !this.process || this.waitingForKeyframe || record.pts < this.baseTimestamp) return;
    const path = this.sidecarPath;
    if (!path || this.sidecarProblem) return;
    if (!this.sidecar) {
      const sidecar = createWriteStream(path, { flags: 'a' });
      // Without this an unwritable sidecar is an uncaught exception that ends the engine and every stream.
      sidecar.on('error', (error: NodeJS.ErrnoException) => this.onSidecarError(sidecar, path, error));
      this.sidecar = sidecar;
    }
    this.sidecar.write(`${JSON.stringify({ ...record, pts: record.pts - this.baseTimestamp })}\n`);
  }

  private onSidecarError(sidecar: WriteStream, path: string, error: NodeJS.ErrnoException): void {
    sidecar.destroy();
    if (this.sidecar === sidecar) this.sidecar = undefined;
    this.sidecarProblem = `the timed-data file ${path} cannot be written (${error.code ?? error.message}): the recording goes on without it`;
    this.ctx.log?.(`destination ${this.id}: ${this.sidecarProblem}`);
    this.emit('status', this.status());
  }

  onStreamStart(): void {
    // A new encode began (encoder restart): the muxer must see the new headers, so reopen.
    if (!this.wanted || !(this.process || this.rtmp)) return;
    this.generation++;
    void this.closeConnection(1000).then(() => this.connect());
  }

  onTag(tag: FlvTag): void {
    // Stopping (letAudioCatchUp): only audio still goes in.
    if (this.onAudioCaughtUp && tag.type !== TAG_AUDIO) return;
    const rtmp = this.rtmp;
    const proc = this.process;
    let queued: number;
    let write: (timestamp: number) => number;
    if (rtmp?.live) {
      queued = rtmp.queuedBytes;
      write = (timestamp) => rtmp.writeTag(tag, timestamp);
    } else if (proc?.running) {
      const stdin = proc.stdin;
      queued = stdin.writableLength;
      write = (timestamp) => {
        const bytes = encodeTag(tag.type, timestamp, tag.payload);
        stdin.write(bytes);
        return bytes.length;
      };
    } else return;
    if (tag.type === TAG_SCRIPT) {
      // Timed data (the GOP cache holds it too): never into an ffmpeg muxer, whose FLV demuxer
      // would turn it into a text track. It comes just before the video tag it belongs to.
      if (!rtmp?.live) return;
      if (this.waitingForKeyframe) {
        this.heldData.push(tag);
        return;
      }
    }
    const held = this.heldData;
    if (held.length > 0) this.heldData = [];
    if (this.waitingForKeyframe) {
      if (!isVideoKeyframe(tag)) {
        if (tag.type === TAG_VIDEO) this.droppedFrames++;
        return;
      }
      if (queued > this.maxQueueBytes / 2) {
        this.droppedFrames++;
        return;
      }
      this.waitingForKeyframe = false;
      this.queueFullSince = undefined;
      if (this.baseTimestamp < 0) this.baseTimestamp = tag.timestamp;
      // The keyframe's own data (held just above) goes out just before it.
      if (rtmp) for (const data of held) if (data.timestamp === tag.timestamp) this.bytesWritten += rtmp.writeTag(data, Math.max(0, data.timestamp - this.baseTimestamp));
    }
    // Audio is encoded apart from video and arrives a little after the video of the same time:
    // what belongs before the keyframe this destination started at stays out.
    if (tag.timestamp < this.baseTimestamp) return;
    if (queued > this.maxQueueBytes) {
      // The far end is not keeping up: drop the rest of this GOP and resume at a keyframe.
      this.waitingForKeyframe = true;
      this.queueFullSince ??= Date.now();
      if (tag.type === TAG_VIDEO) this.droppedFrames++;
      this.ctx.log?.(`destination ${this.id}: queue full, dropping until the next keyframe`);
      return;
    }
    this.bytesWritten += write(Math.max(0, tag.timestamp - this.baseTimestamp));
    if (tag.type === TAG_VIDEO) {
      this.framesThisSecond++;
      this.framesSent++;
      this.lastVideoTs = tag.timestamp;
    } else if (tag.type === TAG_AUDIO) {
      this.lastAudioTs = tag.timestamp;
      if (this.onAudioCaughtUp && tag.timestamp >= this.lastVideoTs) this.onAudioCaughtUp();
    }
  }

  // ---- connection ----

  /**
   * After a connection ended: retry, unless the server has closed it before publishing too many
   * times in a row (the usual sign of a wrong stream key; retrying forever would hide it).
   */
  private retryOrFail(reason: string, closedBeforePublish: boolean): void {
    if (!closedBeforePublish) this.refusedInARow = 0;
    else if (++this.refusedInARow >= REFUSALS_BEFORE_ERROR) {
      this.fail(
        `the server accepted the connection but closed it before the stream was published, ${this.refusedInARow} times in a row: most often a wrong or expired stream key (or the stream name is already in use). Check the key, then start again`,
      );
      return;
    }
    this.scheduleRetry(reason);
  }

  private connect(): void {
    if (!this.wanted) return;
    const fanout = this.ctx.fanout();
    if (!fanout.ready) {
      // The encoder has not produced its headers yet.
      this.retryTimer = setTimeout(() => this.connect(), 200);
      return;
    }
    const generation = ++this.generation;
    this.nextRetryAt = undefined;
    this.connectAttempts++;
    this.setState(this.attempt > 0 ? 'reconnecting' : 'connecting', this.attempt > 0 ? this.message : undefined);
    const spec = this.effectiveSpec();
    if (spec.kind === 'whip') void this.connectWhip(spec, generation);
    else if (spec.kind === 'rtmp') this.connectRtmp(spec);
    else {
      // A recording that reconnects (its muxer died) continues in a new file: never overwrite.
      if (spec.kind === 'recording' && this.filePath && existsSync(this.filePath)) {
        this.filePath = recordingFilePath(this.filePath, this.ctx.showName());
        const old = this.sidecar;
        this.sidecar = undefined;
        this.sidecarProblem = undefined;
        if (old && !old.destroyed) old.end();
      }
      this.spawnMuxer(spec, muxerArgs(spec, this.filePath));
    }
  }

  private connectRtmp(spec: Extract<DestinationSpec, { kind: 'rtmp' }>): void {
    const secrets = destinationSecrets(spec);
    let rtmp: RtmpPublisher;
    try {
      rtmp = new RtmpPublisher({
        url: spec.url,
        ...(spec.streamKey ? { streamKey: spec.streamKey } : {}),
        ...(process.env.CUTLINE_TLS_CA_FILE ? { caFile: process.env.CUTLINE_TLS_CA_FILE } : {}),
        insecure: process.env.CUTLINE_TLS_VERIFY === '0',
      });
    } catch (error) {
      this.fail(redactText((error as Error).message, secrets));
      return;
    }
    this.rtmp = rtmp;
    this.waitingForKeyframe = true;
    this.queueFullSince = undefined;
    this.stallReason = undefined;
    this.baseTimestamp = -1;
    rtmp.on('published', () => {
      if (this.rtmp !== rtmp) return;
      const fanout = this.ctx.fanout();
      for (const tag of fanout.initTags()) rtmp.writeTag(tag, 0);
      this.attempt = 0;
      this.refusedInARow = 0;
      this.liveSince = Date.now();
      this.setState('live');
      // Start from the GOP in progress rather than waiting for the next keyframe.
      for (const tag of fanout.currentGop()) this.onTag(tag);
    });
    rtmp.on('closed', (closed: RtmpClosed) => {
      if (this.rtmp !== rtmp) return;
      this.rtmp = undefined;
      const reason = redactText(this.stallReason ?? closed.reason, secrets);
      this.ctx.log?.(`destination ${this.id}: ${reason}`);
      if (!this.wanted) return;
      if (closed.refused) return this.fail(`${reason}: check the stream key`);
      this.retryOrFail(reason, closed.beforePublish && closed.connected && !this.stallReason && !closed.inUse);
    });
    rtmp.start();
  }

  private async connectWhip(spec: Extract<DestinationSpec, { kind: 'whip' }>, generation: number): Promise<void> {
    const publisher = new WhipPublisher({
      url: spec.url,
      ...(spec.token ? { token: spec.token } : {}),
      ...(spec.iceServers ? { iceServers: spec.iceServers } : {}),
      // Copying the program encode sends High profile; our own encode is constrained baseline.
      h264ProfileLevelId: spec.video === 'copy' ? '640c1f' : H264_CONSTRAINED_BASELINE,
      log: (line) => this.ctx.log?.(`destination ${this.id}: ${redactText(line, destinationSecrets(spec))}`),
    });
    try {
      await publisher.open();
    } catch (error) {
      await publisher.close();
      if (generation !== this.generation || !this.wanted) return;
      const message = redactText((error as Error).message, destinationSecrets(spec));
      if (error instanceof WhipError && error.isAuth) return this.fail(message);
      return this.scheduleRetry(message);
    }
    if (generation !== this.generation || !this.wanted) {
      await publisher.close();
      return;
    }
    this.publisher = publisher;
    publisher.on('keyframeRequest', () => {
      // Our own encode has a keyframe every second and the copy mode the program's: a PLI is
      // answered by the next one (ffmpeg cannot be told to make one now).
      if (publisher.keyframeRequests % 50 === 1) this.ctx.log?.(`destination ${this.id}: the far end asked for a keyframe (${publisher.keyframeRequests} so far)`);
    });
    publisher.on('closed', (reason) => {
      if (this.publisher !== publisher || !this.wanted) return;
      this.ctx.log?.(`destination ${this.id}: ${reason}`);
      this.generation++;
      void this.closeConnection(500).then(() => this.scheduleRetry(reason));
    });
    const output = this.ctx.output?.();
    this.spawnMuxer(
      spec,
      muxerArgs(spec, undefined, {
        videoPort: publisher.videoPort,
        audioPort: publisher.audioPort,
        video: spec.video,
        fps: output?.fps ?? 30,
        videoBitrateKbps: Math.min(output?.videoBitrateKbps ?? 2500, 6000),
        audioBitrateKbps: Math.min(output?.audioBitrateKbps ?? 128, 256),
      }),
    );
  }

  private spawnMuxer(spec: DestinationSpec, args: string[]): void {
    const secrets = destinationSecrets(spec);
    const proc = new FfmpegProcess({ ffmpegPath: this.ctx.ffmpegPath, args, secrets, name: `destination ${this.id}` });
    this.process = proc;
    this.waitingForKeyframe = true;
    this.queueFullSince = undefined;
    this.stallReason = undefined;
    this.baseTimestamp = -1;
    const fanout = this.ctx.fanout();
    proc.stdin.write(flvHeader());
    for (const tag of fanout.initTags()) proc.stdin.write(encodeTag(tag.type, 0, tag.payload));
    // Start from the GOP in progress rather than waiting for the next keyframe.
    for (const tag of fanout.currentGop()) this.onTag(tag);
    let published = false;
    proc.on('stderrLine', (line) => {
      // ffmpeg prints "Output #0" once the output is open (for RTMP: connected and publishing).
      if (this.process === proc && /^Output #0/.test(line) && this.state !== 'live') {
        published = true;
        this.attempt = 0;
        this.refusedInARow = 0;
        this.liveSince = Date.now();
        this.setState('live');
      }
    });
    proc.on('exit', (exit) => {
      if (this.process !== proc || exit.expected) return;
      this.process = undefined;
      const tail = exit.stderrTail;
      const text = tail.join('\n');
      const reason = this.stallReason ?? explainFailure(tail, spec);
      this.ctx.log?.(`destination ${this.id}: ${redactText(proc.explainExit(exit), secrets)}`);
      const publisher = this.publisher;
      this.publisher = undefined;
      void publisher?.close();
      if (!this.wanted) return;
      if (isAuthFailure(text)) return this.fail(reason);
      // A full disk does not empty itself: retrying would only make more broken files.
      if (spec.kind === 'recording' && /No space left on device/i.test(text)) return this.fail(diskFullMessage(this.filePath));
      this.retryOrFail(reason, spec.kind === 'rtmp' && !published && !this.stallReason && isClosedBeforePublish(text));
    });
  }

  private fail(message: string): void {
    this.wanted = false;
    this.generation++;
    clearInterval(this.statsTimer);
    this.nextRetryAt = undefined;
    this.ctx.fanout().remove(this);
    void this.closeConnection(500);
    this.setState('error', message);
  }

  private scheduleRetry(reason: string): void {
    if (!this.wanted) return;
    this.attempt++;
    const delay = backoffDelayMs(this.attempt);
    this.nextRetryAt = Date.now() + delay;
    this.setState('reconnecting', `${reason}; attempt ${this.attempt}, next in ${(delay / 1000).toFixed(1)} s`);
    this.retryTimer = setTimeout(() => this.connect(), delay);
  }

  private sampleStats(): void {
    this.bitrateKbps = Math.round(((this.bytesWritten - this.bytesAtLastStats) * 8) / 1000);
    this.bytesAtLastStats = this.bytesWritten;
    this.fps = this.framesThisSecond;
    this.framesThisSecond = 0;
    const proc = this.process;
    if ((proc || this.rtmp) && this.queueFullSince !== undefined && Date.now() - this.queueFullSince > STALL_RECONNECT_MS) {
      // The server accepted the connection and stopped reading: our queue has been full this long.
      this.stallReason = `the server stopped reading for ${Math.round(STALL_RECONNECT_MS / 1000)} s (queue full, ${this.droppedFrames} frames dropped)`;
      this.queueFullSince = undefined;
      if (this.rtmp) this.rtmp.close(this.stallReason);
      else proc?.child.kill('SIGKILL');
    }
    this.emit('status', this.status());
  }

  private setState(state: DestinationState, message?: string): void {
    this.state = state;
    this.message = message;
    this.emit('status', this.status());
  }
}
