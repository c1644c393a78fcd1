/**
 * Raw frames from a decoder process straight into two reusable frame buffers.
 *
 * Why: at 1080p four decoders send Node ~93 MB/s of raw frames. Read the usual way (a child's
 * stdout 'data' events), every read of up to 64 KB allocates a new Buffer and every frame is then
 * copied out of those chunks; the garbage collector that churn wakes made Node's CPU swing between
 * 0.13 and 0.25 CPU-s/s in the same run (docs/PERFORMANCE.md). Here the decoder's stdout is one end
 * of a Unix socket whose other end Node reads with `onread` into the unfilled rest of the frame being
 * assembled: no allocation, no copy, and no read ever spans two frames.
 *
 * Only public APIs: a `net.Server` on a socket in a private (0700) directory, a client created with
 * `onread`, and the accepted socket handed to `spawn` as the child's stdout (the same kind of file a
 * child's stdout 'pipe' is on Unix: libuv makes those with socketpair()). Windows child stdio cannot
 * be a Unix socket, so there `FrameChannel.supported()` is false and the caller reads the pipe with
 * RawFrameReader instead.
 *
 * Frames are read into a small pool of reused buffers: the frame last passed to `onFrame` stays
 * intact while the next one is being read, and so does every frame the caller says it still holds
 * (`isHeld`: a source keeps a frame or two waiting for their tick). The pool grows only when all
 * its buffers are held, up to MAX_FRAME_BUFFERS.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A pool this size covers the frame shown, the frames waiting for a tick and the one being read. */
export const MAX_FRAME_BUFFERS = 6;

let socketDir: string | undefined;
let socketCount = 0;

/**
 * The longest socket path the OS takes (sun_path: 108 bytes on Linux, 104 on macOS and the BSDs,
 * the NUL included). Node 20 does not refuse a longer one: it binds the path cut short, outside
 * the private directory, and never removes that file.
 */
const MAX_SOCKET_PATH_BYTES = process.platform === 'linux' ? 107 : 103;

/** One private directory per engine process for the short-lived listening sockets. */
function privateSocketDir(): string {
  if (!socketDir) {
    // mkdtemp creates the directory with mode 0700: no other user can connect to a socket inside.
    const dir = mkdtempSync(join(tmpdir(), 'cutline-frames-'));
    socketDir = dir;
    process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
  }
  return socketDir;
}

export class FrameChannel {
  private readonly buffers: Buffer[] = [];
  private current: Buffer;
  private lastDelivered: Buffer | undefined;
  private filled = 0;
  private closed = false;

  /** True where a child's stdout can be a Unix socket (Linux, macOS, the BSDs). */
  static supported(platform: NodeJS.Platform = process.platform): boolean {
    return platform !== 'win32';
  }

  /**
   * Connects the two ends. `onFrame` is called with each complete frame of `frameSize` bytes.
   * Rejects if the socket cannot be made (the caller then falls back to a pipe).
   */
  static async open(frameSize: number, onFrame: (frame: Buffer) => void, isHeld: (frame: Buffer) => boolean = () => false): Promise<FrameChannel> {
    const path = join(privateSocketDir(), `${process.pid}-${++socketCount}.sock`);
    if (Buffer.byteLength(path) > MAX_SOCKET_PATH_BYTES) throw new Error(`the socket path would be too long (${Buffer.byteLength(path)} bytes, the limit is ${MAX_SOCKET_PATH_BYTES}): ${path}`);
    const server = net.createServer({ pauseOnConnect: true });
    try {
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(path, () => resolve());
      });
      const accepted = new Promise<net.Socket>((resolve) => server.once('connection', resolve));
      const channel = new FrameChannel(frameSize, onFrame, path, isHeld);
      try {
        await new Promise<void>((resolve, reject) => {
          channel.reader.once('connect', resolve);
          channel.reader.once('error', reject);
        });
        channel.childEnd = await accepted;
      } catch (error) {
        channel.close();
        throw error;
      }
      return channel;
    } finally {
      // Closing the listening server removes its socket file; the connection stays.
      server.close();
    }
  }

  /** Node's end, read into the frame buffers. */
  private readonly reader: net.Socket;
  /** The child's end: give it to spawn's stdio, then call `childSpawned()`. */
  childEnd!: net.Socket;

  private constructor(
    readonly frameSize: number,
    private readonly onFrame: (frame: Buffer) => void,
    path: string,
    private readonly isHeld: (frame: Buffer) => boolean,
  ) {
    this.current = this.nextBuffer();
    this.reader = net.connect({
      path,
      onread: {
        // Asked before every read: the rest of the frame being filled, so a read stops at its end.
        buffer: () => this.current.subarray(this.filled),
        callback: (bytes: number) => {
          this.filled += bytes;
          if (this.filled === this.frameSize) {
            const frame = this.current;
            this.lastDelivered = frame;
            this.current = this.nextBuffer();
            this.filled = 0;
            if (!this.closed) this.onFrame(frame);
          }
          return true;
        },
      },
    });
    // A decoder that dies resets the connection; its exit is reported by the process itself.
    this.reader.on('error', () => {});
  }

  /** A buffer no one holds: reused from the pool, or a new one while the pool is small. */
  private nextBuffer(): Buffer {
    const free = this.buffers.find((b) => b !== this.lastDelivered && !this.isHeld(b));
    if (free) return free;
    if (this.buffers.length < MAX_FRAME_BUFFERS) {
      const buffer = Buffer.allocUnsafe(this.frameSize);
      this.buffers.push(buffer);
      return buffer;
    }
    // The caller holds more frames than the pool has: overwrite the oldest it holds.
    return this.buffers.find((b) => b !== this.lastDelivered) ?? this.buffers[0];
  }

  /**
   * Drops Node's copy of the child's end once the child holds its own: then the child's exit is
   * the socket's end. (destroy, not end: a shutdown would also close the child's copy.)
   */
  childSpawned(): void {
    this.childEnd.destroy();
  }

  close(): void {
    this.closed = true;
    this.childEnd?.destroy();
    this.reader.destroy();
  }
}
