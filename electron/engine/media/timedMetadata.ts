/**
 * Data in sync with video: how a shared-object change travels inside the program's own stream, so
 * any player can render it at the right frame at any audience size.
 *  - H.264 SEI "user data unregistered" (payload type 5) with Cutline's UUID and a JSON payload,
 *    inserted into the access unit of the frame where the change first shows. It survives every
 *    `-c copy` remux (RTMP, recordings, WebRTC when the encode is shared).
 *  - A sidecar file of JSON lines next to each recording (Destination).
 * Pure functions; docs/TIMED-METADATA.md documents the format for player developers.
 */

/** Cutline's SEI UUID: 5e7a1c0d-c17e-4b1a-9c3e-0dafc0ffee01. */
export const CUTLINE_SEI_UUID = Buffer.from('5e7a1c0dc17e4b1a9c3e0dafc0ffee01', 'hex');

/** Adds H.264 emulation-prevention bytes (00 00 0x → 00 00 03 0x for x ≤ 3). */
export function addEmulationPrevention(rbsp: Buffer): Buffer {
  const out: number[] = [];
  let zeros = 0;
  for (const byte of rbsp) {
    if (zeros >= 2 && byte <= 3) {
      out.push(3);
      zeros = 0;
    }
    out.push(byte);
    zeros = byte === 0 ? zeros + 1 : 0;
  }
  return Buffer.from(out);
}

export function removeEmulationPrevention(ebsp: Buffer): Buffer {
  const out: number[] = [];
  let zeros = 0;
  for (const byte of ebsp) {
    if (zeros >= 2 && byte === 3) {
      zeros = 0;
      continue;
    }
    out.push(byte);
    zeros = byte === 0 ? zeros + 1 : 0;
  }
  return Buffer.from(out);
}

/** A complete SEI NAL unit (header byte 0x06 included, no start code or length prefix). */
export function buildSeiNal(payload: Buffer, uuid: Buffer = CUTLINE_SEI_UUID): Buffer {
  const body = Buffer.concat([uuid, payload]);
  const size: number[] = [];
  let remaining = body.length;
  while (remaining >= 255) {
    size.push(255);
    remaining -= 255;
  }
  size.push(remaining);
  // payloadType 5 (user data unregistered), size, payload, rbsp trailing bits.
  const rbsp = Buffer.concat([Buffer.from([5, ...size]), body, Buffer.from([0x80])]);
  return Buffer.concat([Buffer.from([0x06]), addEmulationPrevention(rbsp)]);
}

/**
 * Inserts a NAL unit into an FLV AVC video tag payload (AVCPacketType 1, 4-byte NAL lengths),
 * before the first slice. Other tags are returned unchanged.
 */
export function insertNalIntoAvcTag(payload: Buffer, nal: Buffer): Buffer {
  if (payload.length < 5 || (payload[0] & 0x0f) !== 7 || payload[1] !== 1) return payload;
  const header = payload.subarray(0, 5);
  let offset = 5;
  // Keep an access unit delimiter and any leading SEI/SPS/PPS first; insert before the first slice.
  while (offset + 4 <= payload.length) {
    const length = payload.readUInt32BE(offset);
    const type = payload[offset + 4] & 0x1f;
    if (type === 1 || type === 5) break;
    offset += 4 + length;
  }
  const prefix = Buffer.alloc(4);
  prefix.writeUInt32BE(nal.length);
  return Buffer.concat([header, payload.subarray(5, offset), prefix, nal, payload.subarray(offset)]);
}

/** Reads Cutline SEI payloads back out of an FLV AVC video tag payload. */
export function readCutlineSei(payload: Buffer): Buffer[] {
  const found: Buffer[] = [];
  if (payload.length < 5 || (payload[0] & 0x0f) !== 7 || payload[1] !== 1) return found;
  let offset = 5;
  while (offset + 4 <= payload.length) {
    const length = payload.readUInt32BE(offset);
    const nal = payload.subarray(offset + 4, offset + 4 + length);
    offset += 4 + length;
    if ((nal[0] & 0x1f) !== 6) continue;
    const rbsp = removeEmulationPrevention(nal.subarray(1));
    let i = 0;
    while (i < rbsp.length && rbsp[i] !== 0x80) {
      let type = 0;
      while (rbsp[i] === 255) type += rbsp[i++];
      type += rbsp[i++];
      let size = 0;
      while (rbsp[i] === 255) size += rbsp[i++];
      size += rbsp[i++];
      const body = rbsp.subarray(i, i + size);
      i += size;
      if (type === 5 && body.subarray(0, 16).equals(CUTLINE_SEI_UUID)) found.push(Buffer.from(body.subarray(16)));
    }
  }
  return found;
}

/** What one change looks like inside the stream (and in the sidecar file). */
export interface TimedDataRecord {
  /** Program timestamp (ms) of the frame where the change first shows, relative to the stream. */
  pts: number;
  object: string;
  version: number;
  op: string;
  state: unknown;
}
