/**
 * What one RTP packet of video carries, per codec: the VP8 payload descriptor (RFC 7741 §4.2) and
 * H.264 packetization-mode 1 units (RFC 6184 §5.6–5.8: single NAL, STAP-A, FU-A). Pure: no I/O.
 * FrameAssembler puts the pieces of a frame back together and decides whether the frame is whole.
 */

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
