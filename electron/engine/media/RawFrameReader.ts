/**
 * Cuts a byte stream of raw frames (a decoder's stdout) into whole frames of a fixed size.
 * Pure: push chunks in, get frames out.
 */
export class RawFrameReader {
  private pending: Buffer | undefined;
  private filled = 0;

  constructor(readonly frameSize: number) {}

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
        this.pending = Buffer.allocUnsafe(this.frameSize);
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
