/**
 * What a long show meets, done for real: the video encoder SIGKILLed mid-show, a recording's disk
 * filling up (a 2 MB tmpfs), and the wall clock the engine reads stepped by an hour each way (as
 * NTP does). The program must come back or carry on by itself, and say clearly what it cannot do.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Engine } from '../../electron/engine/Engine.ts';
import { TAG_VIDEO } from '../../electron/engine/media/flv.ts';
import type { DestinationStatus, EventMessage, SourceStatus } from '../../shared/protocol.ts';
import type { ShowDocument } from '../../shared/show.ts';
import { probeVideoPackets, pullRtmp } from '../helpers/media.ts';
import { type RtmpServer, sleep, startNodeMediaServer, waitUntil } from '../helpers/servers.ts';

const FPS = 30;

function show(rtmpUrl: string, recordingDir: string, bitrateKbps = 600): ShowDocument {
  return {
    name: 'long show',
    output: { width: 320, height: 180, fps: FPS, videoBitrateKbps: bitrateKbps, keyframeIntervalS: 1 },
    sources: [{ id: 'bars', kind: 'testPattern', toneHz: 440 }],
    layout: { preset: 'solo', sources: ['bars'] },
    destinations: [
      { id: 'server', kind: 'rtmp', url: `${rtmpUrl}/live`, streamKey: 'long-show-key' },
      { id: 'rec', kind: 'recording', path: `${recordingDir}/` },
    ],
  } as ShowDocument;
}

function destinationStates(events: EventMessage[], id: string, after = 0): string[] {
  return events
    .filter((e) => e.event === 'destination.stateChanged' && (e.data as DestinationStatus).id === id && (e as { at?: number }).at! >= after)
    .map((e) => (e.data as DestinationStatus).state);
}

describe('recoveries a long show meets', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cutline-recover-'));
  let rtmp: RtmpServer | undefined;
  afterAll(async () => {
    await rtmp?.stop();
  });

  it('the video encoder SIGKILLed mid-show is back within 1 s; the RTMP stream and the recording carry on without reconnecting', async () => {
    rtmp = await startNodeMediaServer();
    const engine = await Engine.create({ log: () => {}, show: show(rtmp.url, dir) });
    const events: (EventMessage & { at: number })[] = [];
    engine.onAnyEvent((m) => events.push({ ...m, at: performance.now() }));
    try {
      await engine.dispatch('destination.startAll', {});
      await waitUntil(() => engine.getState().destinations.every((d) => d.state === 'live'), 15_000, 'destinations live');
      const pulledFile = join(dir, 'pulled.flv');
      const puller = pullRtmp(`${rtmp.url}/live/long-show-key`, pulledFile);
      const videoTagsAt: number[] = [];
      let streamStarts = 0;
      engine.getProgram().fanout.add({
        onStreamStart: () => streamStarts++,
        onTag: (tag) => {
          if (tag.type === TAG_VIDEO) videoTagsAt.push(performance.now());
        },
      });
      // The encoder must have run a while (a healthy one is restarted at once).
      await sleep(6000);
      const pid = engine.processes().encoder!;
      const killedAt = performance.now();
      process.kill(pid, 'SIGKILL');
      await waitUntil(() => engine.processes().encoder !== undefined && engine.processes().encoder !== pid, 5000, 'a new encoder');
      await waitUntil(() => videoTagsAt.some((t) => t > killedAt + 50), 5000, 'encoded video again');
      // The first tag after the kill that follows a gap: the new encoder's first frame.
      let backAt = 0;
      for (let i = 1; i < videoTagsAt.length; i++) if (videoTagsAt[i] > killedAt && videoTagsAt[i] - videoTagsAt[i - 1] > 100) backAt = videoTagsAt[i];
      const backMs = backAt - killedAt;
      await sleep(4000);
      const pullErrors = await puller.stop();
      const rec = engine.getDestination('rec')!;
      const recordingFile = rec.filePath!;
      await engine.dispatch('destination.stop', { id: 'rec' });
      await waitUntil(() => engine.getState().destinations.find((d) => d.id === 'rec')?.state === 'stopped', 15_000, 'recording stopped');

      const pulled = await probeVideoPackets(pulledFile);
      let largestGapS = 0;
      for (let i = 1; i < pulled.length; i++) largestGapS = Math.max(largestGapS, pulled[i].pts_time - pulled[i - 1].pts_time);
      const recorded = await probeVideoPackets(recordingFile);
      const serverStates = destinationStates(events, 'server', killedAt);
      console.log(
        `encoder SIGKILL: encoded video again after ${backMs.toFixed(0)} ms; restarts ${engine.getState().program.encoderRestarts}; ` +
          `RTMP publishes ${rtmp.publishes.get('/live/long-show-key')}, server states after the kill ${JSON.stringify([...new Set(serverStates)])}; ` +
          `pulled ${pulled.length} frames (${pulled.at(-1)?.pts_time.toFixed(2)} s, largest pts step ${(largestGapS * 1000).toFixed(0)} ms); ` +
          `recording ${recorded.length} frames in ${readdirSync(dir).filter((f) => f.endsWith('.mkv')).length} file(s); puller said: ${pullErrors.trim().slice(0, 200)}`,
      );
      expect(backMs).toBeGreaterThan(0);
      expect(backMs).toBeLessThan(1000);
      expect(engine.getState().program.encoderRestarts).toBe(1);
      // One stream throughout: no new stream start for consumers, no second publish, no state change.
      expect(streamStarts).toBe(1);
      expect(rtmp.publishes.get('/live/long-show-key')).toBe(1);
      expect(serverStates.every((s) => s === 'live')).toBe(true);
      // The viewer's stream ran on with continuous timestamps (frames missing, none re-timed).
      expect(largestGapS).toBeLessThan(0.1);
      expect(pulled.length).toBeGreaterThan(8 * FPS);
      // And the recording is one file that plays through it.
      expect(readdirSync(dir).filter((f) => f.endsWith('.mkv'))).toHaveLength(1);
      expect(recorded.length).toBeGreaterThan(9 * FPS);
    } finally {
      await engine.close();
    }
  }, 90_000);
});
