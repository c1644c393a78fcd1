/**
 * RTP video packets (in sequence order, after the jitter buffer) back into whole frames, and only
 * frames a decoder can use. Pure: no I/O, no timers.
 *
 * A frame is the run of packets with one RTP timestamp, ending at the marker bit. It is handed on
 * only when every packet from its first to its marker arrived, its first packet really starts a
 * frame, and the chain of references behind it is intact (nothing lost since the last keyframe).
 * Anything else is reported as dropped with the reason, so the caller can ask for a keyframe
 * (PLI) and log it: a decoder never sees a frame with a hole in it (the grey/green pictures).
 *
 * Padding-only packets (Chromium's bandwidth probes: a sequence number, no payload) are skipped but
 * keep the sequence continuous. When packets are lost between two frames, VP8's picture id tells
 * whether a frame went missing (then the next frame cannot be decoded) or only padding did.
 */
import { splitAnnexB } from './bitstream.ts';
import {
  h264NalTypes,
  h264SpsSize,
  NAL_IDR,
  NAL_PPS,
  NAL_SPS,
  PayloadError,
  parseH264Payload,
  parseVp8Payload,
  type VideoCodec,
  type VideoPayloadPart,
  vp8KeyframeSize,
} from './rtpVideoPayload.ts';

export interface RtpVideoPacket {
  sequenceNumber: number;
  timestamp: number;
  marker: boolean;
  payload: Buffer;
}

export interface AssembledFrame {
  kind: 'frame';
  /** VP8: the frame as IVF wants it; H.264: Annex-B NAL units (parameter sets before an IDR). */
  data: Buffer;
  keyframe: boolean;
  rtpTimestamp: number;
  /** Keyframes: the picture size they announce (VP8 frame header, H.264 SPS). */
  size?: { width: number; height: number };
}

export interface DroppedFrame {
  kind: 'dropped';
  rtpTimestamp: number;
  reason: string;
}

export type AssemblerOutput = AssembledFrame | DroppedFrame;

export interface FrameAssemblerOptions {
  /** H.264 SPS/PPS from the SDP's sprop-parameter-sets (Annex-B), for streams that never send them. */
  parameterSets?: Buffer;
  /** A frame larger than this is refused (a sender cannot make the engine buffer without bound). */
  maxFrameBytes?: number;
  /** Keyframes announcing a bigger picture are refused (default MAX_PICTURE). */
  maxPicture?: { width: number; height: number };
}

/**
 * The largest picture a guest may send: 4K UHD. A decoder would allocate for whatever the stream
 * announces (an 8K SPS is ~190 MB of frame buffers at once), and no layout cell needs more.
 */
export const MAX_PICTURE = { width: 3840, height: 2160 };

/** 4 MiB: a 1080p keyframe at a very high quality is ~0.5 MiB. */
export const DEFAULT_MAX_FRAME_BYTES = 4 << 20;

interface PendingFrame {
  timestamp: number;
  parts: Buffer[];
  bytes: number;
  broken: string | undefined;
  /** Packets were lost right before this frame's first packet. */
  afterGap: boolean;
  inFragment: boolean;
  pictureId?: number;
  pictureIdBits?: number;
}

export interface AssemblerCounters {
  frames: number;
  keyframes: number;
  dropped: number;
  paddingPackets: number;
  lostPackets: number;
}

export class FrameAssembler {
  private expectedSeq: number | undefined;
  private pending: PendingFrame | undefined;
  private gapBeforeNext = false;
  /** The references behind the next frame are intact (a keyframe passed since the last loss). */
  private decodable = false;
  private lastPictureId: number | undefined;
  private parameterSets: Buffer | undefined;
  private readonly maxFrameBytes: number;
  private readonly maxPicture: { width: number; height: number };
  readonly counters: AssemblerCounters = { frames: 0, keyframes: 0, dropped: 0, paddingPackets: 0, lostPackets: 0 };

