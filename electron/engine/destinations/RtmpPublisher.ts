/**
 * An RTMP(S) publish straight from Node: TCP (or TLS, verified against Node's own CA store, or a
 * given CA file), the RTMP handshake, connect → releaseStream/FCPublish → createStream → publish,
 * then FLV tags as RTMP messages. Doing it here rather than in an ffmpeg muxer keeps the stream key
 * out of every process command line (ps shows ffmpeg's arguments to every user), verifies TLS the
 * same way on every OS, confirms "live" from the server's NetStream.Publish.Start rather than from
 * ffmpeg's log, and saves one process per destination.
 *
 * The queue is the socket's own write buffer (`queuedBytes`); Destination drops GOPs when it grows.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { connect as netConnect, type Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { type FlvTag, TAG_AUDIO, TAG_SCRIPT, TAG_VIDEO } from '../media/flv.ts';
import { amf0DataName } from '../media/timedMetadata.ts';
import { TypedEmitter } from '../TypedEmitter.ts';
import {
  type Amf0,
  ChunkReader,
  CSID,
  chunkMessage,
  commandMessage,
  controlMessage,
  decodeAmf0,
  encodeAmf0,
  MSG,
  parseRtmpTarget,
  type RtmpTarget,
  u32,
} from './rtmp.ts';

export interface RtmpPublisherOptions {
  url: string;
  streamKey?: string;
  /** A PEM file of CA certificates to trust for rtmps:// (default: Node's built-in CA store). */
  caFile?: string;
  /** Skip certificate verification (CUTLINE_TLS_VERIFY=0): encrypted, but the server unverified. */
  insecure?: boolean;
  timeoutMs?: number;
}

export interface RtmpClosed {
  /** What happened, for the user (never contains the key). */
  reason: string;
  /** True when the server closed or refused before NetStream.Publish.Start. */
  beforePublish: boolean;
  /** True when the server said no in words (an error status, e.g. BadName / a denied publish). */
  refused: boolean;
  /** The server answered the RTMP handshake before the connection ended. */
  connected: boolean;
  /** The server still has a session publishing this stream (e.g. ours before a reconnect):
   * worth retrying, it goes away when the old connection times out. */
  inUse: boolean;
}

interface Events {
  published: undefined;
  closed: RtmpClosed;
}

const OUT_CHUNK_SIZE = 4096;
const HANDSHAKE_SIZE = 1536;
const WINDOW = 2_500_000;
/** How often we ask the server to acknowledge what it has read: small, so a server that stops
 * reading is noticed from its acknowledgements instead of after megabytes of kernel buffers. */
const ACK_WINDOW = 256 * 1024;

export class RtmpPublisher extends TypedEmitter<Events> {
  readonly target: RtmpTarget;
  private socket: Socket | undefined;
  private readonly reader = new ChunkReader();
  private stage: 'connecting' | 'handshake' | 'connect' | 'publish' | 'live' | 'closed' = 'connecting';
  private handshakeBuf: Buffer = Buffer.alloc(0);
  private streamId = 0;
  private connected = false;
  private lastAckSent = 0;
  private serverWindow = WINDOW;
  private timer: NodeJS.Timeout | undefined;
  bytesOut = 0;
  /** Everything written to the socket, handshake included (what the server's ack counts). */
  private bytesSentTotal = 0;
  private ackedBytes = 0;
  acksSeen = 0;

  constructor(private readonly options: RtmpPublisherOptions) {
    super();
    this.target = parseRtmpTarget(options.url, options.streamKey);
  }

  get live(): boolean {
    return this.stage === 'live';
  }

  /**
   * Bytes the server has not read yet: from its acknowledgements when it sends them (nginx-rtmp,
   * node-media-server and the big ingests do), else what is still in our socket buffer. Grows when
   * the server does not keep up.
   */
  get queuedBytes(): number {
    const buffered = this.socket?.writableLength ?? 0;
    if (this.acksSeen === 0) return buffered;
    // Up to one ack window is unacknowledged by design.
    return Math.max(buffered, this.bytesSentTotal - this.ackedBytes - ACK_WINDOW);
  }

