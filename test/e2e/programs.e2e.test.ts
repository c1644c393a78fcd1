/**
 * Several programs from the same sources (#13), end to end on a real nginx-rtmp: `main` (a
 * 1280×720 grid of four colours) and `vertical` (720×1280, one source solo) pushing to two RTMP
 * streams, and an ISO recording of one source. Proves, from what ffprobe and decoded pixels say:
 * each stream has its own size and picture; `layout.set` on `vertical` changes only `vertical`;
 * the ISO recording holds only its source's colour and tone; a source is decoded once per size
 * whatever number of programs draw it at that size; and the bad inputs of the issue get
 * clear errors while the show stays on air. One engine, small fps and bitrates, ~30 s.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Engine } from '../../electron/engine/Engine.ts';
import { MemorySecretStore } from '../../electron/engine/secrets/SecretStore.ts';
import type { ProtocolError } from '../../shared/protocol.ts';
import {
  averageRgb,
  colorDistance,
  decodeAllFrames,
  decodeAudio,
  hexRgb,
  probeDuration,
  probeStreams,
  pullRtmp,
  type RgbImage,
  toneLevelsDb,
} from '../helpers/media.ts';
import { type NginxRtmp, nginxRtmpAvailable, startNginxRtmp } from '../helpers/nginx.ts';
import { sleep, waitUntil } from '../helpers/servers.ts';

const COLORS = { red: '#d02020', green: '#20b040', blue: '#2040d0', yellow: '#e0d020' } as const;
const TONES = { red: 500, green: 700, blue: 900, yellow: 1300 } as const;
const SMALL = { fps: 15, videoBitrateKbps: 500, audioBitrateKbps: 64, keyframeIntervalS: 1, x264Preset: 'ultrafast' } as const;

/** Error code and message of a command that must fail. */
async function refusal(run: Promise<unknown>): Promise<{ code: string; message: string }> {
  try {
    await run;
  } catch (error) {
    return { code: (error as ProtocolError).code, message: (error as Error).message };
  }
  throw new Error('the command was expected to fail');
}

/** The colour in the middle of a rectangle given in fractions of the picture (its inner half). */
function colourAt(img: RgbImage, fx: number, fy: number, fw: number, fh: number): [number, number, number] {
  const x = Math.round((fx + fw / 4) * img.width);
  const y = Math.round((fy + fh / 4) * img.height);
  return averageRgb(img, x, y, Math.max(1, Math.round((fw / 2) * img.width)), Math.max(1, Math.round((fh / 2) * img.height)));
}

const near = (rgb: readonly number[], hex: string) => colorDistance(rgb, hexRgb(hex)) < 60;

