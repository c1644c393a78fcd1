/**
 * A `whep` source: one engine pulls the program of another engine over WHEP (werift on both
 * sides, H.264 + Opus), and the pulled picture and tone end up in the second engine's recording.
 * Also: the program WHEP endpoint needs its token, and the pull comes back by itself after the
 * first engine's endpoint drops the session.
 */

import { mkdtempSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Engine } from '../../electron/engine/Engine.ts';
import { ApiServer } from '../../electron/engine/server/ApiServer.ts';
import { gathered, H264, peerConfig, RTCPeerConnection, VP8 } from '../../electron/engine/webrtc/peers.ts';
import { WebRtcSettings } from '../../shared/show.ts';
import { guestPublicId } from '../helpers/guestUrls.ts';
import { averageRgb, colorDistance, decodeAudio, decodeFrameAt, hexRgb, toneEnergyDb } from '../helpers/media.ts';
import { freePort, sleep, waitUntil } from '../helpers/servers.ts';

const COLOR = '#c03080';
const TONE = 880;
const PROGRAM_TOKEN = 'program-viewers-0123456789';

describe('WHEP source: one engine pulls the program of another', () => {
  let upstream: Engine;
  let server: ApiServer;
  let downstream: Engine;
  const dir = mkdtempSync(join(tmpdir(), 'cutline-whep-'));
  let recordingFile = '';
  let liveAfterMs = 0;
  let wrongToken = 0;
  let reconnected = false;

  beforeAll(async () => {
    upstream = await Engine.create({
      log: () => {},
      show: {
        output: { width: 640, height: 360, fps: 30, videoBitrateKbps: 800, keyframeIntervalS: 1, x264Preset: 'ultrafast' },
        sources: [{ id: 'bars', kind: 'testPattern', color: COLOR, toneHz: TONE }],
        layout: { preset: 'solo', sources: ['bars'] },
        webrtc: { programToken: PROGRAM_TOKEN },
      },
    });
    server = new ApiServer(upstream, { port: await freePort() });
    await server.listen();
    wrongToken = (await fetch(`${server.url}/whep/program`, { method: 'POST', headers: { 'content-type': 'application/sdp', authorization: 'Bearer wrong' }, body: 'v=0\r\n' })).status;

    downstream = await Engine.create({
      log: () => {},
      show: {
        output: { width: 640, height: 360, fps: 30, videoBitrateKbps: 800, keyframeIntervalS: 1, x264Preset: 'ultrafast' },
        sources: [{ id: 'remote', kind: 'whep', url: `${server.url}/whep/program`, token: PROGRAM_TOKEN }],
        layout: { preset: 'solo', sources: ['remote'] },
        destinations: [{ id: 'rec', kind: 'recording', path: `${dir}/` }],
      },
    });
    const started = Date.now();
    await waitUntil(() => downstream.getSource('remote')?.status().state === 'live', 15_000, 'whep source live');
    liveAfterMs = Date.now() - started;
    await engineStart(downstream);
    recordingFile = downstream.getDestination('rec')!.filePath!;
    await sleep(4000);
    await downstream.dispatch('destination.stop', { id: 'rec' });

    // The upstream drops every viewer (as an SFU restarting would): the pull reconnects.
    await upstream.webrtc.close();
    await waitUntil(() => downstream.getSource('remote')?.status().state === 'stalled', 10_000, 'whep source stalled');
  }, 90_000);

  async function engineStart(engine: Engine): Promise<void> {
    await engine.dispatch('destination.start', { id: 'rec' });
    await waitUntil(() => engine.getState().destinations[0].state === 'live', 10_000, 'recording live');
  }

  afterAll(async () => {
    await downstream?.close();
    await server?.close();
    await upstream?.close();
  });

  it('the program WHEP endpoint refuses a wrong token', () => {
    expect(wrongToken).toBe(401);
  });

  it('the pulled program is live within a few seconds', () => {
    expect(liveAfterMs).toBeLessThan(8000);
  });

  it("the second engine's recording shows the first engine's picture and tone", async () => {
    const img = await decodeFrameAt(recordingFile, 2, 640, 360);
    expect(colorDistance(averageRgb(img, 300, 170, 40, 20), hexRgb(COLOR))).toBeLessThan(50);
    const audio = await decodeAudio(recordingFile, 1.5, 1);
    // Energy in short slices: the sound went through WebRTC, whose playout breaks make a
    // whole-window DFT read a tone 10–40 dB low (test/unit/toneMeters.test.ts).
    const [tone, other] = toneEnergyDb(audio, 48_000, [TONE, 440]);
    console.log(`whep source: tone ${tone.toFixed(1)} dBFS, 440 Hz ${other.toFixed(1)} dBFS`);
    expect(tone).toBeGreaterThan(-40);
    expect(tone - other).toBeGreaterThan(20);
  });

  it('a dropped pull goes stalled (it keeps retrying by itself)', () => {
    reconnected = downstream.getSource('remote')?.status().state === 'stalled';
    expect(reconnected).toBe(true);
  });
});

