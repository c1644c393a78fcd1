/**
 * The engine core against real parts: the bundled ffmpeg for every source, the encoder and the
 * muxers; node-media-server as the RTMP server; Debian's ffprobe/ffmpeg to look at what came out.
 * One show runs ~20 s and goes through: 4 sources in a grid → SIGKILL one decoder → cut to solo.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EventMessage, SourceStatus } from '../../shared/protocol.ts';
import { Engine } from '../../electron/engine/Engine.ts';
import {
  averageRgb,
  colorDistance,
  decodeAudio,
  decodeFrameAt,
  hexRgb,
  probeDuration,
  probeStreams,
  probeVideoPackets,
  pullRtmp,
  toneLevelsDb,
} from '../helpers/media.ts';
import { type RtmpServer, sleep, startNodeMediaServer, waitUntil } from '../helpers/servers.ts';

const SOURCES = [
  { id: 'red', color: '#c0392b', toneHz: 440 },
  { id: 'green', color: '#27ae60', toneHz: 660 },
  { id: 'blue', color: '#2060c0', toneHz: 880 },
  { id: 'yellow', color: '#e0c020', toneHz: 1100 },
] as const;

describe('engine core: a 4-source show to RTMP and a recording', () => {
  let rtmp: RtmpServer;
  let engine: Engine;
  const dir = mkdtempSync(join(tmpdir(), 'cutline-e2e-'));
  const pulled = join(dir, 'pulled.flv');
  const events: EventMessage[] = [];
  let recordingFile = '';
  let switchAtS = 0;
  let stopAtS = 0;
  const encoderPids = new Set<number>();
  let recordingMuxerBefore: number | undefined;
  let recordingMuxerAfter: number | undefined;
  let rtmpConnects = 0;
  const killObserved: SourceStatus[] = [];
  let fpsDuringKill: number[] = [];

  beforeAll(async () => {
    rtmp = await startNodeMediaServer();
    engine = await Engine.create({
      log: () => {},
      show: {
        name: 'e2e core',
        output: { width: 640, height: 360, fps: 30, videoBitrateKbps: 1500, keyframeIntervalS: 2 },
        sources: SOURCES.map((s) => ({ id: s.id, kind: 'testPattern', label: s.id, color: s.color, toneHz: s.toneHz, slateAfterS: 5 })),
        layout: { preset: 'grid', sources: SOURCES.map((s) => s.id) },
        destinations: [
          { id: 'server', kind: 'rtmp', url: `${rtmp.url}/live`, streamKey: 'e2e-secret-key-1234' },
          { id: 'rec', kind: 'recording', path: `${dir}/` },
        ],
      },
    });
    engine.onAnyEvent((m) => events.push(m));
    const started = Date.now();
    await engine.dispatch('destination.startAll', {});
    await waitUntil(() => engine.getState().destinations.every((d) => d.state === 'live'), 15_000, 'destinations live');
    const puller = pullRtmp(`${rtmp.url}/live/e2e-secret-key-1234`, pulled);
    recordingFile = engine.getDestination('rec')!.filePath!;
    recordingMuxerBefore = engine.processes().destinations.rec;
    encoderPids.add(engine.processes().encoder!);

    // Kill one decoder for real: the program must keep its rate and the source come back alone.
    await sleep(4000);
    const victim = engine.getSource('blue')!;
    const framesBefore = engine.getState().program.framesOut;
    const killedAt = Date.now();
    process.kill(victim.decoderPid!, 'SIGKILL');
    await waitUntil(() => victim.status().state === 'stalled', 5000, 'blue stalled');
    killObserved.push(victim.status());
    await waitUntil(() => victim.status().state === 'live', 10_000, 'blue live again');
    killObserved.push(victim.status());
    const framesAfter = engine.getState().program.framesOut;
    fpsDuringKill = [((framesAfter - framesBefore) * 1000) / (Date.now() - killedAt)];
    encoderPids.add(engine.processes().encoder!);

    await sleep(3000);
    switchAtS = (Date.now() - started) / 1000;
    await engine.dispatch('layout.set', { preset: 'solo', sources: ['green'] });
    await sleep(6000);
    stopAtS = (Date.now() - started) / 1000;
    recordingMuxerAfter = engine.processes().destinations.rec;
    rtmpConnects = engine.getDestination('server')!.connectAttempts;
    encoderPids.add(engine.processes().encoder!);
    await puller.stop();
    await engine.close();
  }, 120_000);

  afterAll(async () => {
    await engine?.close();
    await rtmp?.stop();
  });

  it('the RTMP server received H.264 + AAC at the configured size and frame rate', async () => {
    const streams = await probeStreams(pulled);
    const video = streams.find((s) => s.codec_type === 'video')!;
    const audio = streams.find((s) => s.codec_type === 'audio')!;
    expect(video).toMatchObject({ codec_name: 'h264', width: 640, height: 360 });
    expect(video.r_frame_rate === '30/1' || video.avg_frame_rate === '30/1').toBe(true);
    expect(audio).toMatchObject({ codec_name: 'aac', sample_rate: '48000', channels: 2 });
  });

  it('keyframes arrive every 2 s', async () => {
    const packets = await probeVideoPackets(pulled);
    const keys = packets.filter((p) => p.keyframe).map((p) => p.pts_time);
    expect(keys.length).toBeGreaterThanOrEqual(4);
    for (let i = 1; i < keys.length; i++) expect(keys[i] - keys[i - 1]).toBeCloseTo(2, 1);
  });

  it('decoded grid frames show each source colour in its cell', async () => {
    const img = await decodeFrameAt(recordingFile, 2.5, 640, 360);
    const cells = [
      [160, 90],
      [480, 90],
      [160, 270],
      [480, 270],
    ];
    SOURCES.forEach((s, i) => {
      const [cx, cy] = cells[i];
      expect(colorDistance(averageRgb(img, cx - 20, cy - 10, 40, 20), hexRgb(s.color))).toBeLessThan(40);
    });
  });

  it('after layout.set solo only that source is on screen, on the same RTMP connection', async () => {
    const img = await decodeFrameAt(recordingFile, switchAtS + 1.5, 640, 360);
    for (const [x, y] of [
      [100, 60],
      [540, 60],
      [100, 300],
      [540, 300],
      [320, 180],
    ])
      expect(colorDistance(averageRgb(img, x - 20, y - 10, 40, 20), hexRgb('#27ae60'))).toBeLessThan(40);
    expect(rtmp.publishes.get('/live/e2e-secret-key-1234')).toBe(1);
    // Neither output was re-opened: one RTMP connection, the same recording muxer process.
    expect(rtmpConnects).toBe(1);
    expect(recordingMuxerBefore).toBeDefined();
    expect(recordingMuxerAfter).toBe(recordingMuxerBefore);
    expect(encoderPids.size).toBe(1);
  });

  it('the recording has no timestamp gap and its frame count matches duration × fps within 1%', async () => {
    const packets = await probeVideoPackets(recordingFile);
    const pts = packets.map((p) => p.pts_time).sort((a, b) => a - b);
    let maxGap = 0;
    for (let i = 1; i < pts.length; i++) maxGap = Math.max(maxGap, pts[i] - pts[i - 1]);
    expect(maxGap).toBeLessThan(0.05);
    const duration = await probeDuration(recordingFile);
    expect(Math.abs(packets.length - duration * 30) / (duration * 30)).toBeLessThan(0.01);
    // The recording spans the whole run (it started before the kill and ended at stop).
    expect(duration).toBeGreaterThan(stopAtS - 3);
  });

  it('a SIGKILLed source goes stalled, then live by itself, while the program keeps 30 fps', () => {
    expect(killObserved[0].state).toBe('stalled');
    expect(killObserved[0].message).toMatch(/SIGKILL/);
    expect(killObserved[1].state).toBe('live');
    expect(killObserved[1].restarts).toBeGreaterThanOrEqual(1);
    expect(fpsDuringKill[0]).toBeGreaterThan(29);
    expect(events.some((e) => e.event === 'source.stateChanged' && (e.data as SourceStatus).id === 'blue' && (e.data as SourceStatus).state === 'stalled')).toBe(true);
  });

  it('the program audio carries every source tone', async () => {
    const samples = await decodeAudio(recordingFile, 1.5, 1);
    const levels = toneLevelsDb(samples, 48_000, [440, 660, 880, 1100, 1500]);
    for (const level of levels.slice(0, 4)) expect(level).toBeGreaterThan(levels[4] + 30);
  });

  it('the stream key appears nowhere in state, events or errors', () => {
    const text = JSON.stringify(engine.getState()) + JSON.stringify(events);
    expect(text).not.toContain('e2e-secret-key-1234');
    expect(text).toContain('****1234');
  });
});
