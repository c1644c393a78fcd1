/**
 * WHIP push (RFC 9725) from the program to a werift WHIP endpoint in the test: the offer is POSTed
 * with the Bearer token, 201 + Location, the far end decodes H.264 frames and receives Opus, PLIs
 * reach the publisher, and stop sends DELETE. Both video paths: the destination's own WebRTC encode
 * (constrained baseline, keyframe every second) and a copy of the program encode (High, no
 * B-frames). A wrong token ends in an error, not a retry loop.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DestinationStatus, EventMessage } from '../../shared/protocol.ts';
import { Engine } from '../../electron/engine/Engine.ts';
import { MemorySecretStore } from '../../electron/engine/secrets/SecretStore.ts';
import { childProcesses } from '../helpers/nginx.ts';
import { sleep, waitUntil } from '../helpers/servers.ts';
import { startWhipReceiver, type WhipReceiver, type WhipSession } from '../helpers/whipReceiver.ts';

const TOKEN = 'whip-secret-token-0007';
const RUN_S = 8;

describe('WHIP destination: the program to a WebRTC endpoint', () => {
  let receiver: WhipReceiver;
  let engine: Engine;
  const events: EventMessage[] = [];
  const logs: string[] = [];
  const results: Record<string, { session: WhipSession; framesAt: number; liveAt: number; startedAt: number; pli: number; encoders: number }> = {};
  let badStatus: DestinationStatus | undefined;
  let badPosts = 0;

  beforeAll(async () => {
    receiver = await startWhipReceiver({ token: TOKEN, sendPliEveryMs: 2000 });
    engine = await Engine.create({
      log: (l) => logs.push(l),
      secrets: new MemorySecretStore(),
      show: {
        name: 'whip e2e',
        output: { width: 320, height: 180, fps: 30, videoBitrateKbps: 800, keyframeIntervalS: 1 },
        sources: [{ id: 'bars', kind: 'testPattern', toneHz: 440 }],
        layout: { preset: 'solo', sources: ['bars'] },
      },
    });
    engine.onAnyEvent((m) => events.push(m));
    for (const video of ['transcode', 'copy'] as const) {
      const id = `xdn-${video}`;
      await engine.dispatch('destination.add', { id, kind: 'whip', preset: 'red5pro', url: receiver.url(id), token: TOKEN, video });
      const startedAt = Date.now();
      await engine.dispatch('destination.start', { id });
      await waitUntil(() => engine.getState().destinations.find((d) => d.id === id)?.state === 'live', 20_000, `${id} live`);
      const liveAt = Date.now();
      const session = receiver.sessions.at(-1)!;
      await sleep(RUN_S * 1000);
      const framesAt = session.decodedFrames;
      const encoders = childProcesses().filter((k) => k.args.includes('libx264')).length;
      const pli = engine.getDestination(id)!.keyframeRequests;
      await engine.dispatch('destination.stop', { id });
      results[video] = { session, framesAt, liveAt, startedAt, pli, encoders };
    }
    await engine.dispatch('destination.add', { id: 'xdn-bad', kind: 'whip', url: receiver.url('bad'), token: 'not-the-token-0008' });
    const postsBefore = receiver.posts;
    await engine.dispatch('destination.start', { id: 'xdn-bad' });
    await waitUntil(() => engine.getState().destinations.find((d) => d.id === 'xdn-bad')?.state === 'error', 15_000, 'bad token → error');
    await sleep(3000);
    badStatus = engine.getState().destinations.find((d) => d.id === 'xdn-bad');
    badPosts = receiver.posts - postsBefore;
  }, 120_000);

  afterAll(async () => {
    await engine?.close();
    await receiver?.close();
  });

  for (const video of ['transcode', 'copy'] as const) {
    it(`${video}: POST with the Bearer token, 201 + Location, decoded frames at the far end, DELETE on stop`, () => {
      const r = results[video];
      const s = r.session;
      console.log(
        `WHIP ${video}: start → live ${r.liveAt - r.startedAt} ms, POST → first keyframe ${s.firstKeyframeAt! - s.postedAt} ms, first decoded frame ${s.firstFrameAt! - s.postedAt} ms; ${r.framesAt} frames decoded in ~${RUN_S} s live, ${s.keyframes} keyframes, ${s.packetsLost} RTP packets lost, ${s.audioPackets} Opus packets, ${r.pli} PLIs seen; x264 processes while live: ${r.encoders}; offer: ${s.offer}`,
      );
      expect(s.authorization).toBe(`Bearer ${TOKEN}`);
      expect(s.videoCodec).toBe('video/H264');
      expect(s.audioCodec).toBe('audio/opus');
      expect(s.decoderErrors).toBe('');
      // Frames decoded over the time it was live (at 30 fps), allowing for start-up.
      expect(r.framesAt).toBeGreaterThan(30 * (RUN_S - 1.5));
      expect(s.keyframes).toBeGreaterThanOrEqual(RUN_S - 1);
      expect(s.audioPackets).toBeGreaterThan(40 * RUN_S);
      expect(r.pli).toBeGreaterThanOrEqual(2);
      expect(s.deleted).toBe(true);
      expect(s.firstKeyframeAt! - s.postedAt).toBeLessThan(3000);
      // Transcode adds one x264 (the program's is the other); copy adds none.
      expect(r.encoders).toBe(video === 'transcode' ? 2 : 1);
      expect(s.offer).toMatch(video === 'transcode' ? /profile-level-id=42e01f/ : /profile-level-id=640c1f/);
    });
  }

  it('a wrong token ends in error with a clear message, without retrying', () => {
    expect(badStatus?.state).toBe('error');
    expect(badStatus?.message).toMatch(/refused the publish \(HTTP 401\).*token/);
    expect(badPosts).toBe(1);
  });

  it('the token appears nowhere in state, events or logs', () => {
    const text = JSON.stringify(engine.getState()) + JSON.stringify(events) + logs.join('\n');
    expect(text).not.toContain(TOKEN);
    expect(text).not.toContain('not-the-token-0008');
  });
});
