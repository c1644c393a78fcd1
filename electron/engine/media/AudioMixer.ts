/**
 * The program audio mix, once per clock tick: per-source gain and mute, master gain, hard clip to
 * s16, and peak/RMS meters per source and for the program. Keeps each source's weighted
 * contribution of the tick, so a mix-minus (program minus one guest) costs one subtraction.
 */
import type { LevelMeter } from '../../../shared/protocol.ts';
import { CHANNELS } from './AudioRing.ts';

export interface MixInput {
  id: string;
  samples: Int16Array;
  gainDb: number;
  muted: boolean;
}

export const dbToLinear = (db: number): number => 10 ** (db / 20);
const SILENCE_DB = -100;
const toDb = (v: number): number => (v <= 0 ? SILENCE_DB : Math.max(SILENCE_DB, 20 * Math.log10(v)));

class MeterAccumulator {
  peak = [0, 0];
  sumSquares = [0, 0];
  count = 0;

  add(samples: Float32Array | Int16Array, scale: number): void {
    for (let i = 0; i < samples.length; i += CHANNELS) {
      for (let ch = 0; ch < CHANNELS; ch++) {
        const v = Math.abs(samples[i + ch] * scale);
        if (v > this.peak[ch]) this.peak[ch] = v;
        this.sumSquares[ch] += v * v;
      }
      this.count++;
    }
  }

  take(): LevelMeter {
    const n = Math.max(1, this.count);
    const meter: LevelMeter = {
      peakDb: [toDb(this.peak[0]), toDb(this.peak[1])],
      rmsDb: [toDb(Math.sqrt(this.sumSquares[0] / n)), toDb(Math.sqrt(this.sumSquares[1] / n))],
    };
    this.peak = [0, 0];
    this.sumSquares = [0, 0];
    this.count = 0;
    return meter;
  }
}

export class AudioMixer {
  private readonly sum: Float32Array;
  private readonly contributions = new Map<string, Float32Array>();
  private readonly meters = new Map<string, MeterAccumulator>();
  private readonly programMeter = new MeterAccumulator();
  masterGainDb = 0;
  masterMuted = false;

  /** @param maxSamplesPerTick per channel; ticks may carry fewer (48000 / fps is not always whole) */
  constructor(readonly maxSamplesPerTick: number) {
    this.sum = new Float32Array(maxSamplesPerTick * CHANNELS);
  }

  /** Mixes one tick of every input into `out` (interleaved s16, samplesPerTick × 2). */
  mix(inputs: readonly MixInput[], out: Int16Array): void {
    const n = Math.min(out.length, this.sum.length);
    this.sum.fill(0);
    const live = new Set<string>();
    for (const input of inputs) {
      live.add(input.id);
      let contribution = this.contributions.get(input.id);
      if (!contribution) {
        contribution = new Float32Array(this.sum.length);
        this.contributions.set(input.id, contribution);
      }
      const gain = input.muted ? 0 : dbToLinear(input.gainDb);
      const s = input.samples;
      contribution.fill(0);
      for (let i = 0; i < n; i++) {
        const v = s[i] * gain;
        contribution[i] = v;
        this.sum[i] += v;
      }
      let meter = this.meters.get(input.id);
      if (!meter) {
        meter = new MeterAccumulator();
        this.meters.set(input.id, meter);
      }
      // Source meters show what the source sends after its fader (post-fader, like a console).
      meter.add(contribution.subarray(0, n), 1 / 32768);
    }
    for (const id of this.contributions.keys()) {
      if (!live.has(id)) {
        this.contributions.delete(id);
        this.meters.delete(id);
      }
    }
    const master = this.masterMuted ? 0 : dbToLinear(this.masterGainDb);
    for (let i = 0; i < out.length; i++) {
      const v = this.sum[i] * master;
      out[i] = v > 32767 ? 32767 : v < -32768 ? -32768 : v;
    }
    this.programMeter.add(out, 1 / 32768);
  }

  /** The program mix without one source (for that guest's return feed), into `out`. */
  mixMinus(id: string, out: Int16Array): void {
    const own = this.contributions.get(id);
    const master = this.masterMuted ? 0 : dbToLinear(this.masterGainDb);
    for (let i = 0; i < out.length; i++) {
      const v = (this.sum[i] - (own ? own[i] : 0)) * master;
      out[i] = v > 32767 ? 32767 : v < -32768 ? -32768 : v;
    }
  }

  /** Levels since the last call, and resets them. */
  takeMeters(): { program: LevelMeter; sources: Record<string, LevelMeter> } {
    const sources: Record<string, LevelMeter> = {};
    for (const [id, meter] of this.meters) sources[id] = meter.take();
    return { program: this.programMeter.take(), sources };
  }
}
