/**
 * A source's audio between its decoder and the program clock: interleaved stereo s16 at 48 kHz in,
 * fixed-size blocks out once per tick. Absorbs decoder jitter with a small pre-buffer, pads silence
 * on underrun (a stalled source goes quiet instead of stalling the program), and trims the oldest
 * audio when a resumed source bursts its backlog, so its delay stays bounded.
 */
export const SAMPLE_RATE = 48_000;
export const CHANNELS = 2;

export class AudioRing {
  private buffer: Int16Array;
  private readIndex = 0;
  private available = 0;
  private primed = false;
  private carry: Buffer | undefined;
  underruns = 0;
  trimmedSamples = 0;

  /**
   * @param prebufferMs audio held before playout starts (and after an underrun)
   * @param maxMs above this the oldest audio is dropped
   */
  constructor(
    readonly prebufferMs = 60,
    readonly maxMs = 200,
  ) {
    this.buffer = new Int16Array(Math.ceil((SAMPLE_RATE * CHANNELS * maxMs * 2) / 1000));
  }

  get bufferedMs(): number {
    return (this.available / CHANNELS / SAMPLE_RATE) * 1000;
  }

  /** Adds s16le interleaved bytes (any chunking; an odd trailing byte is kept for the next call). */
  push(bytes: Buffer): void {
    if (this.carry) {
      bytes = Buffer.concat([this.carry, bytes]);
      this.carry = undefined;
    }
    const usable = bytes.length - (bytes.length % 2);
    if (usable < bytes.length) this.carry = Buffer.from(bytes.subarray(usable));
    const samples = new Int16Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + usable));
    const cap = this.buffer.length;
    for (let i = 0; i < samples.length; i++) {
      if (this.available === cap) {
        this.readIndex = (this.readIndex + 1) % cap;
        this.available--;
        this.trimmedSamples++;
      }
      this.buffer[(this.readIndex + this.available) % cap] = samples[i];
      this.available++;
    }
    const max = Math.floor((SAMPLE_RATE * CHANNELS * this.maxMs) / 1000);
    if (this.available > max) {
      let drop = this.available - max;
      drop -= drop % CHANNELS;
      this.readIndex = (this.readIndex + drop) % cap;
      this.available -= drop;
      this.trimmedSamples += drop;
    }
  }

  /** Fills `out` (interleaved) with the next samples, zero where there are none. */
  read(out: Int16Array): void {
    const prebuffer = Math.floor((SAMPLE_RATE * CHANNELS * this.prebufferMs) / 1000);
    if (!this.primed && this.available >= Math.min(prebuffer, this.buffer.length)) this.primed = true;
    if (!this.primed) {
      out.fill(0);
      return;
    }
    const cap = this.buffer.length;
    const n = Math.min(out.length, this.available);
    for (let i = 0; i < n; i++) out[i] = this.buffer[(this.readIndex + i) % cap];
    this.readIndex = (this.readIndex + n) % cap;
    this.available -= n;
    if (n < out.length) {
      out.fill(0, n);
      this.underruns++;
      this.primed = false;
    }
  }

  clear(): void {
    this.available = 0;
    this.readIndex = 0;
    this.primed = false;
    this.carry = undefined;
  }
}
