/**
 * FLV, the container the encoder writes and every RTMP push and recording remuxes: a streaming
 * demuxer that cuts tags out of a byte stream, the facts about a tag the fan-out needs (keyframe?
 * sequence header?), and a writer that re-stamps tags for a destination that joined late.
 * Pure: no I/O.
 */

export const TAG_AUDIO = 8;
export const TAG_VIDEO = 9;
export const TAG_SCRIPT = 18;

export interface FlvTag {
  type: number;
  /** Milliseconds, 32-bit (FLV's 24 bits + extension byte). */
  timestamp: number;
  payload: Buffer;
}

const HEADER_SIZE = 9;
const TAG_HEADER_SIZE = 11;

export function isVideoKeyframe(tag: FlvTag): boolean {
  return tag.type === TAG_VIDEO && tag.payload.length > 0 && tag.payload[0] >> 4 === 1;
}

/** AVC or AAC decoder configuration (must reach every consumer before any frame). */
export function isSequenceHeader(tag: FlvTag): boolean {
  if (tag.type === TAG_VIDEO) return tag.payload.length > 1 && (tag.payload[0] & 0x0f) === 7 && tag.payload[1] === 0;
  if (tag.type === TAG_AUDIO) return tag.payload.length > 1 && tag.payload[0] >> 4 === 10 && tag.payload[1] === 0;
  return false;
}

export function flvHeader(hasAudio = true, hasVideo = true): Buffer {
  const header = Buffer.alloc(HEADER_SIZE + 4);
  header.write('FLV', 0, 'latin1');
  header[3] = 1;
  header[4] = (hasAudio ? 4 : 0) | (hasVideo ? 1 : 0);
  header.writeUInt32BE(HEADER_SIZE, 5);
  // PreviousTagSize0 = 0 stays zero.
  return header;
}

/** A whole tag (header, payload, trailing PreviousTagSize) ready to write. */
export function encodeTag(type: number, timestamp: number, payload: Buffer): Buffer {
  const out = Buffer.allocUnsafe(TAG_HEADER_SIZE + payload.length + 4);
  out[0] = type;
  out.writeUIntBE(payload.length, 1, 3);
  const ts = Math.max(0, Math.round(timestamp)) >>> 0;
  out.writeUIntBE(ts & 0xffffff, 4, 3);
  out[7] = (ts >>> 24) & 0xff;
  out.writeUIntBE(0, 8, 3);
  payload.copy(out, TAG_HEADER_SIZE);
  out.writeUInt32BE(TAG_HEADER_SIZE + payload.length, TAG_HEADER_SIZE + payload.length);
  return out;
}

/** Cuts an FLV byte stream into tags. Throws on a stream that is not FLV. */
export class FlvDemuxer {
  private buffer: Buffer = Buffer.alloc(0);
  private headerDone = false;

  push(chunk: Buffer): FlvTag[] {
    this.buffer = this.buffer.length ? Buffer.concat([this.buffer, chunk]) : chunk;
    const tags: FlvTag[] = [];
    let offset = 0;
    if (!this.headerDone) {
      if (this.buffer.length < HEADER_SIZE + 4) return tags;
      if (this.buffer.toString('latin1', 0, 3) !== 'FLV') throw new Error('not an FLV stream');
      offset = this.buffer.readUInt32BE(5) + 4;
      this.headerDone = true;
    }
    while (this.buffer.length - offset >= TAG_HEADER_SIZE) {
      const size = this.buffer.readUIntBE(offset + 1, 3);
      const total = TAG_HEADER_SIZE + size + 4;
      if (this.buffer.length - offset < total) break;
      const timestamp = (this.buffer.readUIntBE(offset + 4, 3) | (this.buffer[offset + 7] << 24)) >>> 0;
      // Copy the payload out: the shared buffer is reused for the next chunk.
      const payload = Buffer.from(this.buffer.subarray(offset + TAG_HEADER_SIZE, offset + TAG_HEADER_SIZE + size));
      tags.push({ type: this.buffer[offset], timestamp, payload });
      offset += total;
    }
    this.buffer = offset >= this.buffer.length ? Buffer.alloc(0) : Buffer.from(this.buffer.subarray(offset));
    return tags;
  }
}
