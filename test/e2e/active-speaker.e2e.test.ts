/**
 * Active speaker and the venue-wall highlight, seen in the program's pixels (a real recording,
 * decoded by ffmpeg). Two looping files whose tones take turns — and whose picture is bright while
 * their tone sounds, dim while silent, so every decoded frame says who was speaking — on a 640×360
 * wall that follows the speaker: the highlight (the big tile with the amber frame) must go to the
 * new speaker within 2 s of each turn and must not go to someone who only blips for 200 ms. The same
 * on a solo layout (the vertical cut's): the source on screen is the one speaking. Then, with
 * follow off, one `layout.highlight` command moves the (now green) frame to the other source.
 */
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Engine } from '../../electron/engine/Engine.ts';
import { averageRgb, colorDistance, hexRgb, type RgbImage, SYSTEM_FFMPEG } from '../helpers/media.ts';
import { sleep, waitUntil } from '../helpers/servers.ts';

const CYCLE_S = 8;
/** a speaks 0–3.5 s and blips 5.5–5.7 s; b speaks the rest. A 200 ms blip, 1.8 s into b's turn (past holdMs). */
const A_ON = 'lt(mod(t,8),3.5)+gte(mod(t,8),5.5)*lt(mod(t,8),5.7)';
const SOURCES = {
  a: { bright: '#e03030', dim: '#701818', toneHz: 500, on: A_ON },
  b: { bright: '#3070e0', dim: '#183870', toneHz: 1200, on: `not(${A_ON})` },
} as const;
type Who = keyof typeof SOURCES;
const FOLLOW_FRAME = '#ffc800';
const MANUAL_FRAME = '#20e020';
const DECODE = { width: 320, height: 180, fps: 15 };

/** A looping clip: bright picture + tone while `on`, dim picture + silence otherwise. */
function turnTakingClip(dir: string, who: Who): string {
  const s = SOURCES[who];
  const file = join(dir, `${who}.mp4`);
  const colour = (hex: string) => `color=c=0x${hex.slice(1)}:s=320x180:r=30:d=${CYCLE_S}`;
  execFileSync(SYSTEM_FFMPEG, [
    '-v', 'error', '-y',
    '-f', 'lavfi', '-i', colour(s.bright),
    '-f', 'lavfi', '-i', colour(s.dim),
    '-f', 'lavfi', '-i', `sine=f=${s.toneHz}:r=48000:d=${CYCLE_S}`,
    '-filter_complex', `[0:v][1:v]overlay=enable='not(${s.on})'[v];[2:a]volume=0:enable='not(${s.on})'[a]`,
    '-map', '[v]', '-map', '[a]',
    '-c:v', 'libx264', '-preset', 'ultrafast', '-g', '15', '-pix_fmt', 'yuv420p', '-c:a', 'aac', '-b:a', '96k',
    file,
  ]);
  return file;
}

function decodeFrames(file: string): Promise<RgbImage[]> {
  const { width, height, fps } = DECODE;
  return new Promise((resolve, reject) => {
    const p = spawn(SYSTEM_FFMPEG, ['-v', 'error', '-i', file, '-vf', `fps=${fps},scale=${width}:${height}`, '-f', 'rawvideo', '-pix_fmt', 'rgb24', 'pipe:1']);
    const chunks: Buffer[] = [];
    p.stdout.on('data', (c: Buffer) => chunks.push(c));
    p.on('error', reject);
    p.on('close', () => {
      const all = Buffer.concat(chunks);
      const size = width * height * 3;
      const frames: RgbImage[] = [];
      for (let off = 0; off + size <= all.length; off += size) frames.push({ width, height, data: all.subarray(off, off + size) });
      resolve(frames);
    });
  });
}

/**
 * What one decoded frame shows. The 640×360 wall of two: the highlighted source on the left
 * (384×360 cell, its 16:9 picture letterboxed), the other on the right (256×360); the frame runs
 * along the highlighted cell's edges, so its top edge lies on the black bars.
 */
interface Seen {
  left?: Who;
  right?: Who;
  on: Partial<Record<Who, boolean>>;
  frame: 'follow' | 'manual' | 'none' | 'other';
  frameOnRight: boolean;
  /** One source over the whole canvas (solo, crop-to-fill), and whether it was speaking. */
  solo?: { who: Who; on: boolean };
}

function tileOf(rgb: readonly number[]): { who?: Who; on?: boolean } {
  for (const who of ['a', 'b'] as const) {
    if (colorDistance(rgb, hexRgb(SOURCES[who].bright)) < 50) return { who, on: true };
    if (colorDistance(rgb, hexRgb(SOURCES[who].dim)) < 50) return { who, on: false };
  }
  return {};
}

