/**
 * What one RTP packet of video carries, per codec: the VP8 payload descriptor (RFC 7741 §4.2) and
 * H.264 packetization-mode 1 units (RFC 6184 §5.6–5.8: single NAL, STAP-A, FU-A). Pure: no I/O.
 * FrameAssembler puts the pieces of a frame back together and decides whether the frame is whole.
 */
import { removeEmulationPrevention } from '../media/timedMetadata.ts';

export type VideoCodec = 'vp8' | 'h264';

/** A piece of a frame, as parsed out of one packet's payload. */
export interface VideoPayloadPart {
  /** Bytes for the decoder's bitstream (VP8: partition data; H.264: Annex-B NAL units). */
  data: Buffer;
  /** The first packet of a frame (VP8: S=1 and PID=0; H.264: not an FU-A continuation). */
  startsFrame: boolean;
  /** H.264: an FU-A fragment that is neither the start nor the end of its NAL (or the end: 'end'). */
  fragment?: 'start' | 'middle' | 'end';
  /** VP8: the picture id, when the sender numbers pictures (Chromium does); else undefined. */
  pictureId?: number;
  /** Bits the picture id wraps at (7 or 15). */
  pictureIdBits?: number;
}

export class PayloadError extends Error {}

const START_CODE = Buffer.from([0, 0, 0, 1]);

// ---- VP8 -------------------------------------------------------------------------------------

/**
 *   |X|R|N|S|R| PID |   then, when X: |I|L|T|K| RSV |, then PictureID (1 or 2 bytes, M bit),
 *   TL0PICIDX when L, and one TID/Y/KEYIDX byte when T or K.
 */
export function parseVp8Payload(payload: Buffer): VideoPayloadPart {
  if (payload.length < 1) throw new PayloadError('VP8 payload without a descriptor');
  let offset = 0;
  const first = payload[offset++];
  const extended = (first & 0x80) !== 0;
  const start = (first & 0x10) !== 0;
  const partition = first & 0x07;
  let pictureId: number | undefined;
  let pictureIdBits: number | undefined;
  if (extended) {
    if (offset >= payload.length) throw new PayloadError('VP8 descriptor cut short');
    const x = payload[offset++];
    const hasPictureId = (x & 0x80) !== 0;
    const hasTl0 = (x & 0x40) !== 0;
    const hasTidOrKeyIdx = (x & 0x20) !== 0 || (x & 0x10) !== 0;
    if (hasPictureId) {
      if (offset >= payload.length) throw new PayloadError('VP8 descriptor cut short');
      const m = payload[offset];
      if (m & 0x80) {
        if (offset + 1 >= payload.length) throw new PayloadError('VP8 descriptor cut short');
        pictureId = ((m & 0x7f) << 8) | payload[offset + 1];
        pictureIdBits = 15;
        offset += 2;
      } else {
        pictureId = m & 0x7f;
        pictureIdBits = 7;
        offset += 1;
      }
    }
    if (hasTl0) offset++;
    if (hasTidOrKeyIdx) offset++;
  }
  if (offset > payload.length) throw new PayloadError('VP8 descriptor longer than the packet');
  const data = payload.subarray(offset);
  const startsFrame = start && partition === 0;
  if (startsFrame && data.length < 3) throw new PayloadError('VP8 frame start without a frame header');
  return { data, startsFrame, ...(pictureId !== undefined ? { pictureId, pictureIdBits } : {}) };
}

/** Width and height of a VP8 keyframe (RFC 6386 §9.1), or undefined for an interframe. */
export function vp8KeyframeSize(frame: Buffer): { width: number; height: number } | undefined {
  if (frame.length < 10 || (frame[0] & 1) !== 0 || frame[3] !== 0x9d || frame[4] !== 0x01 || frame[5] !== 0x2a) return undefined;
  return { width: frame.readUInt16LE(6) & 0x3fff, height: frame.readUInt16LE(8) & 0x3fff };
}

// ---- H.264 -----------------------------------------------------------------------------------

export const NAL_IDR = 5;
export const NAL_SPS = 7;
export const NAL_PPS = 8;
const STAP_A = 24;
const FU_A = 28;

/**
 * One packet's NAL units as Annex-B. An FU-A fragment comes back as raw bytes (its start with the
 * rebuilt NAL header and a start code) for FrameAssembler to join; it never forms a NAL alone.
 */
export function parseH264Payload(payload: Buffer): VideoPayloadPart {
  if (payload.length < 1) throw new PayloadError('H.264 payload without a NAL header');
  const type = payload[0] & 0x1f;
  if (type >= 1 && type <= 23) return { data: Buffer.concat([START_CODE, payload]), startsFrame: true };
  if (type === STAP_A) {
    const parts: Buffer[] = [];
    let p = 1;
    while (p < payload.length) {
      if (p + 2 > payload.length) throw new PayloadError('STAP-A unit size cut short');
      const size = payload.readUInt16BE(p);
      p += 2;
      if (size === 0 || p + size > payload.length) throw new PayloadError(`STAP-A unit of ${size} bytes overruns the packet`);
      parts.push(START_CODE, payload.subarray(p, p + size));
      p += size;
    }
    if (parts.length === 0) throw new PayloadError('empty STAP-A');
    return { data: Buffer.concat(parts), startsFrame: true };
  }
  if (type === FU_A) {
    if (payload.length < 3) throw new PayloadError('FU-A fragment without data');
    const fuHeader = payload[1];
    const isStart = (fuHeader & 0x80) !== 0;
    const isEnd = (fuHeader & 0x40) !== 0;
    if (isStart && isEnd) throw new PayloadError('FU-A fragment marked both start and end');
    if (isStart) {
      const nalHeader = (payload[0] & 0xe0) | (fuHeader & 0x1f);
      return { data: Buffer.concat([START_CODE, Buffer.from([nalHeader]), payload.subarray(2)]), startsFrame: true, fragment: 'start' };
    }
    return { data: payload.subarray(2), startsFrame: false, fragment: isEnd ? 'end' : 'middle' };
  }
  // STAP-B, MTAP16/24 and FU-B belong to packetization-mode 2, which the engine never offers.
  throw new PayloadError(`H.264 RTP unit type ${type} is not part of packetization-mode 1`);
}

