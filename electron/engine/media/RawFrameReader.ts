/**
 * Cuts a byte stream of raw frames (a decoder's stdout pipe) into whole frames of a fixed size.
 * Pure: push chunks in, get frames out. Decoders use it where FrameChannel (frames read straight
 * into their buffers through a Unix socket) is not available: on Windows.
 *
 * Frames are assembled into two buffers used in turn, so a source at 1080p30 does not allocate
 * 90 MB/s for the garbage collector: a returned frame stays valid until the frame after next is
 * complete — the latest frame is always intact while the next one is being filled. A caller that
 * needs more than the newest frame of one push must copy the others.
 */
export class RawFrameReader {
  private pending: Buffer | undefined;
  private filled = 0;
  private readonly buffers: Buffer[] = [];
  private turn = 0;

  constructor(readonly frameSize: number) {}

  private nextBuffer(): Buffer {
    const index = this.turn++ % 2;
    this.buffers[index] ??= Buffer.allocUnsafe(this.frameSize);
    return this.buffers[index];
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
        this.pending = undefined;
      }
    }
    return frames;
  }
}
