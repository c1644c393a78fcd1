/**
 * The RTMP wire format a publisher needs, as pure functions: AMF0 values, chunking outgoing
 * messages, and a chunk-stream reader for what the server sends back. No I/O (RtmpPublisher.ts
 * owns the socket).
 */

// ---- AMF0 ------------------------------------------------------------------------------------

export type Amf0 = number | boolean | string | null | undefined | { [key: string]: Amf0 } | Amf0[];

export function encodeAmf0(value: Amf0): Buffer {
  if (typeof value === 'number') {
    const b = Buffer.alloc(9);
    b[0] = 0x00;
    b.writeDoubleBE(value, 1);
    return b;
  }
  if (typeof value === 'boolean') return Buffer.from([0x01, value ? 1 : 0]);
  if (typeof value === 'string') {
    const s = Buffer.from(value, 'utf8');
    const b = Buffer.alloc(3);
    b[0] = 0x02;
    b.writeUInt16BE(s.length, 1);
    return Buffer.concat([b, s]);
  }
  if (value === null) return Buffer.from([0x05]);
  if (value === undefined) return Buffer.from([0x06]);
  if (Array.isArray(value)) {
    const head = Buffer.alloc(5);
    head[0] = 0x0a;
    head.writeUInt32BE(value.length, 1);
    return Buffer.concat([head, ...value.map(encodeAmf0)]);
  }
  const parts: Buffer[] = [Buffer.from([0x03])];
  for (const [key, v] of Object.entries(value)) {
    const k = Buffer.from(key, 'utf8');
    const len = Buffer.alloc(2);
    len.writeUInt16BE(k.length);
    parts.push(len, k, encodeAmf0(v));
  }
  parts.push(Buffer.from([0, 0, 0x09]));
  return Buffer.concat(parts);
}

/** Decodes consecutive AMF0 values (what a command message carries). Unknown types end it. */
export function decodeAmf0(buf: Buffer): Amf0[] {
  const out: Amf0[] = [];
  let pos = 0;
  const readString = (long = false): string => {
    const len = long ? buf.readUInt32BE(pos) : buf.readUInt16BE(pos);
    pos += long ? 4 : 2;
    const s = buf.toString('utf8', pos, pos + len);
    pos += len;
    return s;
  };
  const readObject = (): { [key: string]: Amf0 } => {
    const obj: { [key: string]: Amf0 } = {};
    while (pos + 3 <= buf.length) {
      if (buf[pos] === 0 && buf[pos + 1] === 0 && buf[pos + 2] === 0x09) {
        pos += 3;
        break;
      }
      const key = readString();
      obj[key] = readValue();
    }
    return obj;
  };
  const readValue = (): Amf0 => {
    const type = buf[pos++];
    switch (type) {
      case 0x00: {
        const v = buf.readDoubleBE(pos);
        pos += 8;
        return v;
      }
      case 0x01:
        return buf[pos++] !== 0;
      case 0x02:
        return readString();
      case 0x0c:
        return readString(true);
      case 0x03:
        return readObject();
      case 0x08:
        pos += 4; // ECMA array: count, then like an object
        return readObject();
      case 0x05:
        return null;
      case 0x06:
        return undefined;
      case 0x0a: {
        const n = buf.readUInt32BE(pos);
        pos += 4;
        const arr: Amf0[] = [];
        for (let i = 0; i < n; i++) arr.push(readValue());
        return arr;
      }
      default:
        throw new Error(`AMF0 type ${type} not supported`);
    }
  };
  try {
    while (pos < buf.length) out.push(readValue());
  } catch {
    // A value we do not understand: keep what came before it.
  }
  return out;
}

// ---- message types and chunk streams -----------------------------------------------------------

export const MSG = {
  setChunkSize: 1,
  abort: 2,
  ack: 3,
  userControl: 4,
  windowAckSize: 5,
  setPeerBandwidth: 6,
  audio: 8,
  video: 9,
  dataAmf0: 18,
  commandAmf0: 20,
} as const;

/** Chunk stream ids we send on. */
export const CSID = { control: 2, command: 3, audio: 4, data: 5, video: 6 } as const;

/**
 * One message cut into chunks: a type-0 header on the first chunk, type-3 on the rest. (Always
 * type 0 on the first chunk: 8 bytes more per message than deltas, and nothing to get wrong.)
 */
export function chunkMessage(csid: number, type: number, streamId: number, timestamp: number, payload: Buffer, chunkSize: number): Buffer {
  const extended = timestamp >= 0xffffff;
  const basic = (fmt: number) => Buffer.from([(fmt << 6) | csid]);
  const header = Buffer.alloc(11 + (extended ? 4 : 0));
  header.writeUIntBE(extended ? 0xffffff : timestamp, 0, 3);
  header.writeUIntBE(payload.length, 3, 3);
  header[6] = type;
  header.writeUInt32LE(streamId, 7);
  if (extended) header.writeUInt32BE(timestamp >>> 0, 11);
  const parts: Buffer[] = [basic(0), header];
  const ext = extended ? header.subarray(11) : undefined;
  for (let offset = 0; offset < payload.length || offset === 0; offset += chunkSize) {
    if (offset > 0) {
      parts.push(basic(3));
      if (ext) parts.push(ext);
    }
    parts.push(payload.subarray(offset, Math.min(payload.length, offset + chunkSize)));
    if (payload.length === 0) break;
  }
  return Buffer.concat(parts);
}

