/**
 * Keeps a source's sound locked to its picture, however its audio clock runs. Every tick it looks
 * at how much of the source's audio is waiting behind the picture being shown (`lead`: frames the
 * ring had received when that picture arrived, minus frames already played) and plays the ring a
 * little faster or slower to hold that lead at its target — a PI loop on a smoothed error, at most
 * ±1 % (17 cents; real sound cards are within ±0.1 %). A FIFO fed 0.5 % fast instead fills for
 * 30 s, is trimmed, and fills again: the offset saws and every trim clicks.
 *
 * Why the lead is taken at the picture's arrival rather than now: decoders deliver audio and
 * video of the same instant together, so the audio that came with the picture on screen is the
 * audio that belongs to it. Delivery jitter (a 1024-sample AAC frame, a picture waiting up to one
 * tick) is noise the 1 s smoothing removes; a jump far beyond what resampling can absorb (a source
 * that bursts its backlog after a stall) is cut at once.
 *
 * Pure: no timers, no I/O; the tick period comes in with every call.
 */
import { SAMPLE_RATE } from './AudioRing.ts';

export interface ClockRecoveryOptions {
  /** The lead to hold, in ms: enough audio that the next tick's block is always there. */
  targetMs: number;
  /** Largest speed change, as a fraction (0.01 = 1 %). */
  maxDeviation?: number;
  /** Smoothing of the measured error, s. */
  smoothingS?: number;
  /** How fast a (smoothed) error is worked off by the proportional term, s. */
  correctionS?: number;
  /** Integral time: removes the steady error a constant clock offset would leave, s. */
  integralS?: number;
  /** A smoothed error above this (ms) is dropped at once rather than resampled away. */
  hardResyncMs?: number;
  /**
   * For this long after a (re)start, a smoothed error beyond `settleToleranceMs` is aligned at
   * once: a source's first seconds find how many frames wait for their tick (0–2), each worth a
   * frame of offset that 1 % resampling would take 3 s to work off.
   */
  settleS?: number;
  settleToleranceMs?: number;
  /**
   * While settling, the error is the plain mean of the leads measured over this long since the
   * last alignment (s). Not the 1 s smoothing: started from zero after each alignment, it crossed
   * the tolerance long before it reached the real error, so a source 100 ms off was aligned in
   * 15 ms bites several times a second — a guest's voice chopped for its first seconds (#10).
   */
  settleWindowS?: number;
}

export interface ClockStep {
  /** Playout speed for this tick (1 = as fed). */
  ratio: number;
  /** Frames to drop before reading (a hard resync), usually 0. */
  dropFrames: number;
  /** Frames of silence to play before the ring's audio (aligning a source that just started). */
  silenceFrames: number;
}

export class AudioClockRecovery {
  readonly targetFrames: number;
  private readonly maxDeviation: number;
  private readonly smoothingS: number;
  private readonly correctionS: number;
  private readonly integralS: number;
  private readonly hardResyncFrames: number;
  private readonly settleS: number;
  private readonly settleToleranceFrames: number;
  private readonly settleWindowS: number;
  private sinceResetS = 0;
  /** Leads measured since the last alignment while settling: their sum and time span. */
  private settleSum = 0;
  private settleCount = 0;
  private settleSpanS = 0;
  private smoothedError = 0;
  private integral = 0;
  private started = false;
  /** For stats and tests: the last ratio used and how many hard resyncs happened. */
  ratio = 1;
  hardResyncs = 0;

  constructor(options: ClockRecoveryOptions) {
    this.targetFrames = (options.targetMs * SAMPLE_RATE) / 1000;
    this.maxDeviation = options.maxDeviation ?? 0.01;
    this.smoothingS = options.smoothingS ?? 1;
    this.correctionS = options.correctionS ?? 2;
    this.integralS = options.integralS ?? 20;
    this.hardResyncFrames = ((options.hardResyncMs ?? 150) * SAMPLE_RATE) / 1000;
    this.settleS = options.settleS ?? 5;
    this.settleToleranceFrames = ((options.settleToleranceMs ?? 15) * SAMPLE_RATE) / 1000;
    this.settleWindowS = options.settleWindowS ?? 0.25;
  }

  /** Forget the history (a new decoder, a cleared ring). */
  reset(): void {
    this.smoothedError = 0;
    this.integral = 0;
    this.started = false;
    this.ratio = 1;
    this.sinceResetS = 0;
    this.restartSettleWindow();
  }

  private restartSettleWindow(): void {
    this.settleSum = 0;
    this.settleCount = 0;
    this.settleSpanS = 0;
  }

  /** The smoothed lead error in ms (positive: audio waiting too long, i.e. late). */
  get errorMs(): number {
    return (this.smoothedError * 1000) / SAMPLE_RATE;
  }

  /**
   * @param leadFrames audio frames waiting behind the picture on screen (see the header)
   * @param periodS the tick period
   */
  step(leadFrames: number, periodS: number): ClockStep {
    const error = leadFrames - this.targetFrames;
    if (!this.started) {
      // A source that just (re)started: nothing has been heard yet, so align it at once.
      this.started = true;
      this.smoothedError = 0;
      const frames = Math.round(Math.abs(error));
      return { ratio: 1, dropFrames: error > 0 ? frames : 0, silenceFrames: error < 0 ? frames : 0 };
    }
    this.smoothedError += (error - this.smoothedError) * Math.min(1, periodS / this.smoothingS);
    this.sinceResetS += periodS;
    if (this.sinceResetS < this.settleS) {
      this.settleSum += error;
      this.settleCount++;
      this.settleSpanS += periodS;
      const meanError = this.settleSum / this.settleCount;
      if (this.settleSpanS >= this.settleWindowS) {
        this.restartSettleWindow();
        if (Math.abs(meanError) > this.settleToleranceFrames) {
          // Still settling: align at once, by the whole error (the source has only just been heard).
          const frames = Math.round(Math.abs(meanError));
          const late = meanError > 0;
          this.smoothedError = 0;
          this.integral = 0;
          this.ratio = 1;
          return { ratio: 1, dropFrames: late ? frames : 0, silenceFrames: late ? 0 : frames };
        }
        // Within tolerance: the smoothing goes on from what was measured, not from zero.
        this.smoothedError = meanError;
      }
    }
    if (this.smoothedError > this.hardResyncFrames && error > this.hardResyncFrames) {
      // Far too much audio (a burst after a stall): resampling would take minutes; cut it.
      this.hardResyncs++;
      this.smoothedError = 0;
      this.integral = 0;
      this.ratio = 1;
      return { ratio: 1, dropFrames: Math.floor(error), silenceFrames: 0 };
    }
    const limit = this.maxDeviation * SAMPLE_RATE * this.correctionS;
    this.integral = clamp(this.integral + (this.smoothedError * periodS) / this.integralS, -limit, limit);
    const correction = (this.smoothedError + this.integral) / (SAMPLE_RATE * this.correctionS);
    this.ratio = 1 + clamp(correction, -this.maxDeviation, this.maxDeviation);
    return { ratio: this.ratio, dropFrames: 0, silenceFrames: 0 };
  }
}

function clamp(v: number, lo: number, hi: number): number {
  return Math.min(hi, Math.max(lo, v));
}
