/**
 * RTP from a WebRTC peer into a source's decoder: video through a jitter buffer (reorders NACKed
 * retransmissions; werift's receiver sends the NACKs) and our FrameAssembler (whole, decodable
 * frames only) into IVF (VP8) or Annex-B + AUD (H.264) on the decoder's stdin; Opus packets as Ogg
 * pages on fd 4.
 *
 * Keyframes: Chromium sends none by itself, so every new decoder, every frame the assembler drops
 * and a stream with no keyframe yet get a PLI, and nothing reaches a decoder before a real
 * keyframe (checked in the bitstream, not trusted from the packetizer). One feed outlives
 * sessions: a publisher that comes back is bound again and the source's decoder restarts for it.
 */
import { type MediaStreamTrack, ReceiverEstimatedMaxBitrate, type RTCRtpReceiver, RtcpPayloadSpecificFeedback, type RtpPacket } from 'werift';
import { JitterBufferBase } from 'werift/nonstandard';
import type { FfmpegProcess } from '../ffmpeg/FfmpegProcess.ts';
import type { PipeFeed } from '../sources/Source.ts';
import { annexBAccessUnit, ivfFrame, ivfHeader, OggOpusWriter } from './bitstream.ts';
import { type AssembledFrame, FrameAssembler } from './FrameAssembler.ts';
import { spropParameterSets, type VideoCodec } from './rtpVideoPayload.ts';

export type { VideoCodec };

export interface FeedTracks {
  video?: {
    track: MediaStreamTrack;
    receiver: RTCRtpReceiver;
    codec: VideoCodec;
    /** H.264 SPS/PPS (Annex-B) from the SDP's sprop-parameter-sets, for publishers that send them only there. */
    parameterSets?: Buffer;
  };
  audio?: { track: MediaStreamTrack };
}

/** `{parameterSets}` from a negotiated H.264 codec's sprop-parameter-sets, or nothing. */
export function parameterSetsOf(codec: { parameters?: string } | undefined): { parameterSets?: Buffer } {
  const parameterSets = spropParameterSets(codec?.parameters);
  return parameterSets ? { parameterSets } : {};
}

const AUDIO_FD = 4;
/** PLIs no closer than this while waiting for a keyframe. */
const PLI_MIN_INTERVAL_MS = 300;
/** How often the bandwidth the guest may use is told again (REMB, RFC draft-alvestrand-rmcat-remb). */
const REMB_INTERVAL_MS = 1000;

/** REMB's bitrate field: an 18-bit mantissa and a 6-bit exponent. */
export function rembFields(bps: number): { brExp: number; brMantissa: number } {
  let brExp = 0;
  let brMantissa = Math.max(0, Math.round(bps));
  while (brMantissa >= 1 << 18) {
    brMantissa = Math.floor(brMantissa / 2);
    brExp++;
  }
  return { brExp, brMantissa };
}

export interface FeedStats {
  framesIn: number;
  keyframes: number;
  plisSent: number;
  /** Generic NACK messages werift's receiver sent for this feed's video (each may name several packets). */
  nacksSent: number;
  /** Gaps the jitter buffer gave up waiting for (after NACKs). */
  losses: number;
  /** Frames handed to a decoder. */
  framesWritten: number;
  /** Longest time between two frames handed to the decoder since the first (a frozen picture), ms. */
  longestGapMs: number;
  /** Frames never handed to the decoder (incomplete, or after a loss until the next keyframe). */
  framesDropped: number;
  /** Why the last frame was dropped. */
  lastDropReason: string | undefined;
  /** Picture size of the last keyframe (VP8; H.264: unknown here). */
  frameSize: { width: number; height: number } | undefined;
  bytesIn: number;
  lastPacketAt: number;
  firstFrameAt: number | undefined;
}

export class RtpFeed implements PipeFeed {
  private tracks: FeedTracks | undefined;
  private decoder: FfmpegProcess | undefined;
  private restart: (() => void) | undefined;
  private lastPliAt = 0;
  private lastWrittenAt = 0;
  private jitter: JitterBufferBase | undefined;
  private assembler: FrameAssembler | undefined;
  private audioJitter: JitterBufferBase | undefined;
  private ogg = new OggOpusWriter();
  private audioBase: number | undefined;
  private videoBase: number | undefined;
  private unsubscribe: (() => void)[] = [];
  private pliTimer: NodeJS.Timeout | undefined;
  private rembTimer: NodeJS.Timeout | undefined;
  private closed = false;
  readonly stats: FeedStats = {
    framesIn: 0,
    keyframes: 0,
    plisSent: 0,
    nacksSent: 0,
    losses: 0,
    framesWritten: 0,
    longestGapMs: 0,
    framesDropped: 0,
    lastDropReason: undefined,
    frameSize: undefined,
    bytesIn: 0,
    lastPacketAt: 0,
    firstFrameAt: undefined,
  };
  /** Called with each frame written to a decoder (for latency measurement). */
  onFrameWritten: ((at: number) => void) | undefined;
  /** Called once when the source that owns this feed closes it. */
  onClose: (() => void) | undefined;

