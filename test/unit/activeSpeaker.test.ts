/** Active speaker with hysteresis, fed scripted level series the way the program feeds it (one reading per tick). */
import { describe, expect, it } from 'vitest';
import { ActiveSpeaker, rmsDbfs } from '../../electron/engine/program/ActiveSpeaker.ts';

const TICK_MS = 1000 / 30;
const LOUD = -20;
const QUIET = -90;

/** A script: at each tick, the level of each source. Runs it and returns the changes with their times. */
function run(speaker: ActiveSpeaker, seconds: number, levelAt: (tMs: number) => Record<string, number>): { atMs: number; speaker: string }[] {
  const changes: { atMs: number; speaker: string }[] = [];
  for (let i = 0; i * TICK_MS <= seconds * 1000; i++) {
    const t = i * TICK_MS;
    const next = speaker.observe(new Map(Object.entries(levelAt(t))), t);
    if (next) changes.push({ atMs: Math.round(t), speaker: next });
  }
  return changes;
}

const follow = { holdMs: 1500, ignoreMs: 300 };

describe('ActiveSpeaker', () => {
  it('follows speakers who take turns, each change within ignoreMs plus the release time', () => {
    const speaker = new ActiveSpeaker(follow, 'a');
    // a speaks 0–3 s, b 3–6 s, a 6–9 s.
    const changes = run(speaker, 9, (t) => (Math.floor(t / 3000) % 2 === 0 ? { a: LOUD, b: QUIET } : { a: QUIET, b: LOUD }));
    expect(changes.map((c) => c.speaker)).toEqual(['b', 'a']);
    expect(changes[0].atMs).toBeGreaterThanOrEqual(3300);
    expect(changes[0].atMs).toBeLessThan(3600);
    expect(changes[1].atMs).toBeGreaterThanOrEqual(6300);
    expect(changes[1].atMs).toBeLessThan(6600);
    expect(speaker.speaker).toBe('a');
  });

  it('ignores a 200 ms blip of someone else (and one of 280 ms), takes one of 600 ms', () => {
    for (const [blipMs, switches] of [[200, false], [280, false], [600, true]] as const) {
      const speaker = new ActiveSpeaker(follow, 'a');
      // a speaks; at 3 s a pauses and b says something short; then a goes on.
      const changes = run(speaker, 6, (t) => (t >= 3000 && t < 3000 + blipMs ? { a: QUIET, b: LOUD } : { a: LOUD, b: QUIET }));
      expect(changes.length > 0, `blip of ${blipMs} ms`).toBe(switches);
    }
  });

  it('holds a new speaker at least holdMs, even when the old one comes straight back', () => {
    const speaker = new ActiveSpeaker({ holdMs: 2000, ignoreMs: 300 }, 'a');
    // b from 1 s to 2 s, a again from 2 s on: a may come back only 2 s after b took over.
    const changes = run(speaker, 6, (t) => (t >= 1000 && t < 2000 ? { a: QUIET, b: LOUD } : { a: LOUD, b: QUIET }));
    expect(changes.map((c) => c.speaker)).toEqual(['b', 'a']);
    expect(changes[1].atMs - changes[0].atMs).toBeGreaterThanOrEqual(2000);
  });

  it('needs a margin: two people equally loud, or one just a little louder, change nothing', () => {
    const speaker = new ActiveSpeaker(follow, 'a');
    expect(run(speaker, 4, () => ({ a: -30, b: -30 }))).toEqual([]);
    expect(run(new ActiveSpeaker(follow, 'a'), 4, () => ({ a: -30, b: -26 }))).toEqual([]);
    expect(run(new ActiveSpeaker(follow, 'a'), 4, () => ({ a: -30, b: -20 })).map((c) => c.speaker)).toEqual(['b']);
  });

  it('silence keeps the last speaker; room noise below the floor is nobody', () => {
    const speaker = new ActiveSpeaker(follow, 'a');
    expect(run(speaker, 5, () => ({ a: -100, b: -60 }))).toEqual([]);
    expect(speaker.speaker).toBe('a');
  });

  it('short pauses between words do not end a turn (release), a long pause hands over', () => {
    const speaker = new ActiveSpeaker(follow, 'b');
    // a talks in 250 ms bursts with 100 ms pauses while b mutters at -35 dBFS.
    const words = (t: number) => (t % 350 < 250 ? LOUD : QUIET);
    const changes = run(speaker, 6, (t) => ({ a: words(t), b: -35 }));
    expect(changes.map((c) => c.speaker)).toEqual(['a']);
  });

  it('starts with nobody, then takes the first clear speaker without waiting for a hold', () => {
    const speaker = new ActiveSpeaker(follow);
    const changes = run(speaker, 2, (t) => (t > 500 ? { a: LOUD, b: QUIET } : { a: QUIET, b: QUIET }));
    expect(changes).toHaveLength(1);
    expect(changes[0].speaker).toBe('a');
    expect(changes[0].atMs).toBeLessThan(900);
  });

  it('a pick by hand holds for holdMs before the speaker takes it back', () => {
    const speaker = new ActiveSpeaker(follow, 'a');
    speaker.setSpeaker('b', 1000);
    const changes = run(speaker, 4, () => ({ a: LOUD, b: QUIET }));
    expect(changes).toEqual([{ atMs: 2500, speaker: 'a' }]);
  });

  it('rmsDbfs: a full-scale square is 0 dBFS, half is -6, silence -Infinity', () => {
    expect(rmsDbfs(new Int16Array([32767, -32768, 32767, -32768]))).toBeCloseTo(0, 2);
    expect(rmsDbfs(new Int16Array([16384, -16384]))).toBeCloseTo(-6.02, 1);
    expect(rmsDbfs(new Int16Array(8))).toBe(Number.NEGATIVE_INFINITY);
  });
});