  constructor(
    readonly codec: VideoCodec,
    options: FrameAssemblerOptions = {},
  ) {
    this.parameterSets = options.parameterSets;
    this.maxFrameBytes = options.maxFrameBytes ?? DEFAULT_MAX_FRAME_BYTES;
    this.maxPicture = options.maxPicture ?? MAX_PICTURE;
  }

  /** A new decoder (or a restarted one) can start only at a keyframe. */
  requireKeyframe(): void {
    this.decodable = false;
  }

  get waitingForKeyframe(): boolean {
    return !this.decodable;
  }

  push(packet: RtpVideoPacket): AssemblerOutput[] {
    const out: AssemblerOutput[] = [];
    const seq = packet.sequenceNumber & 0xffff;
    if (this.expectedSeq !== undefined && seq !== this.expectedSeq) {
      const skipped = (seq - this.expectedSeq) & 0xffff;
      // Behind us: a late duplicate or a retransmission the jitter buffer already gave up on.
      if (skipped >= 0x8000) return out;
      this.counters.lostPackets += skipped;
      this.onGap(packet.timestamp, out);
    }
    this.expectedSeq = (seq + 1) & 0xffff;
    if (packet.payload.length === 0) {
      this.counters.paddingPackets++;
      return out;
    }
    // A new timestamp without a marker before it: the sender ended the last frame silently.
    if (this.pending && this.pending.timestamp !== packet.timestamp) this.finish(out);
    const frame = (this.pending ??= this.newFrame(packet.timestamp));
    this.addPart(frame, packet.payload);
    if (packet.marker) this.finish(out);
    return out;
  }

  private newFrame(timestamp: number): PendingFrame {
    const frame: PendingFrame = { timestamp, parts: [], bytes: 0, broken: undefined, afterGap: this.gapBeforeNext, inFragment: false };
    this.gapBeforeNext = false;
    return frame;
  }

  private onGap(nextTimestamp: number, out: AssemblerOutput[]): void {
    const pending = this.pending;
    if (pending && pending.timestamp === nextTimestamp) {
      pending.broken ??= 'a packet of the frame was lost';
      return;
    }
    if (pending) {
      pending.broken ??= 'the end of the frame was lost';
      this.finish(out);
    }
    this.gapBeforeNext = true;
  }

  private addPart(frame: PendingFrame, payload: Buffer): void {
    if (frame.broken) return;
    let part: VideoPayloadPart;
    try {
      part = this.codec === 'vp8' ? parseVp8Payload(payload) : parseH264Payload(payload);
    } catch (error) {
      frame.broken = error instanceof PayloadError ? `malformed RTP payload: ${error.message}` : String(error);
      return;
    }
    if (frame.parts.length === 0) {
      if (!part.startsFrame) {
        frame.broken = 'the start of the frame was lost';
        return;
      }
      if (part.pictureId !== undefined) {
        frame.pictureId = part.pictureId;
        frame.pictureIdBits = part.pictureIdBits;
      }
    } else if (this.codec === 'vp8' && part.startsFrame) {
      frame.broken = 'two frame starts under one timestamp';
      return;
    }
    const fragmentError = this.followFragments(frame, part);
    if (fragmentError) {
      frame.broken = fragmentError;
      return;
    }
    frame.bytes += part.data.length;
    if (frame.bytes > this.maxFrameBytes) {
      frame.broken = `a frame over ${this.maxFrameBytes} bytes`;
      frame.parts = [];
      return;
    }
    frame.parts.push(part.data);
  }

  /** H.264 FU-A: a NAL's fragments come start, middle…, end, with nothing else between them. */
  private followFragments(frame: PendingFrame, part: VideoPayloadPart): string | undefined {
    if (part.fragment === 'start') {
      if (frame.inFragment) return 'an FU-A fragment was never finished';
      frame.inFragment = true;
    } else if (part.fragment) {
      if (!frame.inFragment) return 'an FU-A fragment without its start';
      if (part.fragment === 'end') frame.inFragment = false;
    } else if (frame.inFragment) return 'an FU-A fragment was never finished';
    return undefined;
  }

