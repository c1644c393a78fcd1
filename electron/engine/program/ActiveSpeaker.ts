/**
 * Active speaker: decides, from the sources' audio levels over time, who is speaking, with
 * hysteresis so the picture does not flap. Pure (no timers, no I/O): the program feeds it one
 * level per source per tick and applies the answer; tests feed it scripted level series.
 *
 * The rules (docs/LAYOUTS.md "Active speaker"):
 * - a source's level is its RMS in dBFS with a meter-like release (it falls at most
 *   RELEASE_DB_PER_S), so the gaps between words do not count as silence;
 * - a source is the clear speaker when it is above SPEAKING_FLOOR_DB and MARGIN_DB louder than
 *   every other candidate;
 * - someone else takes over only after being the clear speaker for `ignoreMs` without a break
 *   (a shorter blip is ignored), and never sooner than `holdMs` after the last change;
 * - silence, or two people talking equally loud, changes nothing.
 */
import type { FollowSpec } from '../../../shared/show.ts';

/** Quieter than this is nobody speaking (room noise, a muted-ish mic). */
export const SPEAKING_FLOOR_DB = -50;
/** How much louder than everyone else the speaker must be. */
export const MARGIN_DB = 6;
/** How fast a level falls when the sound stops (an audio meter's release). */
export const RELEASE_DB_PER_S = 60;
/** The floor of a level: digital silence is this, not -Infinity. */
const SILENCE_DB = -100;

export class ActiveSpeaker {
  private readonly smoothed = new Map<string, number>();
  private lastAt: number | undefined;
  private current: string | undefined;
  private changedAt = Number.NEGATIVE_INFINITY;
  private candidate: { id: string; since: number } | undefined;

  constructor(
    readonly follow: Pick<FollowSpec, 'holdMs' | 'ignoreMs'>,
    initial?: string,
  ) {
    this.current = initial;
  }

  get speaker(): string | undefined {
    return this.current;
  }

  /**
   * Someone (the producer) put `id` in the main place by hand: it counts as a change, so it holds
   * for `holdMs` before the speaker may take it back.
   */
  setSpeaker(id: string | undefined, nowMs: number): void {
    if (id === this.current) return;
    this.current = id;
    this.changedAt = nowMs;
    this.candidate = undefined;
  }

  /**
   * This moment's levels (dBFS RMS) of the candidates; answers the new speaker when it changes,
   * undefined otherwise. A source missing from `levels` is silent.
   */
  observe(levels: ReadonlyMap<string, number>, nowMs: number): string | undefined {
    const dt = this.lastAt === undefined ? 0 : Math.max(0, nowMs - this.lastAt) / 1000;
    this.lastAt = nowMs;
    for (const id of [...this.smoothed.keys()]) if (!levels.has(id)) this.smoothed.delete(id);
    for (const [id, raw] of levels) {
      const level = Number.isFinite(raw) ? Math.max(SILENCE_DB, raw) : SILENCE_DB;
      const previous = this.smoothed.get(id);
      this.smoothed.set(id, previous === undefined ? level : Math.max(level, previous - RELEASE_DB_PER_S * dt));
    }

    const clear = this.clearSpeaker();
    if (!clear || clear === this.current) {
      this.candidate = undefined;
      return undefined;
    }
    if (this.candidate?.id !== clear) this.candidate = { id: clear, since: nowMs };
    if (nowMs - this.candidate.since < this.follow.ignoreMs) return undefined;
    if (nowMs - this.changedAt < this.follow.holdMs) return undefined;
    this.setSpeaker(clear, nowMs);
    return clear;
  }

  /** The source MARGIN_DB louder than every other and above the floor, if there is one. */
  private clearSpeaker(): string | undefined {
    let loudest: string | undefined;
    let top = Number.NEGATIVE_INFINITY;
    let second = Number.NEGATIVE_INFINITY;
    for (const [id, level] of this.smoothed) {
      if (level > top) {
        second = top;
        top = level;
        loudest = id;
      } else if (level > second) second = level;
    }
    if (loudest === undefined || top < SPEAKING_FLOOR_DB || top - second < MARGIN_DB) return undefined;
    return loudest;
  }
}

/** RMS of interleaved s16 samples in dBFS (-Infinity for digital silence). */
export function rmsDbfs(samples: Int16Array): number {
  if (samples.length === 0) return Number.NEGATIVE_INFINITY;
  let sum = 0;
  for (let i = 0; i < samples.length; i++) sum += samples[i] * samples[i];
  const rms = Math.sqrt(sum / samples.length) / 32768;
  return rms > 0 ? 20 * Math.log10(rms) : Number.NEGATIVE_INFINITY;
}
