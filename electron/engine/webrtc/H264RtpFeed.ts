/**
 * From an H.264 FLV encode to WebRTC viewers: remembers the parameter sets from the sequence
 * header, turns each coded frame into RTP payloads (parameter sets repeated on keyframes, access
 * unit delimiters dropped), and sends them to every viewer, each starting at a keyframe with its
 * own sequence numbers. Shared by the guests' return feed and the monitor mosaic.
 */
import { type RTCRtpSender, RtpHeader, RtpPacket } from 'werift';
import { type FlvTag, isSequenceHeader, isVideoKeyframe, TAG_VIDEO } from '../media/flv.ts';
import { avccNals, packetizeH264, parseAvcConfig } from './bitstream.ts';

export const H264_PAYLOAD_TYPE = 102;

export interface VideoViewerState {
  video?: RTCRtpSender;
  started: boolean;
  videoSeq: number;
  framesSent: number;
}

export interface H264Frame {
  key: boolean;
  /** NAL units of the frame (no delimiters), in order; callers may insert (e.g. an SEI). */
  nals: Buffer[];
  /** RTP timestamp (90 kHz). */
  timestamp: number;
}

export class H264RtpFeed {
  private spsPps: Buffer[] = [];
  private lengthSize = 4;
  profileLevelId: string | undefined;

  /** A coded frame from the tag, or undefined (sequence headers are remembered, others skipped). */
  frame(tag: FlvTag): H264Frame | undefined {
    if (tag.type !== TAG_VIDEO) return undefined;
    if (isSequenceHeader(tag)) {
      const config = parseAvcConfig(tag.payload);
      this.spsPps = [...config.sps, ...config.pps];
      this.lengthSize = config.lengthSize;
      this.profileLevelId = config.profileLevelId;
      return undefined;
    }
    if (tag.payload[1] !== 1) return undefined;
    const nals = avccNals(tag.payload, this.lengthSize).filter((n) => (n[0] & 0x1f) !== 9);
    return { key: isVideoKeyframe(tag), nals, timestamp: (tag.timestamp * 90) >>> 0 };
  }

  /** Sends a frame to each viewer with video; a viewer that has not started waits for a keyframe. */
  send(frame: H264Frame, viewers: Iterable<VideoViewerState>): void {
    const payloads = packetizeH264(frame.key ? [...this.spsPps, ...frame.nals] : frame.nals);
    for (const v of viewers) {
      const video = v.video;
      if (!video) continue;
      if (!v.started) {
        if (!frame.key) continue;
        v.started = true;
      }
      payloads.forEach((payload, i) => {
        const header = new RtpHeader({ sequenceNumber: v.videoSeq, timestamp: frame.timestamp, marker: i === payloads.length - 1, payloadType: H264_PAYLOAD_TYPE });
        v.videoSeq = (v.videoSeq + 1) & 0xffff;
        video.sendRtp(new RtpPacket(header, payload)).catch(() => {});
      });
      v.framesSent++;
    }
  }
}
