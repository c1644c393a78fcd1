/**
 * Data in sync with video: how a shared-object change travels inside the program's own stream, so
 * any player can render it at the right frame at any audience size.
 *  - H.264 SEI "user data unregistered" (payload type 5) with Cutline's UUID and a JSON payload,
 *    inserted into the access unit of the frame where the change first shows. It survives every
 *    `-c copy` remux (RTMP, recordings, WebRTC when the encode is shared).
 *  - An RTMP AMF0 data message `onTextData {type: "Text", text: <the same JSON>}` at the timestamp of
 *    that frame, sent just before it, for RTMP destinations only (ffmpeg muxers never see it).
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

/** The AMF0 data message name the change travels under in RTMP (docs/TIMED-METADATA.md says why). */
export const TEXT_DATA_HANDLER = 'onTextData';

function amf0String(value: string): Buffer {
  const bytes = Buffer.from(value, 'utf8');
  // Type 0x02 (string, 16-bit length) or 0x0c (long string, 32-bit length) beyond 65535 bytes.
  const long = bytes.length > 0xffff;
  const head = Buffer.alloc(long ? 5 : 3);
  head[0] = long ? 0x0c : 0x02;
  if (long) head.writeUInt32BE(bytes.length, 1);
  else head.writeUInt16BE(bytes.length, 1);
  return Buffer.concat([head, bytes]);
}

function amf0Key(key: string): Buffer {
  const bytes = Buffer.from(key, 'utf8');
  const len = Buffer.alloc(2);
  len.writeUInt16BE(bytes.length);
  return Buffer.concat([len, bytes]);
}

/**
 * An FLV script tag / RTMP AMF0 data message payload: the string "onTextData", then an object
 * {type: "Text", text: <JSON>} (the shape FLV and Flash defined for timed text).
 */
export function buildTextDataPayload(text: string): Buffer {
  return Buffer.concat([
    amf0String(TEXT_DATA_HANDLER),
    Buffer.from([0x03]),
    amf0Key('type'),
    amf0String('Text'),
    amf0Key('text'),
    amf0String(text),
    Buffer.from([0, 0, 0x09]),
  ]);
}

/** The name an AMF0 data payload starts with ("onMetaData", "onTextData", …), if it is a string. */
export function amf0DataName(payload: Buffer): string | undefined {
  if (payload.length < 3 || payload[0] !== 0x02) return undefined;
  const length = payload.readUInt16BE(1);
  return payload.length < 3 + length ? undefined : payload.toString('utf8', 3, 3 + length);
}