describe.skipIf(!nginxRtmpAvailable)('programs: main and vertical from the same sources, an ISO recording', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cutline-programs-'));
  const files = { main: join(dir, 'main.flv'), vertical: join(dir, 'vertical.flv') };
  let nginx: NginxRtmp;
  let engine: Engine;
  let isoFile = '';
  let mainFrames: RgbImage[] = [];
  let verticalFrames: RgbImage[] = [];
  const refusals: Record<string, { code: string; message: string }> = {};
  const decoders: Record<string, number> = {};
  let programsInState: { id: string; destinations: string[]; width: number; height: number }[] = [];

  beforeAll(async () => {
    nginx = await startNginxRtmp();
    engine = await Engine.create({
      log: () => {},
      secrets: new MemorySecretStore(),
      show: {
        version: 2,
        name: 'programs',
        sources: (Object.keys(COLORS) as (keyof typeof COLORS)[]).map((id) => ({ id, kind: 'testPattern', color: COLORS[id], toneHz: TONES[id] })),
        programs: [
          { id: 'main', output: { width: 1280, height: 720, ...SMALL }, layout: { preset: 'grid', sources: ['red', 'green', 'blue', 'yellow'] } },
          { id: 'vertical', name: 'Vertical 9:16', output: { width: 720, height: 1280, ...SMALL }, layout: { preset: 'solo', sources: ['green'], fit: 'fill' } },
        ],
        destinations: [
          { id: 'youtube', kind: 'rtmp', url: nginx.url, streamKey: 'main' },
          { id: 'shorts', kind: 'rtmp', url: nginx.url, streamKey: 'vertical', program: 'vertical' },
          { id: 'iso-blue', kind: 'recording', path: `${dir}/`, source: 'blue' },
        ],
      },
    });
    await waitUntil(() => engine.getState().sources.every((s) => s.state === 'live'), 15_000, 'sources live');
    await engine.dispatch('destination.startAll', {});
    await waitUntil(() => engine.getState().destinations.every((d) => d.state === 'live'), 15_000, 'destinations live');
    isoFile = engine.getDestination('iso-blue')?.filePath ?? '';
    const pulls = [pullRtmp(`${nginx.url}/main`, files.main), pullRtmp(`${nginx.url}/vertical`, files.vertical)];
    await sleep(3500);
    await engine.dispatch('layout.set', { programId: 'vertical', preset: 'solo', sources: ['red'], fit: 'fill' });
    await sleep(3000);

    // The bad inputs, while all of it is on air.
    refusals.unknownProgram = await refusal(engine.dispatch('destination.add', { id: 'x1', kind: 'rtmp', url: nginx.url, program: 'square' }));
    refusals.unknownSource = await refusal(engine.dispatch('destination.add', { id: 'x2', kind: 'recording', path: `${dir}/`, source: 'ghost' }));
    refusals.both = await refusal(engine.dispatch('destination.add', { id: 'x3', kind: 'recording', path: `${dir}/`, source: 'red', program: 'main' }));
    refusals.removeCarried = await refusal(engine.dispatch('program.remove', { id: 'vertical' }));
    refusals.removeMain = await refusal(engine.dispatch('program.remove', { id: 'main' }));
    refusals.tooWide = await refusal(engine.dispatch('program.add', { id: 'wide', output: { width: 4098, height: 720, fps: 15 } }));
    refusals.odd = await refusal(engine.dispatch('program.add', { id: 'odd', output: { width: 721, height: 406, fps: 15 } }));
    refusals.otherFps = await refusal(engine.dispatch('program.add', { id: 'fast', output: { width: 320, height: 180, fps: 30 } }));
    refusals.notScoped = await refusal(engine.dispatch('source.update', { id: 'red', label: 'Red', programId: 'vertical' } as never));
    refusals.layoutUnknownProgram = await refusal(engine.dispatch('layout.set', { programId: 'square', preset: 'solo', sources: ['red'] }));
    // Up to four programs: two tiny ones fill the show, a fifth is refused, then they go again.
    await engine.dispatch('program.add', { id: 'p3', output: { width: 160, height: 90, fps: 15, x264Preset: 'ultrafast' }, layout: { preset: 'solo', sources: ['red'] } });
    await engine.dispatch('program.add', { id: 'p4', output: { width: 160, height: 90, fps: 15, x264Preset: 'ultrafast' }, layout: { preset: 'solo', sources: ['red'] } });
    // red is now drawn at 720×1280 (vertical, its own decoder), 640×360 (main) and 160×90 (p3 and p4 alike).
    await sleep(300);
    decoders.red = 1 + (engine.getSource('red')?.renditionPids.length ?? 0);
    decoders.yellow = 1 + (engine.getSource('yellow')?.renditionPids.length ?? 0);
    refusals.fifth = await refusal(engine.dispatch('program.add', { id: 'p5', output: { width: 160, height: 90, fps: 15 } }));
    await engine.dispatch('program.remove', { id: 'p3' });
    await engine.dispatch('program.remove', { id: 'p4' });
    programsInState = engine.getState().programs.map((p) => ({ id: p.id, destinations: p.destinations, width: p.output.width, height: p.output.height }));

    await Promise.all(pulls.map((p) => p.stop()));
    await engine.dispatch('destination.stopAll', {});
    [mainFrames, verticalFrames] = await Promise.all([decodeAllFrames(files.main, 64, 36), decodeAllFrames(files.vertical, 36, 64)]);
  }, 90_000);

  afterAll(async () => {
    await engine?.close();
    await nginx?.stop();
  });

  it('each RTMP stream has its own program size (ffprobe)', async () => {
    const [main, vertical] = await Promise.all([probeStreams(files.main), probeStreams(files.vertical)]);
    const video = (s: typeof main) => s.find((x) => x.codec_type === 'video');
    expect(video(main)).toMatchObject({ width: 1280, height: 720 });
    expect(video(vertical)).toMatchObject({ width: 720, height: 1280 });
    expect(main.some((s) => s.codec_type === 'audio')).toBe(true);
    expect(vertical.some((s) => s.codec_type === 'audio')).toBe(true);
  });

  it("main shows its grid, each cell its source's colour, before and after vertical's layout change", () => {
    expect(mainFrames.length).toBeGreaterThan(60);
    for (const frame of [mainFrames[10], mainFrames.at(-5)!]) {
      expect(near(colourAt(frame, 0, 0, 0.5, 0.5), COLORS.red)).toBe(true);
      expect(near(colourAt(frame, 0.5, 0, 0.5, 0.5), COLORS.green)).toBe(true);
      expect(near(colourAt(frame, 0, 0.5, 0.5, 0.5), COLORS.blue)).toBe(true);
      expect(near(colourAt(frame, 0.5, 0.5, 0.5, 0.5), COLORS.yellow)).toBe(true);
    }
  });

  it('layout.set on vertical changes only vertical: green solo first, red solo after', () => {
    expect(verticalFrames.length).toBeGreaterThan(60);
    const whole = (f: RgbImage) => colourAt(f, 0, 0, 1, 1);
    expect(near(whole(verticalFrames[10]), COLORS.green)).toBe(true);
    expect(near(whole(verticalFrames.at(-5)!), COLORS.red)).toBe(true);
    // Exactly one switch, green → red, and no frame of anything else.
    const kinds = verticalFrames.map((f) => (near(whole(f), COLORS.green) ? 'g' : near(whole(f), COLORS.red) ? 'r' : '?'));
    expect(kinds.join('').replace(/g+/, 'g').replace(/r+/, 'r')).toBe('gr');
  });

  it("the ISO recording holds only its source's colour and tone", async () => {
    expect(isoFile).not.toBe('');
    const streams = await probeStreams(isoFile);
    expect(streams.find((s) => s.codec_type === 'video')).toMatchObject({ width: 1280, height: 720 });
    const duration = await probeDuration(isoFile);
    expect(duration).toBeGreaterThan(4);
    const frames = await decodeAllFrames(isoFile, 32, 18);
    const off = frames.filter((f) => !near(colourAt(f, 0, 0, 1, 1), COLORS.blue));
    expect(off.length).toBe(0);
    // The last 2 s: a source's sound settles for a few seconds after its decoder changes size
    // (AudioClockRecovery re-anchoring), which the ISO program's bigger picture makes it do here.
    const sound = await decodeAudio(isoFile, duration - 2.5, 2);
    const [own, ...others] = toneLevelsDb(sound, 48_000, [TONES.blue, TONES.red, TONES.green, TONES.yellow]);
    expect(own).toBeGreaterThan(-40);
    for (const level of others) expect(level).toBeLessThan(own - 30);
  });

  it('one decoder per source and size: the same size in two programs is decoded once', () => {
    expect(decoders).toEqual({ red: 3, yellow: 1 });
  });

  it('bad input gets clear errors, and the show kept every program', () => {
    expect(refusals.unknownProgram).toMatchObject({ code: 'not_found' });
    expect(refusals.unknownProgram.message).toContain('no program with id "square"');
    expect(refusals.unknownSource.message).toContain('no source with id "ghost"');
    expect(refusals.both.message).toContain('not both');
    expect(refusals.removeCarried).toMatchObject({ code: 'conflict' });
    expect(refusals.removeCarried.message).toContain('shorts');
    expect(refusals.removeMain).toMatchObject({ code: 'conflict' });
    expect(refusals.tooWide).toMatchObject({ code: 'invalid_params' });
    expect(refusals.tooWide.message).toContain('at most 4096');
    expect(refusals.odd.message).toContain('must be even');
    expect(refusals.otherFps.message).toContain('15 fps');
    expect(refusals.notScoped).toMatchObject({ code: 'invalid_params' });
    expect(refusals.notScoped.message).toContain('takes no programId');
    expect(refusals.layoutUnknownProgram).toMatchObject({ code: 'not_found' });
    expect(refusals.fifth).toMatchObject({ code: 'conflict' });
    expect(refusals.fifth.message).toContain('at most 4 programs');
    expect(programsInState).toEqual([
      { id: 'main', destinations: ['youtube'], width: 1280, height: 720 },
      { id: 'vertical', destinations: ['shorts'], width: 720, height: 1280 },
    ]);
  });
});