  start(): void {
    const t = this.target;
    const timeoutMs = this.options.timeoutMs ?? 10_000;
    this.timer = setTimeout(() => {
      const what = this.stage === 'connecting' ? 'did not accept the connection' : this.stage === 'handshake' ? 'accepted the connection but did not answer the RTMP handshake' : 'did not confirm the publish';
      this.close(`the server ${what} within ${timeoutMs / 1000} s`);
    }, timeoutMs);
    const socket = t.secure
      ? tlsConnect({
          host: t.host,
          port: t.port,
          servername: /^[\d.]+$|:/.test(t.host) ? undefined : t.host,
          ...(this.options.caFile ? { ca: readFileSync(this.options.caFile) } : {}),
          rejectUnauthorized: !this.options.insecure,
        })
      : netConnect({ host: t.host, port: t.port });
    this.socket = socket;
    socket.setNoDelay(true);
    socket.once(t.secure ? 'secureConnect' : 'connect', () => {
      this.stage = 'handshake';
      // C0 + C1: version 3, time 0, zero, random (the simple handshake every server accepts).
      const c1 = Buffer.concat([Buffer.alloc(8), randomBytes(HANDSHAKE_SIZE - 8)]);
      socket.write(Buffer.concat([Buffer.from([3]), c1])); // handshake: not counted in acks
    });
    socket.on('data', (data: Buffer) => this.onData(data));
    socket.on('error', (error: NodeJS.ErrnoException) => this.close(describeSocketError(error, t.secure)));
    socket.on('close', () => this.close(this.stage === 'live' ? 'the server closed the connection' : 'the server closed the connection before the stream was published'));
  }

  /** Sends one FLV tag (timestamps already rebased by the caller). */
  writeTag(tag: FlvTag, timestamp: number): number {
    const socket = this.socket;
    if (!socket || this.stage !== 'live') return 0;
    let bytes: Buffer;
    if (tag.type === TAG_VIDEO) bytes = chunkMessage(CSID.video, MSG.video, this.streamId, timestamp, tag.payload, OUT_CHUNK_SIZE);
    else if (tag.type === TAG_AUDIO) bytes = chunkMessage(CSID.audio, MSG.audio, this.streamId, timestamp, tag.payload, OUT_CHUNK_SIZE);
    else if (tag.type === TAG_SCRIPT) {
      // FLV's onMetaData becomes "@setDataFrame onMetaData {...}", as publishers send it (the
      // server keeps it for every player). Timed data (onTextData) goes as a plain AMF0 data
      // message: the server relays it to the players watching at that moment.
      const payload = amf0DataName(tag.payload) === 'onMetaData' ? Buffer.concat([encodeAmf0('@setDataFrame'), tag.payload]) : tag.payload;
      bytes = chunkMessage(CSID.data, MSG.dataAmf0, this.streamId, timestamp, payload, OUT_CHUNK_SIZE);
    } else return 0;
    this.bytesOut += bytes.length;
    this.send(bytes);
    return bytes.length;
  }

  private send(bytes: Buffer): void {
    this.bytesSentTotal += bytes.length;
    this.socket?.write(bytes);
  }

  /** Ends the publish politely (FCUnpublish, deleteStream) and closes. */
  async stop(): Promise<void> {
    const socket = this.socket;
    if (!socket || this.stage === 'closed') return;
    if (this.stage === 'live') {
      this.send(commandMessage(0, ['FCUnpublish', 6, null, this.target.streamName], OUT_CHUNK_SIZE));
      this.send(commandMessage(0, ['deleteStream', 7, null, this.streamId], OUT_CHUNK_SIZE));
    }
    this.stage = 'closed';
    clearTimeout(this.timer);
    await new Promise<void>((resolve) => {
      const done = setTimeout(() => {
        socket.destroy();
        resolve();
      }, 1000);
      socket.end(() => {
        clearTimeout(done);
        socket.destroy();
        resolve();
      });
    });
  }

  /** Drops the connection at once (a stalled server); emits `closed` with the reason. */
  close(reason: string, refused = false, inUse = false): void {
    if (this.stage === 'closed') return;
    const beforePublish = this.stage !== 'live';
    this.stage = 'closed';
    clearTimeout(this.timer);
    this.socket?.destroy();
    this.emit('closed', { reason, beforePublish, refused, connected: this.connected, inUse });
  }

  private onData(data: Buffer): void {
    if (this.stage === 'closed') return;
    if (this.stage === 'handshake') {
      this.handshakeBuf = Buffer.concat([this.handshakeBuf, data]);
      if (this.handshakeBuf.length < 1 + 2 * HANDSHAKE_SIZE) return;
      const s1 = this.handshakeBuf.subarray(1, 1 + HANDSHAKE_SIZE);
      const rest = this.handshakeBuf.subarray(1 + 2 * HANDSHAKE_SIZE);
      this.handshakeBuf = Buffer.alloc(0);
      this.connected = true;
      this.socket?.write(s1); // C2 echoes S1
      this.sendConnect();
      if (rest.length) this.onData(rest);
      return;
    }
    for (const message of this.reader.push(data)) this.onMessage(message);
    if (this.reader.bytesIn - this.lastAckSent >= this.serverWindow) {
      this.lastAckSent = this.reader.bytesIn;
      this.send(controlMessage(MSG.ack, u32(this.reader.bytesIn)));
    }
  }

