/**
 * Lip sync of a file source across its loops: a 10 s flash-and-beep clip (a white frame and a
 * 1 kHz beep on the same instant every second, over a quiet 440 Hz bed) played looped and solo,
 * recorded for 35 s, then measured frame by frame in the recording. Every flash's beep must be
 * within EBU R37 (sound at most 40 ms early, 60 ms late), the offset must stay put from loop to
 * loop (spread ≤ ~1 frame), and the loop seams must have no gap or click in the bed tone. MP4/AAC
 * is the case `-stream_loop` got wrong (see LoopPlaylist); Matroska/PCM has no priming or padding.
 *
 * And clock recovery: a clip whose audio clock runs 0.5 % fast against its picture, played for
 * 150 s, keeps one offset (AudioClockRecovery resamples instead of letting the ring fill and trim).
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { makeFlashBeepClip, measureFlashBeep, offsetSummary, recordSolo } from '../helpers/avSync.ts';

const FPS = 30;
const FRAME_MS = 1000 / FPS;

describe('A/V sync of file sources', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cutline-avsync-'));

  it.each(['mp4', 'mkv'])('a looped flash-and-beep clip (%s) keeps one offset across every loop, within EBU R37, with seamless seams', async (container) => {
    const clip = join(dir, `flash-beep.${container}`);
    await makeFlashBeepClip(clip, { durationS: 10, fps: FPS, bedToneHz: 440 });
    const recording = await recordSolo(dir, clip, 35, true, FPS);
    const m = await measureFlashBeep(recording.file, { bedTone: true });
    const offsets = m.offsetsMs.map((o) => o.offsetMs);
    const s = offsetSummary(offsets);
    console.log(
      `looped ${container}: ${m.flashesS.length} flashes, ${m.beepsS.length} beeps; offsets ms ${offsets.map((o) => o.toFixed(0)).join(' ')}; ` +
        `min ${s.min.toFixed(1)} max ${s.max.toFixed(1)} spread ${s.spread.toFixed(1)}; longest silence ${m.longestSilenceMs} ms; clicks ${JSON.stringify(m.clicks.slice(0, 5))}`,
    );
    expect(m.flashesS.length).toBeGreaterThanOrEqual(32);
    expect(offsets.length).toBe(m.flashesS.length);
    expect(s.min).toBeGreaterThanOrEqual(-40);
    expect(s.max).toBeLessThanOrEqual(60);
    // A picture waits up to one tick for the clock, and which tick can flip when it arrives right
    // at one: the offset may move within one frame, never by loops' worth.
    expect(s.spread).toBeLessThanOrEqual(FRAME_MS + 10);
    expect(m.longestSilenceMs).toBeLessThanOrEqual(FRAME_MS);
    expect(m.clicks).toEqual([]);
    expect(recording.trimmedSamples).toBe(0);
    expect(recording.hardResyncs).toBe(0);
  }, 120_000);

  it('a source whose audio clock runs 0.5 % fast stays with its picture for minutes: no step, within ±1 frame', async () => {
    // 48 240 samples per second of picture, labelled 48 kHz, as from a sound card running fast.
    // A plain FIFO fills 5 ms a second, is trimmed at its 200 ms cap, and the offset saws.
    const clip = join(dir, 'fast-audio-clock.mkv');
    await makeFlashBeepClip(clip, { durationS: 160, fps: FPS, audioClockRate: 1.005 });
    const recording = await recordSolo(dir, clip, 150, false, FPS);
    const m = await measureFlashBeep(recording.file);
    const offsets = m.offsetsMs.map((o) => o.offsetMs);
    const s = offsetSummary(offsets);
    const first = offsetSummary(offsets.slice(0, 20)).median;
    const last = offsetSummary(offsets.slice(-20)).median;
    let largestStep = 0;
    for (let i = 1; i < offsets.length; i++) largestStep = Math.max(largestStep, Math.abs(offsets[i] - offsets[i - 1]));
    console.log(
      `audio clock +0.5 %: ${offsets.length} flashes over ${(m.flashesS.at(-1)! - m.flashesS[0]).toFixed(0)} s; offsets ms min ${s.min.toFixed(1)} max ${s.max.toFixed(1)} ` +
        `median first 20 ${first.toFixed(1)} last 20 ${last.toFixed(1)}; largest flash-to-flash change ${largestStep.toFixed(1)}; ` +
        `ratio ${recording.ratio.toFixed(5)}, trimmed ${recording.trimmedSamples}, hard resyncs ${recording.hardResyncs}, underruns ${recording.underruns}`,
    );
    expect(offsets.length).toBeGreaterThanOrEqual(140);
    expect(s.min).toBeGreaterThanOrEqual(-40);
    expect(s.max).toBeLessThanOrEqual(60);
    expect(Math.abs(last - first)).toBeLessThanOrEqual(FRAME_MS);
    expect(s.spread).toBeLessThanOrEqual(FRAME_MS + 10);
    expect(recording.trimmedSamples).toBe(0);
    expect(recording.hardResyncs).toBe(0);
    // The clock recovery found the sound card's rate.
    expect(recording.ratio).toBeGreaterThan(1.003);
    expect(recording.ratio).toBeLessThan(1.007);
  }, 300_000);
});
