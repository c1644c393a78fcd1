/**
 * A source's audio between its decoder and the program clock: interleaved stereo s16 at 48 kHz in,
 * fixed-size blocks out once per tick. Absorbs decoder jitter with a small pre-buffer, pads silence
 * on underrun (a stalled source goes quiet instead of stalling the program), and trims the oldest
 * audio when a resumed source bursts far past its maximum, so its delay stays bounded.
 *
 * It can also play slightly faster or slower than it is fed (`read(out, ratio)`, 4-point Hermite
 * interpolation): that is how AudioClockRecovery follows a source whose sound card runs fast or
 * slow, by fractions of a percent, without the fill-then-trim steps a plain FIFO makes.
 */
export const SAMPLE_RATE = 48_000;
export const CHANNELS = 2;

/** The largest speed change `read` accepts: far beyond any real clock error (±0.1 % typical). */
export const MAX_RATIO_DEVIATION = 0.02;

export class AudioRing {
  private buffer: Int16Array;
  private readIndex = 0;
  private available = 0;
  private primed = false;
  private carry: Buffer | undefined;
  /** Fractional read position between frame `readIndex` and the next (resampled reads). */
  private phase = 0;
  /** The frame before `readIndex` (the interpolator's left neighbour), per channel. */
  private readonly previous = new Float64Array(CHANNELS);
  /** Silence still to play before the buffered audio (see delay). */
  private pendingSilence = 0;
  underruns = 0;
  trimmedSamples = 0;
  /** Frames (per-channel samples) pushed since the last clear(); the write end's position. */
  writtenFrames = 0;
  /** Frames played or dropped since the last clear(); the read end's position. */
  consumedFrames = 0;

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

  get bufferedFrames(): number {
    return this.available / CHANNELS;
  }

  get isPrimed(): boolean {
    return this.primed;
  }