  private finish(out: AssemblerOutput[]): void {
    const frame = this.pending;
    this.pending = undefined;
    if (!frame) return;
    if (!frame.broken && frame.inFragment) frame.broken = 'an FU-A fragment was never finished';
    const result = frame.broken ? frame.broken : this.decodableFrame(frame);
    if (typeof result === 'string') {
      this.drop(out, frame, result);
      return;
    }
    if (frame.pictureId !== undefined) this.lastPictureId = frame.pictureId;
    this.counters.frames++;
    if (result.keyframe) this.counters.keyframes++;
    out.push(result);
  }

  /** The whole frame as the decoder should get it, or why the decoder must not get it. */
  private decodableFrame(frame: PendingFrame): AssembledFrame | string {
    let data = Buffer.concat(frame.parts);
    let keyframe: boolean;
    let size: { width: number; height: number } | undefined;
    if (this.codec === 'vp8') {
      size = vp8KeyframeSize(data);
      keyframe = size !== undefined;
    } else {
      const types = h264NalTypes(data);
      keyframe = types.includes(NAL_IDR);
      if (keyframe) {
        const hasSets = types.includes(NAL_SPS) && types.includes(NAL_PPS);
        if (hasSets) this.parameterSets = inBandParameterSets(data);
        else if (this.parameterSets) data = Buffer.concat([this.parameterSets, data]);
        else return 'an IDR frame without SPS/PPS (in band or in the SDP)';
        size = announcedSize(data);
      }
    }
    if (keyframe && size && !this.pictureAllowed(size)) {
      return `the picture is ${size.width}×${size.height}: at most ${this.maxPicture.width}×${this.maxPicture.height} is taken (lower the camera's resolution)`;
    }
    if (keyframe) this.decodable = true;
    else if (!this.decodable) return 'waiting for a keyframe';
    else if (frame.afterGap && !this.followsLastPicture(frame)) return 'a frame before it was lost';
    return { kind: 'frame', data, keyframe, rtpTimestamp: frame.timestamp, ...(size ? { size } : {}) };
  }

  private pictureAllowed(size: { width: number; height: number }): boolean {
    const { width, height } = this.maxPicture;
    const longest = Math.max(width, height);
    return size.width > 0 && size.height > 0 && size.width <= longest && size.height <= longest && size.width * size.height <= width * height;
  }

  /** VP8 numbers its pictures: the next one after a gap shows whether only padding was lost. */
  private followsLastPicture(frame: PendingFrame): boolean {
    if (frame.pictureId === undefined || this.lastPictureId === undefined || !frame.pictureIdBits) return false;
    const mask = (1 << frame.pictureIdBits) - 1;
    return frame.pictureId === ((this.lastPictureId + 1) & mask);
  }

  private drop(out: AssemblerOutput[], frame: PendingFrame, reason: string): void {
    this.decodable = false;
    this.counters.dropped++;
    if (frame.pictureId !== undefined) this.lastPictureId = frame.pictureId;
    out.push({ kind: 'dropped', rtpTimestamp: frame.timestamp, reason });
  }
}

/**
 * The picture size the access unit's SPS announces. An SPS this reader cannot follow is left to
 * the decoder (undefined): only a size known to be too big is refused.
 */
function announcedSize(annexB: Buffer): { width: number; height: number } | undefined {
  const sps = splitAnnexB(annexB).find((nal) => (nal[0] & 0x1f) === NAL_SPS);
  try {
    return sps ? h264SpsSize(sps) : undefined;
  } catch {
    return undefined;
  }
}

/** The SPS and PPS NAL units of an access unit, as Annex-B, to put before later IDRs. */
function inBandParameterSets(annexB: Buffer): Buffer {
  const start = Buffer.from([0, 0, 0, 1]);
  return Buffer.concat(
    splitAnnexB(annexB)
      .filter((nal) => [NAL_SPS, NAL_PPS].includes(nal[0] & 0x1f))
      .flatMap((nal) => [start, nal]),
  );
}
