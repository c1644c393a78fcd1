/**
 * Byte formats between RTP and ffmpeg, in both directions. Ingest: VP8 frames into IVF, H.264 into
 * Annex-B with an access unit delimiter after each frame (or ffmpeg's parser holds every frame one
 * frame long), Opus packets into Ogg pages. Return feed: FLV's AVCC H.264 into NAL units and RTP
 * payloads (single NAL / FU-A), and Ogg pages from ffmpeg's Opus encoder back into packets.
 * Pure: no I/O.
 */

// ---- IVF (VP8) ------------------------------------------------------------------------------

/** IVF file header; time base 1/1000 so frame timestamps are milliseconds. */
export function ivfHeader(width = 640, height = 480): Buffer {
  const b = Buffer.alloc(32);
  b.write('DKIF', 0, 'latin1');
  b.writeUInt16LE(0, 4);
  b.writeUInt16LE(32, 6);
  b.write('VP80', 8, 'latin1');
  b.writeUInt16LE(width, 12);
  b.writeUInt16LE(height, 14);
  b.writeUInt32LE(1000, 16);
  b.writeUInt32LE(1, 20);
  b.writeUInt32LE(0, 24);
  return b;
}

export function ivfFrame(data: Buffer, timestampMs: number): Buffer {
  const head = Buffer.alloc(12);
  head.writeUInt32LE(data.length, 0);
  head.writeBigUInt64LE(BigInt(Math.max(0, Math.round(timestampMs))), 4);
  return Buffer.concat([head, data]);
}

// ---- H.264 ----------------------------------------------------------------------------------

export const ANNEXB_START = Buffer.from([0, 0, 0, 1]);
/** Access unit delimiter NAL (primary_pic_type 7 = any). */
export const ACCESS_UNIT_DELIMITER = Buffer.from([0, 0, 0, 1, 9, 0xf0]);

/** NAL units of an Annex-B buffer (without start codes). */
export function splitAnnexB(data: Buffer): Buffer[] {
  const nals: Buffer[] = [];
  let start = -1;
  let i = 0;
  while (i + 2 < data.length) {
    if (data[i] === 0 && data[i + 1] === 0 && data[i + 2] === 1) {
      if (start >= 0) {
        let end = i;
        if (end > start && data[end - 1] === 0) end--;
        nals.push(data.subarray(start, end));
      }
      i += 3;
      start = i;
    } else i++;
  }
  if (start >= 0 && start < data.length) nals.push(data.subarray(start));
  else if (start < 0 && data.length) nals.push(data);
  return nals.filter((n) => n.length > 0);
}

/** The frame as ffmpeg's h264 demuxer wants it from a pipe: start codes, then an AUD. */
export function annexBAccessUnit(frame: Buffer): Buffer {
  const hasStart = frame.length > 3 && frame[0] === 0 && frame[1] === 0 && (frame[2] === 1 || (frame[2] === 0 && frame[3] === 1));
  return Buffer.concat([hasStart ? frame : Buffer.concat([ANNEXB_START, frame]), ACCESS_UNIT_DELIMITER]);
}

/** SPS and PPS out of an FLV AVC sequence header (AVCDecoderConfigurationRecord after 5 bytes). */
export function parseAvcConfig(payload: Buffer): { sps: Buffer[]; pps: Buffer[]; profileLevelId: string; lengthSize: number } {
  const rec = payload.subarray(5);
  const lengthSize = (rec[4] & 3) + 1;
  let p = 5;
  const sps: Buffer[] = [];
  const pps: Buffer[] = [];
  const nSps = rec[p++] & 0x1f;
  for (let i = 0; i < nSps; i++) {
    const len = rec.readUInt16BE(p);
    sps.push(Buffer.from(rec.subarray(p + 2, p + 2 + len)));
    p += 2 + len;
  }
  const nPps = rec[p++];
  for (let i = 0; i < nPps; i++) {
    const len = rec.readUInt16BE(p);
    pps.push(Buffer.from(rec.subarray(p + 2, p + 2 + len)));
    p += 2 + len;
  }
  const profileLevelId = [rec[1], rec[2], rec[3]].map((b) => b.toString(16).padStart(2, '0')).join('');
  return { sps, pps, profileLevelId, lengthSize };
}

/** NAL units of an FLV AVC NALU tag (length-prefixed, after the 5-byte AVC video tag header). */
export function avccNals(payload: Buffer, lengthSize = 4): Buffer[] {
  const nals: Buffer[] = [];
  let p = 5;
  while (p + lengthSize <= payload.length) {
    const len = payload.readUIntBE(p, lengthSize);
    p += lengthSize;
    if (len === 0 || p + len > payload.length) break;
    nals.push(payload.subarray(p, p + len));
    p += len;
  }
  return nals;
}

/**
 * RTP payloads for one access unit (RFC 6184, packetization-mode 1): a NAL that fits goes alone,
 * a bigger one is cut into FU-A fragments. The marker bit belongs on the last payload.
 */