function frameOf(rgb: readonly number[]): Seen['frame'] {
  if (colorDistance(rgb, hexRgb(FOLLOW_FRAME)) < 60) return 'follow';
  if (colorDistance(rgb, hexRgb(MANUAL_FRAME)) < 60) return 'manual';
  return colorDistance(rgb, [16, 16, 16]) < 40 ? 'none' : 'other';
}

function see(img: RgbImage): Seen {
  const left = tileOf(averageRgb(img, 76, 75, 40, 30));
  const right = tileOf(averageRgb(img, 236, 80, 40, 20));
  const on: Seen['on'] = {};
  if (left.who) on[left.who] = left.on;
  if (right.who) on[right.who] = right.on;
  const rightTop = frameOf(averageRgb(img, 200, 1, 110, 1));
  const top = tileOf(averageRgb(img, 10, 1, 300, 1));
  const solo = top.who && top.who === left.who && top.who === right.who && top.on === left.on ? { who: top.who, on: !!top.on } : undefined;
  return {
    solo, left: left.who, right: right.who, on, frame: frameOf(averageRgb(img, 10, 1, 172, 1)), frameOnRight: rightTop === 'follow' || rightTop === 'manual' };
}

describe('active speaker and the wall highlight, in program pixels', () => {
  let engine: Engine;
  let frames: Seen[] = [];
  let refusals: string[] = [];
  const dir = mkdtempSync(join(tmpdir(), 'cutline-speaker-'));

  beforeAll(async () => {
    const a = turnTakingClip(dir, 'a');
    const b = turnTakingClip(dir, 'b');
    engine = await Engine.create({
      log: () => {},
      mediaDirs: [dir],
      show: {
        name: 'active speaker',
        output: { width: 640, height: 360, fps: 30, videoBitrateKbps: 1500, keyframeIntervalS: 1 },
        sources: [
          { id: 'a', kind: 'file', path: a, loop: true },
          { id: 'b', kind: 'file', path: b, loop: true },
        ],
        layout: { preset: 'wall', sources: ['a', 'b'], highlight: 'a', follow: { mode: 'speaker' } },
        destinations: [{ id: 'rec', kind: 'recording', path: `${dir}/` }],
      },
    });
    await waitUntil(() => engine.getState().sources.every((s) => s.state === 'live'), 10_000, 'sources live');
    await engine.dispatch('destination.start', { id: 'rec' });
    await waitUntil(() => engine.getState().destinations[0].state === 'live', 10_000, 'recording');
    const file = engine.getDestination('rec')!.filePath!;
    // A turn cycle and more with the wall following the speaker, then one with a solo following.
    await sleep(10_000);
    await engine.dispatch('layout.set', { preset: 'solo', sources: ['a', 'b'], fit: 'fill', follow: { mode: 'speaker' } });
    await sleep(9_000);
    // Follow off, a green frame, a on the highlight; then one command moves it to b.
    await engine.dispatch('layout.set', { preset: 'wall', sources: ['a', 'b'], highlight: 'a', highlightColor: MANUAL_FRAME });
    await sleep(1500);
    const moved = await engine.dispatch('layout.highlight', { source: 'b' });
    expect(moved).toMatchObject({ layout: { highlight: 'b', highlightColor: MANUAL_FRAME } });
    await sleep(1500);
    // Bad input is refused with a reason, and changes nothing on program (the frames above end on b).
    const refusal = (command: string, params: unknown) =>
      engine.dispatch(command, params).then(
        () => 'accepted',
        (e: Error) => e.message,
      );
    refusals = [
      await refusal('layout.highlight', { source: 'ghost' }),
      await refusal('layout.set', { preset: 'wall', sources: ['a', 'b'], highlight: 'ghost' }),
      await refusal('layout.set', { preset: 'wall', sources: ['a', 'b'], follow: { mode: 'speaker', sources: ['ghost'] } }),
      await refusal('layout.set', { preset: 'solo', sources: ['a', 'b'], follow: { mode: 'speaker', holdMs: 200 } }),
    ];
    await sleep(300);
    await engine.close();
    frames = (await decodeFrames(file)).map(see);
  }, 55_000);

  afterAll(() => engine?.close());

  it('refuses a highlight or follow naming an unknown source, and a hold under 1.5 s, saying why', () => {
    expect(refusals[0]).toMatch(/no source with id "ghost"/);
    expect(refusals[1]).toMatch(/no source with id "ghost"/);
    expect(refusals[2]).toMatch(/no source with id "ghost"/);
    expect(refusals[3]).toMatch(/follow\.holdMs/);
  });

  it('the highlight follows each turn within 2 s and ignores the 200 ms blips', () => {
    const followed = frames.filter((f) => f.frame === 'follow' && f.left && f.right);
    expect(followed.length).toBeGreaterThan(9 * DECODE.fps);
    // Never two frames, never a frame on the small tile.
    expect(followed.every((f) => !f.frameOnRight && f.left !== f.right)).toBe(true);

    // Who speaks in each frame (exactly one tone on), and runs of the same speaker.
    const talker = followed.map((f) => (f.on.a && !f.on.b ? 'a' : f.on.b && !f.on.a ? 'b' : undefined));
    const runs: { who: Who | undefined; start: number; end: number }[] = [];
    talker.forEach((who, i) => {
      const last = runs.at(-1);
      if (last && last.who === who) last.end = i + 1;
      else runs.push({ who, start: i, end: i + 1 });
    });
    const seconds = (frames: number) => frames / DECODE.fps;
    const turns = runs.filter((r) => r.who && seconds(r.end - r.start) >= 1.5);
    const blips = runs.filter((r, i) => r.who && seconds(r.end - r.start) <= 0.4 && i > 0 && i < runs.length - 1);
    const delays: number[] = [];
    for (const turn of turns) {
      if (followed[turn.start].left === turn.who) continue; // already highlighted (the first turn)
      const at = followed.findIndex((f, i) => i >= turn.start && f.left === turn.who);
      expect(at, `highlight reached ${turn.who} during its turn`).toBeGreaterThanOrEqual(0);
      delays.push(seconds(at - turn.start));
    }
    console.log(`turns ${turns.length}, blips ${blips.length}, highlight delays after each turn (s): ${delays.map((d) => d.toFixed(2)).join(', ')}`);
    expect(delays.length).toBeGreaterThanOrEqual(2);
    for (const d of delays) expect(d).toBeLessThanOrEqual(2);
    expect(blips.length).toBeGreaterThanOrEqual(1);
    for (const blip of blips) {
      // During the blip and for a second after it, the highlight stays on whoever had the turn.
      const window = followed.slice(blip.start, Math.min(followed.length, blip.end + DECODE.fps));
      expect(window.some((f) => f.left === blip.who), `flapped to ${blip.who} on a ${seconds(blip.end - blip.start)} s blip`).toBe(false);
    }
    // And no change that is not a turn: one change per new speaker at most (a turn split by a blip is one turn).
    const handovers = turns.filter((t, i) => i > 0 && t.who !== turns[i - 1].who).length;
    const changes = followed.filter((f, i) => i > 0 && f.left !== followed[i - 1].left).length;
    expect(changes).toBeLessThanOrEqual(handovers + 1);
  });

  it('a solo layout shows whoever speaks: never a silent source for 2 s, never a blip', () => {
    const solo = frames.filter((f) => f.solo).map((f) => f.solo!);
    expect(solo.length).toBeGreaterThan(8 * DECODE.fps);
    const runs: { who: Who; frames: number; speaking: number }[] = [];
    let silentFor = 0;
    let longestSilent = 0;
    for (const f of solo) {
      const last = runs.at(-1);
      if (last?.who === f.who) last.frames++;
      else runs.push({ who: f.who, frames: 1, speaking: 0 });
      if (f.on) runs.at(-1)!.speaking++;
      silentFor = f.on ? 0 : silentFor + 1;
      longestSilent = Math.max(longestSilent, silentFor);
    }
    console.log(`solo: ${runs.map((r) => `${r.who} ${(r.frames / DECODE.fps).toFixed(1)} s`).join(', ')}; longest on screen while silent ${(longestSilent / DECODE.fps).toFixed(2)} s`);
    expect(new Set(runs.map((r) => r.who)).size).toBe(2);
    // Following: the source on screen is silent at most ~2 s (a turn's start until the switch).
    expect(longestSilent / DECODE.fps).toBeLessThanOrEqual(2);
    // Not flapping: every run between the first and the last (cut by the phases around it) has a
    // second of speech at least; one taken on a 200 ms blip would be held 1.5 s with 0.2 s of sound.
    expect(runs.length).toBeGreaterThanOrEqual(3);
    for (const run of runs.slice(1, -1)) expect(run.speaking / DECODE.fps, `${run.who} shown ${run.frames / DECODE.fps} s`).toBeGreaterThanOrEqual(1);
  });

  it('layout.highlight moves the frame to the other source in one command, and it stays there with follow off', () => {
    const manual = frames.filter((f) => f.frame === 'manual' && f.left && f.right);
    expect(manual.length).toBeGreaterThan(2 * DECODE.fps);
    const order = manual.map((f) => f.left).filter((who, i, all) => i === 0 || who !== all[i - 1]);
    expect(order).toEqual(['a', 'b']);
    const last = manual.slice(-DECODE.fps);
    expect(last.every((f) => f.left === 'b' && f.right === 'a' && !f.frameOnRight)).toBe(true);
  });
});