  /**
   * @param waiting what the source shows until a publisher is bound
   * @param maxBitrateKbps what the sender may use for video: sent as REMB, so a browser goes to
   *   its full picture size at once instead of creeping up from its start bitrate (without any
   *   bandwidth feedback Chromium grows ~8 %/s from ~300 kb/s and sends 640x360 of a 720p camera
   *   for half a minute). Loss still brings it down: the browser uses the lower of REMB and its
   *   own loss-based estimate.
   */
  constructor(
    private readonly waiting: string,
    private readonly maxBitrateKbps: () => number = () => 2500,
  ) {}

  get bound(): boolean {
    return Boolean(this.tracks);
  }

  get codec(): VideoCodec | undefined {
    return this.tracks?.video?.codec;
  }

  /** A session's tracks (subscribed at once, before signalling ends, so no keyframe is missed). */
  bind(tracks: FeedTracks): void {
    this.unbind();
    this.tracks = tracks;
    this.stats.lastPacketAt = Date.now();
    if (tracks.video) {
      const { track, codec, parameterSets } = tracks.video;
      // 150 ms: time for a NACKed packet to come back over a long path before it counts as lost.
      this.jitter = new JitterBufferBase(90_000, { latency: 150, bufferSize: 2000 });
      this.assembler = new FrameAssembler(codec, parameterSets ? { parameterSets } : {});
      this.videoBase = undefined;
      const sub = track.onReceiveRtp.subscribe((rtp) => this.onVideoRtp(rtp));
      const nacks = tracks.video.receiver.onPacketLost.subscribe(() => {
        this.stats.nacksSent++;
      });
      this.unsubscribe.push(
        () => sub.unSubscribe(),
        () => nacks.unSubscribe(),
      );
    }
    if (tracks.audio) {
      this.audioJitter = new JitterBufferBase(48_000, { latency: 60, bufferSize: 500 });
      this.audioBase = undefined;
      const sub = tracks.audio.track.onReceiveRtp.subscribe((rtp) => this.onAudioRtp(rtp));
      this.unsubscribe.push(() => sub.unSubscribe());
    }
    this.pliTimer = setInterval(() => {
      if (this.assembler?.waitingForKeyframe) this.requestKeyframe('waiting for a keyframe');
    }, 500);
    this.sendBandwidthEstimate();
    this.rembTimer = setInterval(() => this.sendBandwidthEstimate(), REMB_INTERVAL_MS);
    // A new publisher may use another codec: the source needs a decoder made for it.
    this.restart?.();
  }

  unbind(): void {
    for (const off of this.unsubscribe.splice(0)) off();
    clearInterval(this.pliTimer);
    clearInterval(this.rembTimer);
    this.tracks = undefined;
    this.jitter = undefined;
    this.assembler = undefined;
    this.audioJitter = undefined;
  }

  // ---- PipeFeed ----

  inputArgs() {
    const t = this.tracks;
    if (!t || this.closed) return null;
    const low = ['-probesize', '32', '-analyzeduration', '0'];
    const args: string[] = [];
    let videoInput: number | undefined;
    let audioInput: number | undefined;
    let index = 0;
    if (t.video) {
      const format = t.video.codec === 'vp8' ? ['-f', 'ivf'] : ['-f', 'h264'];
      args.push('-flags', 'low_delay', '-threads', '1', ...low, ...format, '-i', 'pipe:0');
      videoInput = index++;
    }
    if (t.audio) {
      args.push(...low, '-f', 'ogg', '-i', `pipe:${AUDIO_FD}`);
      audioInput = index++;
    }
    return { args, extraPipes: t.audio ? 2 : 1, ...(videoInput !== undefined ? { videoInput } : {}), ...(audioInput !== undefined ? { audioInput } : {}) };
  }

  onInputChanged(callback: () => void): void {
    this.restart = callback;
  }

  attach(decoder: FfmpegProcess): void {
    this.decoder = decoder;
    this.assembler?.requireKeyframe();
    if (this.tracks?.video?.codec === 'vp8') decoder.stdin.write(ivfHeader());
    if (this.tracks?.audio) {
      this.ogg = new OggOpusWriter();
      decoder.pipe(AUDIO_FD).write(this.ogg.headers());
    }
    this.requestKeyframe('decoder started');
  }