  private sendConnect(): void {
    const socket = this.socket;
    if (!socket) return;
    this.stage = 'connect';
    const t = this.target;
    this.send(controlMessage(MSG.setChunkSize, u32(OUT_CHUNK_SIZE)));
    this.send(controlMessage(MSG.windowAckSize, u32(ACK_WINDOW)));
    this.send(
      commandMessage(0, ['connect', 1, { app: t.app, type: 'nonprivate', flashVer: 'FMLE/3.0 (compatible; Cutline)', tcUrl: t.tcUrl }], OUT_CHUNK_SIZE),
    );
  }

  private onMessage(message: { type: number; streamId: number; payload: Buffer }): void {
    const socket = this.socket;
    if (!socket) return;
    switch (message.type) {
      case MSG.ack: {
        // Bytes the server has read so far (32-bit, wraps): what it has not read is in flight.
        const seq = message.payload.readUInt32BE(0);
        this.ackedBytes = this.bytesSentTotal - ((this.bytesSentTotal - seq) >>> 0);
        this.acksSeen++;
        return;
      }
      case MSG.windowAckSize:
        this.serverWindow = message.payload.readUInt32BE(0) || WINDOW;
        return;
      case MSG.userControl: {
        // Ping request → ping response with the same timestamp; servers drop clients that ignore it.
        if (message.payload.readUInt16BE(0) === 6)
          this.send(controlMessage(MSG.userControl, Buffer.concat([Buffer.from([0, 7]), message.payload.subarray(2, 6)])));
        return;
      }
      case MSG.commandAmf0:
        this.onCommand(decodeAmf0(message.payload));
        return;
      default:
        return;
    }
  }

  private onCommand(values: Amf0[]): void {
    const socket = this.socket;
    if (!socket) return;
    const [name, txn] = values;
    const info = values.find((v, i) => i >= 2 && v && typeof v === 'object' && !Array.isArray(v)) as Record<string, Amf0> | undefined;
    const code = typeof info?.code === 'string' ? info.code : '';
    const description = typeof info?.description === 'string' ? info.description : '';
    if (name === '_result' && txn === 1 && this.stage === 'connect') {
      const s = this.target.streamName;
      this.send(commandMessage(0, ['releaseStream', 2, null, s], OUT_CHUNK_SIZE));
      this.send(commandMessage(0, ['FCPublish', 3, null, s], OUT_CHUNK_SIZE));
      this.send(commandMessage(0, ['createStream', 4, null], OUT_CHUNK_SIZE));
      return;
    }
    if (name === '_result' && txn === 4 && this.stage === 'connect') {
      this.streamId = typeof values[3] === 'number' ? values[3] : 1;
      this.stage = 'publish';
      this.send(commandMessage(this.streamId, ['publish', 5, null, this.target.streamName, 'live'], OUT_CHUNK_SIZE));
      return;
    }
    if (name === '_error' && (txn === 1 || txn === 4)) {
      this.close(`the server refused the ${txn === 1 ? 'connection' : 'stream'}${code || description ? ` (${[code, description].filter(Boolean).join(': ')})` : ''}`, true);
      return;
    }
    if (name === 'onStatus') {
      if (code === 'NetStream.Publish.Start') {
        this.stage = 'live';
        clearTimeout(this.timer);
        this.emit('published', undefined);
        return;
      }
      if (info?.level === 'error' || /Publish\.(BadName|Denied|Rejected|Failed)|Unauthorized/i.test(code)) {
        const detail = [code, description].filter(Boolean).join(': ');
        if (/already|in use/i.test(description)) this.close(`the server still has a session publishing this stream (${detail})`, false, true);
        else this.close(`the server refused the publish (${detail})`, true);
      }
    }
  }
}

function describeSocketError(error: NodeJS.ErrnoException, secure: boolean): string {
  switch (error.code) {
    case 'ECONNREFUSED':
      return 'nothing accepts connections at that address (connection refused): check the URL and that the server is up';
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return 'the server name could not be resolved: check the URL';
    case 'ETIMEDOUT':
      return 'the server did not answer in time: check the URL and your network';
    case 'ECONNRESET':
    case 'EPIPE':
      return 'the server closed the connection';
    default:
      if (secure && /certificate|self.signed|unable to verify|altnames|CERT_/i.test(`${error.code} ${error.message}`))
        return `the server's TLS certificate could not be verified (${error.code ?? error.message}): check the rtmps:// URL, or set CUTLINE_TLS_CA_FILE for a private CA`;
      return `the connection failed (${error.code ?? error.message})`;
  }
}