  /** Adds s16le interleaved bytes (any chunking; an odd trailing byte is kept for the next call). */
  push(bytes: Buffer): void {
    if (this.carry) {
      bytes = Buffer.concat([this.carry, bytes]);
      this.carry = undefined;
    }
    // Whole frames only, so positions count frames and channels never swap.
    const usable = bytes.length - (bytes.length % (2 * CHANNELS));
    if (usable < bytes.length) this.carry = Buffer.from(bytes.subarray(usable));
    const samples = new Int16Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + usable));
    const cap = this.buffer.length;
    for (let i = 0; i < samples.length; i++) {
      if (this.available === cap) this.dropSamples(CHANNELS);
      this.buffer[(this.readIndex + this.available) % cap] = samples[i];
      this.available++;
    }
    this.writtenFrames += samples.length / CHANNELS;
    const max = Math.floor((SAMPLE_RATE * CHANNELS * this.maxMs) / 1000);
    if (this.available > max) {
      const drop = this.available - max;
      this.dropSamples(drop - (drop % CHANNELS));
    }
  }

  /** Plays `frames` frames of silence before the next buffered audio (delays the sound). */
  delay(frames: number): void {
    this.pendingSilence += Math.max(0, Math.floor(frames));
  }

  /** Drops the oldest `frames` frames (a hard resync: the caller knows the audio is too late). */
  skip(frames: number): void {
    this.dropSamples(Math.min(this.available, Math.max(0, Math.floor(frames)) * CHANNELS));
  }

  /**
   * Fills `out` (interleaved) with the next samples, zero where there are none. `ratio` > 1 plays
   * faster than real time (consumes ratio × out frames), < 1 slower.
   */
  read(out: Int16Array, ratio = 1): void {
    const prebuffer = Math.floor((SAMPLE_RATE * CHANNELS * this.prebufferMs) / 1000);
    if (!this.primed && this.available >= Math.min(prebuffer, this.buffer.length)) this.primed = true;
    if (!this.primed) {
      out.fill(0);
      return;
    }
    if (this.pendingSilence > 0) {
      const frames = Math.min(this.pendingSilence, out.length / CHANNELS);
      this.pendingSilence -= frames;
      out.fill(0, 0, frames * CHANNELS);
      if (frames * CHANNELS < out.length) this.read(out.subarray(frames * CHANNELS), ratio);
      return;
    }
    const r = Math.min(1 + MAX_RATIO_DEVIATION, Math.max(1 - MAX_RATIO_DEVIATION, ratio));
    if (r === 1 && this.phase === 0) this.readStraight(out);
    else this.readResampled(out, r);
  }

  clear(): void {
    this.available = 0;
    this.readIndex = 0;
    this.primed = false;
    this.carry = undefined;
    this.phase = 0;
    this.pendingSilence = 0;
    this.previous.fill(0);
    this.writtenFrames = 0;
    this.consumedFrames = 0;
  }

  private sample(frame: number, channel: number): number {
    return this.buffer[(this.readIndex + frame * CHANNELS + channel) % this.buffer.length];
  }

  private readStraight(out: Int16Array): void {
    const cap = this.buffer.length;
    const n = Math.min(out.length, this.available);
    for (let i = 0; i < n; i++) out[i] = this.buffer[(this.readIndex + i) % cap];
    if (n >= CHANNELS) for (let ch = 0; ch < CHANNELS; ch++) this.previous[ch] = out[n - CHANNELS + ch];
    this.advance(n);
    if (n < out.length) this.underrun(out, n);
  }

  private readResampled(out: Int16Array, ratio: number): void {
    const frames = out.length / CHANNELS;
    const availableFrames = this.available / CHANNELS;
    let f = 0;
    for (; f < frames; f++) {
      const pos = this.phase + f * ratio;
      const i = Math.floor(pos);
      // Needs frames i-1 … i+2; at the very end, the last frame stands in for what is not here yet.
      if (i + 1 >= availableFrames) break;
      const t = pos - i;
      for (let ch = 0; ch < CHANNELS; ch++) {
        const y0 = i === 0 ? this.previous[ch] : this.sample(i - 1, ch);
        const y1 = this.sample(i, ch);
        const y2 = this.sample(i + 1, ch);
        const y3 = i + 2 < availableFrames ? this.sample(i + 2, ch) : y2;
        const v = hermite(y0, y1, y2, y3, t);
        out[f * CHANNELS + ch] = v > 32767 ? 32767 : v < -32768 ? -32768 : Math.round(v);
      }
    }
    const end = this.phase + f * ratio;
    const whole = Math.min(Math.floor(end), availableFrames);
    this.phase = f === frames ? end - whole : 0;
    if (whole > 0) for (let ch = 0; ch < CHANNELS; ch++) this.previous[ch] = this.sample(whole - 1, ch);
    this.advance(whole * CHANNELS);
    if (f < frames) {
      this.advance(this.available); // what is left cannot be interpolated alone
      this.underrun(out, f * CHANNELS);
    }
  }

  private advance(samples: number): void {
    this.readIndex = (this.readIndex + samples) % this.buffer.length;
    this.available -= samples;
    this.consumedFrames += samples / CHANNELS;
  }

  private dropSamples(samples: number): void {
    this.advance(samples);
    this.trimmedSamples += samples;
    this.phase = 0;
  }

  private underrun(out: Int16Array, from: number): void {
    out.fill(0, from);
    this.underruns++;
    this.primed = false;
    this.phase = 0;
  }
}

/** 4-point, 3rd-order Hermite interpolation between y1 and y2 (t in [0, 1)). */
function hermite(y0: number, y1: number, y2: number, y3: number, t: number): number {
  const c1 = 0.5 * (y2 - y0);
  const c2 = y0 - 2.5 * y1 + 2 * y2 - 0.5 * y3;
  const c3 = 0.5 * (y3 - y0) + 1.5 * (y1 - y2);
  return ((c3 * t + c2) * t + c1) * t + y1;
}