  waitingFor(): string {
    return this.waiting;
  }

  stallReason(): string | undefined {
    const silentS = (Date.now() - this.stats.lastPacketAt) / 1000;
    if (this.tracks && silentS < 1) {
      // Packets arrive but no frame reaches the decoder for a second: say why (a picture over the
      // size limit, a stream that never sends a decodable keyframe).
      const refusing = this.stats.lastDropReason !== undefined && Date.now() - this.lastWrittenAt > 1000;
      return refusing ? `the guest's video is not used: ${this.stats.lastDropReason}` : undefined;
    }
    if (this.stats.firstFrameAt === undefined) return undefined;
    return `reconnecting: nothing from the publisher for ${silentS.toFixed(1)} s`;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.unbind();
    this.decoder = undefined;
    this.onClose?.();
  }

  // ---- media ----

  requestKeyframe(_why: string): void {
    const video = this.tracks?.video;
    if (!video?.track.ssrc) return;
    const now = Date.now();
    if (now - this.lastPliAt < PLI_MIN_INTERVAL_MS) return;
    this.lastPliAt = now;
    this.stats.plisSent++;
    video.receiver.sendRtcpPLI(video.track.ssrc).catch(() => {});
  }

  private sendBandwidthEstimate(): void {
    const video = this.tracks?.video;
    if (!video?.track.ssrc) return;
    const remb = new ReceiverEstimatedMaxBitrate({
      senderSsrc: video.receiver.rtcpSsrc,
      mediaSsrc: 0,
      uniqueID: 'REMB',
      ssrcNum: 1,
      ...rembFields(this.maxBitrateKbps() * 1000),
      ssrcFeedbacks: [video.track.ssrc],
    });
    video.receiver.dtlsTransport.sendRtcp([new RtcpPayloadSpecificFeedback({ feedback: remb })]).catch(() => {});
  }

  private onVideoRtp(rtp: RtpPacket): void {
    this.stats.lastPacketAt = Date.now();
    this.stats.bytesIn += rtp.payload.length + 12;
    const jitter = this.jitter;
    const assembler = this.assembler;
    if (!jitter || !assembler) return;
    for (const out of jitter.processInput({ rtp })) {
      // The assembler sees the gap in sequence numbers itself and drops what it broke.
      if (out.isPacketLost) this.stats.losses++;
      if (!out.rtp) continue;
      const { sequenceNumber, timestamp, marker } = out.rtp.header;
      for (const result of assembler.push({ sequenceNumber, timestamp, marker, payload: out.rtp.payload })) {
        if (result.kind === 'frame') this.onVideoFrame(result);
        else {
          this.stats.framesDropped++;
          this.stats.lastDropReason = result.reason;
          // The decoder would show smears until the next keyframe: ask for one now.
          this.requestKeyframe(result.reason);
        }
      }
    }
  }

  private onVideoFrame(frame: AssembledFrame): void {
    const { data, rtpTimestamp } = frame;
    const codec = this.tracks?.video?.codec;
    this.stats.framesIn++;
    if (frame.keyframe) this.stats.keyframes++;
    if (frame.size) this.stats.frameSize = frame.size;
    const decoder = this.decoder;
    if (!decoder?.running) {
      // Frames between decoders are lost to the next one: it has to start at a keyframe.
      this.assembler?.requireKeyframe();
      return;
    }
    const now = Date.now();
    if (this.stats.firstFrameAt !== undefined) this.stats.longestGapMs = Math.max(this.stats.longestGapMs, now - this.lastWrittenAt);
    this.stats.firstFrameAt ??= now;
    this.lastWrittenAt = now;
    this.stats.framesWritten++;
    if (this.videoBase === undefined) this.videoBase = rtpTimestamp;
    const ms = (((rtpTimestamp - this.videoBase) >>> 0) / 90) | 0;
    decoder.stdin.write(codec === 'vp8' ? ivfFrame(data, ms) : annexBAccessUnit(data));
    this.onFrameWritten?.(Date.now());
  }

  private onAudioRtp(rtp: RtpPacket): void {
    this.stats.lastPacketAt = Date.now();
    this.stats.bytesIn += rtp.payload.length + 12;
    const jitter = this.audioJitter;
    if (!jitter) return;
    for (const out of jitter.processInput({ rtp })) {
      if (!out.rtp || out.rtp.payload.length === 0) continue;
      const decoder = this.decoder;
      if (!decoder?.running) continue;
      if (this.audioBase === undefined) this.audioBase = out.rtp.header.timestamp;
      const granule = (out.rtp.header.timestamp - this.audioBase) >>> 0;
      decoder.pipe(AUDIO_FD).write(this.ogg.packet(out.rtp.payload, granule + 960));
    }
  }
}
