/**
 * Studio mode and A/V sync on a real recording: preview → program with a timed fade, then a cut;
 * audio and video stay in step by construction (timestamps from counts), measured here.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Engine } from '../../electron/engine/Engine.ts';
import { averageRgb, colorDistance, decodeAllFrames, FFPROBE, hexRgb } from '../helpers/media.ts';
import { sleep, waitUntil } from '../helpers/servers.ts';

const RED = '#d02020';
const GREEN = '#20b040';

describe('studio mode: preview, take with fade, cut', () => {
  let engine: Engine;
  let file = '';
  let fadeStartS = 0;
  let cutAtS = 0;
  const dir = mkdtempSync(join(tmpdir(), 'cutline-studio-'));

  beforeAll(async () => {
    engine = await Engine.create({
      log: () => {},
      show: {
        name: 'studio',
        output: { width: 320, height: 180, fps: 30, videoBitrateKbps: 600 },
        sources: [
          { id: 'red', kind: 'testPattern', color: RED, toneHz: 500 },
          { id: 'green', kind: 'testPattern', color: GREEN },
        ],
        layout: { preset: 'solo', sources: ['red'] },
        destinations: [{ id: 'rec', kind: 'recording', path: `${dir}/` }],
      },
    });
    await waitUntil(() => engine.getState().sources.every((s) => s.state === 'live'), 10_000, 'sources live');
    await engine.dispatch('destination.start', { id: 'rec' });
    await waitUntil(() => engine.getState().destinations[0].state === 'live', 10_000, 'recording');
    file = engine.getDestination('rec')!.filePath!;
    const t0 = Date.now();
    await sleep(2500);
    await engine.dispatch('preview.set', { preset: 'solo', sources: ['green'] });
    await sleep(500);
    fadeStartS = (Date.now() - t0) / 1000;
    await engine.dispatch('program.take', { kind: 'fade', durationMs: 2000 });
    await sleep(3500);
    await engine.dispatch('preview.set', { preset: 'solo', sources: ['red'] });
    cutAtS = (Date.now() - t0) / 1000;
    await engine.dispatch('program.take', { kind: 'cut' });
    await sleep(2000);
    await engine.close();
  }, 60_000);

  afterAll(() => engine?.close());

  /** Each frame's position between red (0) and green (1), or NaN for neither. */
  async function greenness(): Promise<number[]> {
    const frames = await decodeAllFrames(file, 32, 18);
    const red = hexRgb(RED);
    const green = hexRgb(GREEN);
    return frames.map((img) => {
      const c = averageRgb(img, 8, 5, 16, 8);
      const t = (c[1] - red[1]) / (green[1] - red[1]);
      const onLine = colorDistance(c, [red[0] + t * (green[0] - red[0]), red[1] + t * (green[1] - red[1]), red[2] + t * (green[2] - red[2])]);
      return onLine < 25 ? Math.max(0, Math.min(1, t)) : Number.NaN;
    });
  }

  it('program goes red → a 2 s fade (60 frames at 30 fps) → green → cut straight back to red', async () => {
    const all = await greenness();
    // The recording opens with the GOP in progress, which may predate the sources going live.
    const g = all.slice(all.findIndex((v) => v === 0));
    expect(g.every((v) => !Number.isNaN(v))).toBe(true);
    const firstNotRed = g.findIndex((v) => v > 0.05);
    const firstGreen = g.findIndex((v) => v > 0.95);
    expect(firstNotRed).toBeGreaterThan(30);
    // The fade lasts its 2 s (60 frames), rising steadily: from 5 % to 95 % is 90 % of it, 54 frames.
    expect(firstGreen - firstNotRed).toBeGreaterThanOrEqual(52);
    expect(firstGreen - firstNotRed).toBeLessThanOrEqual(56);
    for (let i = firstNotRed + 1; i < firstGreen; i++) expect(g[i]).toBeGreaterThanOrEqual(g[i - 1] - 0.03);
    // The cut: from green to red with no frame in between.
    const backToRed = g.findIndex((v, i) => i > firstGreen && v < 0.05);
    expect(backToRed).toBeGreaterThan(firstGreen + 30);
    expect(g[backToRed - 1]).toBeGreaterThan(0.95);
    expect(g.slice(backToRed).every((v) => v < 0.05)).toBe(true);
    expect(fadeStartS).toBeGreaterThan(0);
    expect(cutAtS).toBeGreaterThan(fadeStartS);
  });

  it('audio and video stay in sync: equal durations within one audio frame', async () => {
    const { stdout } = await promisify(execFile)(FFPROBE, ['-v', 'error', '-show_entries', 'packet=codec_type,pts_time,duration_time', '-of', 'csv=p=0', file], { maxBuffer: 32 << 20 });
    let videoEnd = 0;
    let audioEnd = 0;
    let audioStart = Number.POSITIVE_INFINITY;
    let videoStart = Number.POSITIVE_INFINITY;
    for (const line of stdout.trim().split('\n')) {
      const [type, pts, dur] = line.split(',');
      const start = Number(pts);
      const end = start + (Number(dur) || 0);
      if (type === 'video') {
        videoEnd = Math.max(videoEnd, end);
        videoStart = Math.min(videoStart, start);
      } else {
        audioEnd = Math.max(audioEnd, end);
        audioStart = Math.min(audioStart, start);
      }
    }
    // AAC frames are 1024 samples (21 ms): at the start the first audio frame may begin up to two
    // frames off the keyframe. At the end the recording waits for the audio to reach the last video
    // frame (Destination.letAudioCatchUp): within one AAC frame (measured ±8 ms; 30–47 ms of
    // picture without sound before it waited).
    expect(Math.abs(audioStart - videoStart)).toBeLessThan(0.045);
    expect(Math.abs(audioEnd - videoEnd)).toBeLessThan(0.025);
  });
});
