/**
 * Cuts a byte stream of raw frames (a decoder's stdout pipe) into whole frames of a fixed size.
 * Pure: push chunks in, get frames out. Decoders use it where FrameChannel (frames read straight
 * into their buffers through a Unix socket) is not available: on Windows.
 *
 * Frames are assembled into a small pool of reused buffers, so a source at 1080p30 does not
 * allocate 90 MB/s for the garbage collector: the latest frame stays intact while the next one is
 * being filled, and so does every frame the caller says it holds (`isHeld`, as FrameChannel).
 */
import { MAX_FRAME_BUFFERS } from './FrameChannel.ts';

export class RawFrameReader {
  private pending: Buffer | undefined;
  private filled = 0;
  private readonly buffers: Buffer[] = [];
  private lastDelivered: Buffer | undefined;

  /** @param isHeld frames the caller still holds (see FrameChannel): their buffers are not reused */
  constructor(
    readonly frameSize: number,
    private readonly isHeld: (frame: Buffer) => boolean = () => false,
  ) {}

  private nextBuffer(): Buffer {
    const free = this.buffers.find((b) => b !== this.lastDelivered && !this.isHeld(b));
    if (free) return free;
    if (this.buffers.length < MAX_FRAME_BUFFERS) {
      const buffer = Buffer.allocUnsafe(this.frameSize);
      this.buffers.push(buffer);
      return buffer;
    }
    return this.buffers.find((b) => b !== this.lastDelivered) ?? this.buffers[0];
  }

  push(chunk: Buffer): Buffer[] {
    const frames: Buffer[] = [];
    let offset = 0;
    while (offset < chunk.length) {
      if (!this.pending) {
        // Fast path: a whole frame inside the chunk needs no copy.
        if (chunk.length - offset >= this.frameSize) {
          frames.push(chunk.subarray(offset, offset + this.frameSize));
          offset += this.frameSize;
          continue;
        }
        this.pending = this.nextBuffer();
        this.filled = 0;
      }
      const n = Math.min(this.frameSize - this.filled, chunk.length - offset);
      chunk.copy(this.pending, this.filled, offset, offset + n);
      this.filled += n;
      offset += n;
      if (this.filled === this.frameSize) {
        frames.push(this.pending);
        this.lastDelivered = this.pending;
        this.pending = undefined;
      }
    }
    return frames;
  }
}