export function packetizeH264(nals: readonly Buffer[], mtu = 1200): Buffer[] {
  const out: Buffer[] = [];
  for (const nal of nals) {
    if (nal.length <= mtu) {
      out.push(nal);
      continue;
    }
    const header = nal[0];
    const fuIndicator = (header & 0xe0) | 28;
    const type = header & 0x1f;
    let offset = 1;
    while (offset < nal.length) {
      const size = Math.min(mtu - 2, nal.length - offset);
      const start = offset === 1 ? 0x80 : 0;
      const end = offset + size >= nal.length ? 0x40 : 0;
      out.push(Buffer.concat([Buffer.from([fuIndicator, start | end | type]), nal.subarray(offset, offset + size)]));
      offset += size;
    }
  }
  return out;
}

// ---- Ogg (Opus) -----------------------------------------------------------------------------

const CRC_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let i = 0; i < 256; i++) {
    let r = i << 24;
    for (let j = 0; j < 8; j++) r = r & 0x80000000 ? (r << 1) ^ 0x04c11db7 : r << 1;
    table[i] = r >>> 0;
  }
  return table;
})();

function oggCrc(data: Buffer): number {
  let crc = 0;
  for (let i = 0; i < data.length; i++) crc = ((crc << 8) ^ CRC_TABLE[((crc >>> 24) ^ data[i]) & 0xff]) >>> 0;
  return crc >>> 0;
}

/** Writes Opus packets as an Ogg stream, one packet per page (so ffmpeg gets each at once). */
export class OggOpusWriter {
  private sequence = 0;
  private readonly serial = (Math.random() * 0xffffffff) >>> 0;

  /** OpusHead + OpusTags pages: what a decoder needs first. */
  headers(channels = 2): Buffer {
    const head = Buffer.alloc(19);
    head.write('OpusHead', 0, 'latin1');
    head[8] = 1;
    head[9] = channels;
    head.writeUInt16LE(312, 10);
    head.writeUInt32LE(48_000, 12);
    head.writeInt16LE(0, 16);
    head[18] = 0;
    const vendor = 'cutline';
    const tags = Buffer.alloc(8 + 4 + vendor.length + 4);
    tags.write('OpusTags', 0, 'latin1');
    tags.writeUInt32LE(vendor.length, 8);
    tags.write(vendor, 12, 'latin1');
    tags.writeUInt32LE(0, 12 + vendor.length);
    return Buffer.concat([this.page(head, 0, 0x02), this.page(tags, 0, 0)]);
  }

  packet(data: Buffer, granule: number): Buffer {
    return this.page(data, granule, 0);
  }

  private page(data: Buffer, granule: number, flags: number): Buffer {
    const segments: number[] = [];
    let left = data.length;
    while (left >= 255) {
      segments.push(255);
      left -= 255;
    }
    segments.push(left);
    const header = Buffer.alloc(27 + segments.length);
    header.write('OggS', 0, 'latin1');
    header[4] = 0;
    header[5] = flags;
    header.writeBigUInt64LE(BigInt(Math.max(0, Math.floor(granule))), 6);
    header.writeUInt32LE(this.serial, 14);
    header.writeUInt32LE(this.sequence++, 18);
    header.writeUInt32LE(0, 22);
    header[26] = segments.length;
    segments.forEach((s, i) => {
      header[27 + i] = s;
    });
    const page = Buffer.concat([header, data]);
    page.writeUInt32LE(oggCrc(page), 22);
    return page;
  }
}

/** Cuts an Ogg byte stream into packets (skipping the OpusHead/OpusTags header packets). */
export class OggPacketReader {
  private buffer: Buffer = Buffer.alloc(0);
  private partial: Buffer[] = [];

  push(chunk: Buffer): Buffer[] {
    this.buffer = this.buffer.length ? Buffer.concat([this.buffer, chunk]) : chunk;
    const packets: Buffer[] = [];
    let offset = 0;
    while (this.buffer.length - offset >= 27) {
      if (this.buffer.toString('latin1', offset, offset + 4) !== 'OggS') {
        const next = this.buffer.indexOf('OggS', offset + 1, 'latin1');
        if (next < 0) {
          offset = this.buffer.length;
          break;
        }
        offset = next;
        continue;
      }
      const count = this.buffer[offset + 26];
      if (this.buffer.length - offset < 27 + count) break;
      const lacing = this.buffer.subarray(offset + 27, offset + 27 + count);
      const bodySize = lacing.reduce((a, b) => a + b, 0);
      const total = 27 + count + bodySize;
      if (this.buffer.length - offset < total) break;
      let p = offset + 27 + count;
      for (const len of lacing) {
        this.partial.push(this.buffer.subarray(p, p + len));
        p += len;
        if (len < 255) {
          const packet = Buffer.concat(this.partial);
          this.partial = [];
          const magic = packet.toString('latin1', 0, 8);
          if (magic !== 'OpusHead' && magic !== 'OpusTags') packets.push(packet);
        }
      }
      offset += total;
    }
    this.buffer = offset >= this.buffer.length ? Buffer.alloc(0) : Buffer.from(this.buffer.subarray(offset));
    return packets;
  }
}