/** NAL unit types present in an Annex-B buffer. */
export function h264NalTypes(annexB: Buffer): number[] {
  const types: number[] = [];
  for (let i = 0; i + 3 < annexB.length; i++) {
    if (annexB[i] === 0 && annexB[i + 1] === 0 && annexB[i + 2] === 1) {
      types.push(annexB[i + 3] & 0x1f);
      i += 3;
    }
  }
  return types;
}

/**
 * `sprop-parameter-sets` of an H.264 fmtp line (base64 NAL units, comma-separated) as Annex-B,
 * for publishers that send SPS/PPS only in the SDP. Unparseable entries are skipped.
 */
export function spropParameterSets(fmtp: string | undefined): Buffer | undefined {
  const match = /(?:^|;)\s*sprop-parameter-sets=([^;]+)/i.exec(fmtp ?? '');
  if (!match) return undefined;
  const nals = match[1]
    .split(',')
    .map((b64) => Buffer.from(b64.trim(), 'base64'))
    .filter((nal) => nal.length > 0 && [NAL_SPS, NAL_PPS].includes(nal[0] & 0x1f));
  if (nals.length === 0) return undefined;
  return Buffer.concat(nals.flatMap((nal) => [START_CODE, nal]));
}

/** Reads an H.264 RBSP bit by bit (emulation-prevention bytes removed), with Exp-Golomb codes. */
class BitReader {
  private bit = 0;
  constructor(private readonly bytes: Buffer) {}
  u(n: number): number {
    let value = 0;
    for (let i = 0; i < n; i++) {
      const byte = this.bytes[this.bit >> 3];
      if (byte === undefined) throw new PayloadError('SPS cut short');
      value = value * 2 + ((byte >> (7 - (this.bit & 7))) & 1);
      this.bit++;
    }
    return value;
  }
  ue(): number {
    let zeros = 0;
    while (this.u(1) === 0) if (++zeros > 31) throw new PayloadError('SPS with an Exp-Golomb code over 32 bits');
    return 2 ** zeros - 1 + this.u(zeros);
  }
  se(): number {
    const k = this.ue();
    return k % 2 === 1 ? (k + 1) / 2 : -(k / 2);
  }
}

const HIGH_PROFILES = new Set([100, 110, 122, 244, 44, 83, 86, 118, 128, 138, 139, 134, 135]);

/**
 * The picture size an H.264 SPS announces (ITU-T H.264 §7.3.2.1.1, cropping applied), so a guest
 * announcing a size the engine will not decode is refused before a decoder allocates for it.
 */
export function h264SpsSize(sps: Buffer): { width: number; height: number } {
  // The payload after the NAL header, with every 00 00 03 turned back into 00 00.
  const r = new BitReader(removeEmulationPrevention(sps.subarray(1)));
  const profileIdc = r.u(8);
  r.u(16); // constraint flags, level_idc
  r.ue(); // seq_parameter_set_id
  let chromaFormatIdc = 1;
  let separateColourPlane = 0;
  if (HIGH_PROFILES.has(profileIdc)) {
    chromaFormatIdc = r.ue();
    if (chromaFormatIdc === 3) separateColourPlane = r.u(1);
    r.ue(); // bit_depth_luma_minus8
    r.ue(); // bit_depth_chroma_minus8
    r.u(1); // qpprime_y_zero_transform_bypass_flag
    if (r.u(1)) {
      // seq_scaling_matrix_present_flag: skip each list that is present.
      for (let i = 0; i < (chromaFormatIdc === 3 ? 12 : 8); i++) {
        if (!r.u(1)) continue;
        const size = i < 6 ? 16 : 64;
        let last = 8;
        let next = 8;
        for (let j = 0; j < size && next !== 0; j++) {
          next = (last + r.se() + 256) % 256;
          if (next !== 0) last = next;
        }
      }
    }
  }
  r.ue(); // log2_max_frame_num_minus4
  const pocType = r.ue();
  if (pocType === 0) r.ue();
  else if (pocType === 1) {
    r.u(1);
    r.se();
    r.se();
    const cycle = r.ue();
    if (cycle > 255) throw new PayloadError('SPS with an oversized pic_order_cnt cycle');
    for (let i = 0; i < cycle; i++) r.se();
  }
  r.ue(); // max_num_ref_frames
  r.u(1); // gaps_in_frame_num_value_allowed_flag
  const widthMbs = r.ue() + 1;
  const heightMapUnits = r.ue() + 1;
  const frameMbsOnly = r.u(1);
  if (!frameMbsOnly) r.u(1); // mb_adaptive_frame_field_flag
  r.u(1); // direct_8x8_inference_flag
  let width = widthMbs * 16;
  let height = heightMapUnits * 16 * (2 - frameMbsOnly);
  if (r.u(1)) {
    const [left, right, top, bottom] = [r.ue(), r.ue(), r.ue(), r.ue()];
    const chroma = separateColourPlane ? 0 : chromaFormatIdc;
    const cropX = chroma === 1 || chroma === 2 ? 2 : 1;
    const cropY = (chroma === 1 ? 2 : 1) * (2 - frameMbsOnly);
    width -= (left + right) * cropX;
    height -= (top + bottom) * cropY;
  }
  return { width, height };
}