export function commandMessage(streamId: number, values: Amf0[], chunkSize: number): Buffer {
  return chunkMessage(CSID.command, MSG.commandAmf0, streamId, 0, Buffer.concat(values.map(encodeAmf0)), chunkSize);
}

export function controlMessage(type: number, payload: Buffer): Buffer {
  return chunkMessage(CSID.control, type, 0, 0, payload, 128);
}

export const u32 = (n: number) => {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n >>> 0);
  return b;
};

export interface RtmpMessage {
  type: number;
  streamId: number;
  timestamp: number;
  payload: Buffer;
}

interface ChunkState {
  timestamp: number;
  delta: number;
  length: number;
  type: number;
  streamId: number;
  extended: boolean;
  parts: Buffer[];
  received: number;
}

/** Reads the server's chunk stream into messages. Push bytes, get whole messages. */
export class ChunkReader {
  private buffer: Buffer = Buffer.alloc(0);
  private readonly streams = new Map<number, ChunkState>();
  chunkSize = 128;
  bytesIn = 0;

  push(data: Buffer): RtmpMessage[] {
    this.bytesIn += data.length;
    this.buffer = this.buffer.length ? Buffer.concat([this.buffer, data]) : data;
    const out: RtmpMessage[] = [];
    for (;;) {
      const consumed = this.readChunk(out);
      if (consumed === 0) break;
      this.buffer = this.buffer.subarray(consumed);
    }
    return out;
  }

  private readChunk(out: RtmpMessage[]): number {
    const b = this.buffer;
    if (b.length < 1) return 0;
    const fmt = b[0] >> 6;
    let csid = b[0] & 0x3f;
    let pos = 1;
    if (csid === 0) {
      if (b.length < 2) return 0;
      csid = 64 + b[1];
      pos = 2;
    } else if (csid === 1) {
      if (b.length < 3) return 0;
      csid = 64 + b[1] + b[2] * 256;
      pos = 3;
    }
    const headerLen = [11, 7, 3, 0][fmt];
    if (b.length < pos + headerLen) return 0;
    const prev = this.streams.get(csid);
    const st: ChunkState = prev ?? { timestamp: 0, delta: 0, length: 0, type: 0, streamId: 0, extended: false, parts: [], received: 0 };
    const starting = st.received === 0;
    let ts = 0;
    if (fmt <= 2) ts = b.readUIntBE(pos, 3);
    let length = st.length;
    let type = st.type;
    let streamId = st.streamId;
    if (fmt <= 1) {
      length = b.readUIntBE(pos + 3, 3);
      type = b[pos + 6];
    }
    if (fmt === 0) streamId = b.readUInt32LE(pos + 7);
    pos += headerLen;
    const extended = fmt <= 2 ? ts === 0xffffff : st.extended;
    if (extended) {
      if (b.length < pos + 4) return 0;
      ts = b.readUInt32BE(pos);
      pos += 4;
    }
    const need = Math.min(this.chunkSize, length - (starting ? 0 : st.received));
    if (b.length < pos + need) return 0;
    if (starting) {
      if (fmt === 0) st.timestamp = ts;
      else if (fmt === 1 || fmt === 2) {
        st.delta = ts;
        st.timestamp += ts;
      } else st.timestamp += st.delta;
    }
    st.length = length;
    st.type = type;
    st.streamId = streamId;
    st.extended = extended;
    st.parts.push(b.subarray(pos, pos + need));
    st.received += need;
    this.streams.set(csid, st);
    if (st.received >= st.length) {
      const payload = Buffer.concat(st.parts);
      st.parts = [];
      st.received = 0;
      if (type === MSG.setChunkSize) this.chunkSize = payload.readUInt32BE(0) & 0x7fffffff;
      out.push({ type, streamId, timestamp: st.timestamp, payload });
    }
    return pos + need;
  }
}

/** rtmp(s)://host[:port]/app[/name] + key → where to connect and what to publish. */
export interface RtmpTarget {
  secure: boolean;
  host: string;
  port: number;
  app: string;
  tcUrl: string;
  streamName: string;
}

export function parseRtmpTarget(url: string, streamKey?: string): RtmpTarget {
  const m = /^(rtmps?):\/\/(\[[^\]]+\]|[^/:?]+)(?::(\d+))?(\/.*)?$/i.exec(url);
  if (!m) throw new Error('use rtmp://host[:port]/app or rtmps://host[:port]/app');
  const secure = m[1].toLowerCase() === 'rtmps';
  const host = m[2].replace(/^\[|\]$/g, '');
  const port = m[3] ? Number(m[3]) : secure ? 443 : 1935;
  let path = (m[4] ?? '/').slice(1);
  let streamName: string;
  if (streamKey) {
    path = path.replace(/\/+$/, '');
    streamName = streamKey;
  } else {
    // The stream name is the last path part (rtmp://host/live/stream); the app is the rest.
    const cut = path.lastIndexOf('/');
    if (cut <= 0) throw new Error('the URL has no stream name: use rtmp://host/app/stream or give a stream key');
    streamName = path.slice(cut + 1);
    path = path.slice(0, cut);
  }
  const hostPart = m[3] ? `${m[2]}:${m[3]}` : m[2];
  return { secure, host, port, app: path, tcUrl: `${m[1].toLowerCase()}://${hostPart}/${path}`, streamName };
}