describe('show.load changes who may watch', () => {
  let upstream: Engine;
  let server: ApiServer;
  let downstream: Engine;
  const show = (programToken: string, guests: string[]) => ({
    output: { width: 320, height: 180, fps: 30, videoBitrateKbps: 400, keyframeIntervalS: 1, x264Preset: 'ultrafast' },
    sources: [{ id: 'bars', kind: 'testPattern', color: COLOR }, ...guests.map((id) => ({ id, kind: 'guest' }))],
    layout: { preset: 'solo', sources: ['bars'] },
    webrtc: { programToken },
  });

  beforeAll(async () => {
    upstream = await Engine.create({ log: () => {}, show: show(PROGRAM_TOKEN, []) });
    server = new ApiServer(upstream, { port: await freePort() });
    await server.listen();
    downstream = await Engine.create({
      log: () => {},
      show: {
        output: { width: 320, height: 180, fps: 30, videoBitrateKbps: 400, x264Preset: 'ultrafast' },
        sources: [{ id: 'remote', kind: 'whep', url: `${server.url}/whep/program`, token: PROGRAM_TOKEN }],
        layout: { preset: 'solo', sources: ['remote'] },
      },
    });
    await waitUntil(() => downstream.getSource('remote')?.status().state === 'live', 15_000, 'whep source live');
  }, 60_000);

  afterAll(async () => {
    await downstream?.close();
    await server?.close();
    await upstream?.close();
  });

  it('a new program token cuts off viewers let in with the old one; the same token keeps them', async () => {
    // Reloading with the same token: the pull stays live throughout.
    await upstream.dispatch('show.load', { show: show(PROGRAM_TOKEN, []) });
    await sleep(2000);
    expect(downstream.getSource('remote')?.status().state).toBe('live');

    await upstream.dispatch('show.load', { show: show('a-new-token-for-the-next-show', []) });
    await waitUntil(() => downstream.getSource('remote')?.status().state === 'stalled', 10_000, 'pull cut off');
    await sleep(3000); // its retries are refused: it must not come back
    expect(downstream.getSource('remote')?.status().state).not.toBe('live');
    const refused = await fetch(`${server.url}/whep/program`, { method: 'POST', headers: { 'content-type': 'application/sdp', authorization: `Bearer ${PROGRAM_TOKEN}` }, body: 'v=0\r\n' });
    expect(refused.status).toBe(401);
  }, 30_000);

  it("guests the new show does not have lose their links; guests it keeps keep theirs", async () => {
    await upstream.dispatch('show.load', { show: show(PROGRAM_TOKEN, ['kept', 'dropped']) });
    const kept = (await upstream.dispatch('guest.invite', { id: 'kept' })) as { token: string; guestPageUrl: string; whipUrl: string };
    const dropped = (await upstream.dispatch('guest.invite', { id: 'dropped' })) as { token: string; whipUrl: string };
    await upstream.dispatch('show.load', { show: show(PROGRAM_TOKEN, ['kept']) });
    expect(((await upstream.dispatch('guest.invite', { id: 'kept' })) as { token: string }).token).toBe(kept.token);
    expect((await fetch(`${server.url}/guest/${guestPublicId(kept)}`)).status).toBe(200);
    expect((await fetch(`${server.url}/guest/${guestPublicId(dropped)}`)).status).toBe(404);
    const whip = await fetch(`${server.url}/whip/${guestPublicId(dropped)}`, { method: 'POST', headers: { 'content-type': 'application/sdp', authorization: `Bearer ${dropped.token}` }, body: 'v=0\r\n' });
    expect(whip.status).toBe(404);
  });

  it("a source the new show gives a former guest's id is kept", async () => {
    await upstream.dispatch('show.load', { show: show(PROGRAM_TOKEN, ['former']) });
    await upstream.dispatch('show.load', { show: { ...show(PROGRAM_TOKEN, []), sources: [{ id: 'bars', kind: 'testPattern', color: COLOR }, { id: 'former', kind: 'testPattern' }] } });
    expect(upstream.getSource('former')?.spec.kind).toBe('testPattern');
  });

  it('an offer sent before its link was revoked or its token replaced is refused once negotiated', async () => {
    await upstream.dispatch('show.load', { show: show(PROGRAM_TOKEN, ['late']) });
    const late = (await upstream.dispatch('guest.invite', { id: 'late' })) as { token: string };
    // The request is in (its token checked) while its body is still coming when access ends.
    const whip = heldOffer(`${server.url}/whip/late`, late.token);
    await sleep(300);
    await upstream.dispatch('guest.revoke', { id: 'late' });
    expect(await whip.send(await offer('sendonly'))).toBe(404);
    expect(upstream.getSource('late')).toBeUndefined();

    const whep = heldOffer(`${server.url}/whep/program`, PROGRAM_TOKEN);
    await sleep(300);
    await upstream.dispatch('show.load', { show: show('yet-another-program-token', []) });
    expect(await whep.send(await offer('recvonly'))).toBe(401);
  });
});

/** A WHIP/WHEP POST whose headers (and token) go now and whose SDP body goes with `send`. */
function heldOffer(url: string, token: string): { send(sdp: string): Promise<number> } {
  const req = request(url, { method: 'POST', headers: { 'content-type': 'application/sdp', authorization: `Bearer ${token}` } });
  const status = new Promise<number>((resolve, reject) => {
    req.on('response', (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', reject);
  });
  req.flushHeaders();
  return {
    send(sdp) {
      req.end(sdp);
      return status;
    },
  };
}

/** A real offer: a guest's (sendonly VP8) or a program viewer's (recvonly H.264 Constrained Baseline). */
async function offer(direction: 'sendonly' | 'recvonly'): Promise<string> {
  const pc = new RTCPeerConnection(peerConfig(WebRtcSettings.parse({}), [direction === 'sendonly' ? VP8() : H264('42e01f')]));
  pc.addTransceiver('video', { direction });
  await pc.setLocalDescription(await pc.createOffer());
  await gathered(pc);
  const sdp = pc.localDescription?.sdp ?? '';
  await pc.close();
  return sdp;
}
