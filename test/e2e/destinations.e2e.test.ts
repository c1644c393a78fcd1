/**
 * Destinations against real servers, all fed by ONE program encode (320×180 at 30 fps, a noisy
 * clip so the bitrate is real): node-media-server, nginx + libnginx-mod-rtmp, RTMPS through
 * stunnel4 with a self-signed certificate ffmpeg is told to trust, a recording, and a "server"
 * that accepts the TCP connection and never reads. For 30 s the good ones must get ≥ 99% of the
 * frames while the stalled one drops; then nginx is stopped and started again (its destination
 * must come back by itself, the others must not notice); meanwhile a wrong key on an nginx that
 * checks keys (on_publish → a tiny HTTP server) must end in a clear error without a retry storm.
 * Stream keys must appear nowhere in state, events, logs or errors.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DestinationStatus, EventMessage } from '../../shared/protocol.ts';
import { Engine } from '../../electron/engine/Engine.ts';
import type { PreflightResult } from '../../shared/destinationPreflight.ts';
import type { PresetListing } from '../../shared/destinationPresets.ts';
import { DestinationSpec } from '../../shared/show.ts';
import { BoundSecrets } from '../../electron/engine/secrets/BoundSecrets.ts';
import { MemorySecretStore } from '../../electron/engine/secrets/SecretStore.ts';
import { probeDuration, probeStreams, probeVideoPackets, pullRtmp, SYSTEM_FFMPEG } from '../helpers/media.ts';
import {
  childProcesses,
  type NginxRtmp,
  nginxRtmpAvailable,
  type Stunnel,
  startNginxRtmp,
  startPublishCheck,
  startStunnel,
  startTcpProxy,
  stunnelAvailable,
  type TcpProxy,
} from '../helpers/nginx.ts';
import { type RtmpServer, sleep, startNodeMediaServer, waitUntil } from '../helpers/servers.ts';

const FPS = 30;
const WINDOW_S = 30;
const KEYS = {
  nms: 'nms-secret-key-0001',
  nginx: 'nginx-secret-key-0002',
  stalled: 'stall-secret-key-0003',
  blackhole: 'hole-secret-key-0009',
  rtmps: 'tls-secret-key-0004',
  bad: 'wrong-secret-key-0005',
  good: 'right-secret-key-0006',
};

interface Snapshot {
  at: number;
  framesOut: number;
  lateFrames: number;
  sent: Record<string, number>;
  dropped: Record<string, number>;
}

describe.skipIf(!nginxRtmpAvailable || !stunnelAvailable)('destinations: one encode, isolated outputs, real servers', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cutline-dest-'));
  let nms: RtmpServer;
  let nginx: NginxRtmp;
  let keyed: NginxRtmp;
  let stunnel: Stunnel;
  let wire: TcpProxy;
  let staller: TcpProxy;
  let blackhole: TcpProxy;
  let check: Awaited<ReturnType<typeof startPublishCheck>>;
  let engine: Engine;
  const events: EventMessage[] = [];
  const logs: string[] = [];
  const errorsSeen: string[] = [];
  const pulled = { nms: join(dir, 'nms.flv'), nginx: join(dir, 'nginx.flv'), rtmps: join(dir, 'rtmps.flv'), after: join(dir, 'after-reconnect.flv') };
  let t0: Snapshot;
  let t1: Snapshot;
  const encoderCounts: number[] = [];
  const muxerCounts: number[] = [];
  const commandLines: string[] = [];
  let recordingFile = '';
  let badStatus: DestinationStatus;
  let badAttempts = 0;
  let badChecksAtError = 0;
  let badChecksLater = 0;
  let goodState = '';
  let goodRemoved = false;
  let preflightBad: PreflightResult;
  let presets: PresetListing[] = [];
  let reconnect = { statesSeen: [] as string[], msToLive: 0, nmsStatesDuring: [] as string[], nmsPublishes: 0 };

  const snapshot = (): Snapshot => {
    const state = engine.getState();
    const sent: Record<string, number> = {};
    const dropped: Record<string, number> = {};
    for (const d of state.destinations) {
      sent[d.id] = engine.getDestination(d.id)!.framesSent;
      dropped[d.id] = d.droppedFrames;
    }
    return { at: Date.now(), framesOut: state.program.framesOut, lateFrames: state.program.lateFrames, sent, dropped };
  };
  const countProcesses = () => {
    // The engine's processes (the test's own pullers and servers are children too).
    const kids = childProcesses().filter((k) => k.args[0] === engine.ffmpeg.path);
    // The program encode: the processes that make H.264 and AAC (the encoder may be one process
    // or a video and an audio one). Destination muxers are the ones reading FLV from stdin.
    const line = (k: { args: string[] }) => k.args.join(' ');
    const readsFlv = (k: { args: string[] }) => line(k).includes('-f flv -i pipe:0');
    const video = kids.filter((k) => !readsFlv(k) && /-c:v (libx264|h264_\w+)/.test(line(k))).length;
    const audio = kids.filter((k) => !readsFlv(k) && /-c:a aac/.test(line(k))).length;
    encoderCounts.push(Math.max(video, audio));
    muxerCounts.push(kids.filter(readsFlv).length);
    for (const k of kids) commandLines.push(k.args.join(' '));
  };
  const destState = (id: string) => engine.getState().destinations.find((d) => d.id === id)?.state;

  beforeAll(async () => {
    const clip = join(dir, 'noise.mp4');
    // Noise keeps the encoder at its bitrate, so queues fill as fast as they would in a real show.
    execFileSync(SYSTEM_FFMPEG, [
      '-v', 'error', '-f', 'lavfi', '-i', `testsrc2=s=320x180:r=${FPS}`, '-f', 'lavfi', '-i', 'sine=f=440:r=48000',
      '-vf', 'noise=alls=25:allf=t+u', '-t', '4', '-c:v', 'libx264', '-preset', 'ultrafast', '-g', String(FPS), '-c:a', 'aac', '-y', clip,
    ]);
    nms = await startNodeMediaServer();
    nginx = await startNginxRtmp();
    check = await startPublishCheck(KEYS.good);
    keyed = await startNginxRtmp({ onPublishUrl: check.url });
    stunnel = await startStunnel(nginx.port);
    wire = await startTcpProxy(stunnel.port);
    // Forwards to nginx for 3 s, then stops reading (the connection stays open).
    staller = await startTcpProxy(nginx.port, { stallAfterMs: 3000 });
    // Accepts the connection and never reads a byte.
    blackhole = await startTcpProxy(undefined);
    // ffmpeg verifies the RTMPS server only with a CA file: trust the test's self-signed cert.
    process.env.CUTLINE_TLS_CA_FILE = stunnel.caFile;

    const secrets = new MemorySecretStore();
    // This one's key comes from the secret store, not the show: stored bound to that destination (BoundSecrets).
    new BoundSecrets(secrets).remember(DestinationSpec.parse({ id: 'nginx', kind: 'rtmp', url: nginx.url, streamKey: KEYS.nginx }));
    engine = await Engine.create({
      log: (line) => logs.push(line),
      secrets,
      show: {
        name: 'dest e2e',
        output: { width: 320, height: 180, fps: FPS, videoBitrateKbps: 1500, keyframeIntervalS: 1 },
        sources: [{ id: 'clip', kind: 'file', path: clip, loop: true }],
        layout: { preset: 'solo', sources: ['clip'] },
        destinations: [
          { id: 'nms', kind: 'rtmp', preset: 'custom', url: `${nms.url}/live`, streamKey: KEYS.nms },
          { id: 'nginx', kind: 'rtmp', preset: 'red5pro', url: nginx.url },
          { id: 'rtmps', kind: 'rtmp', url: `rtmps://127.0.0.1:${wire.port}/live`, streamKey: KEYS.rtmps },
          { id: 'stalled', kind: 'rtmp', url: `rtmp://127.0.0.1:${staller.port}/live`, streamKey: KEYS.stalled },
          { id: 'blackhole', kind: 'rtmp', url: `rtmp://127.0.0.1:${blackhole.port}/live`, streamKey: KEYS.blackhole },
          { id: 'rec', kind: 'recording', path: `${dir}/` },
        ],
      },
    });
    engine.onAnyEvent((m) => {
      events.push(m);
      if (m.event === 'destination.stateChanged') {
        const s = m.data as DestinationStatus;
        if (s.message) errorsSeen.push(s.message);
      }
    });
    presets = (await engine.dispatch('destination.presets', {}) as { presets: PresetListing[] }).presets;

    await engine.dispatch('destination.startAll', {});
    await waitUntil(() => ['nms', 'nginx', 'rtmps', 'rec'].every((id) => destState(id) === 'live'), 20_000, 'good destinations live');
    recordingFile = engine.getDestination('rec')!.filePath!;
    const pullers = {
      nms: pullRtmp(`${nms.url}/live/${KEYS.nms}`, pulled.nms),
      nginx: pullRtmp(`${nginx.url}/${KEYS.nginx}`, pulled.nginx),
      rtmps: pullRtmp(`${nginx.url}/${KEYS.rtmps}`, pulled.rtmps),
    };
    await sleep(2000);
    countProcesses();
    t0 = snapshot();

    // While everything runs: a wrong key and a right key on the nginx that checks keys.
    await engine.dispatch('destination.add', { id: 'bad', kind: 'rtmp', preset: 'facebook', url: keyed.url, streamKey: KEYS.bad });
    await engine.dispatch('destination.add', { id: 'good', kind: 'rtmp', url: keyed.url, streamKey: KEYS.good });
    preflightBad = (await engine.dispatch('destination.preflight', { id: 'bad' })) as PreflightResult;
    await engine.dispatch('destination.start', { id: 'bad' });
    await engine.dispatch('destination.start', { id: 'good' });
    await waitUntil(() => destState('bad') === 'error', 20_000, 'wrong key → error');
    badStatus = engine.getState().destinations.find((d) => d.id === 'bad')!;
    badAttempts = engine.getDestination('bad')!.connectAttempts;
    badChecksAtError = check.requests.filter((k) => k === KEYS.bad).length;
    await waitUntil(() => destState('good') === 'live', 10_000, 'right key live');
    goodState = destState('good')!;
    // Removing a live destination mid-show touches nothing else either.
    await sleep(2000);
    await engine.dispatch('destination.remove', { id: 'good' });
    goodRemoved = !engine.getState().destinations.some((d) => d.id === 'good');
    await sleep(Math.max(0, t0.at + WINDOW_S * 1000 - Date.now() - 2000));
    countProcesses();
    await sleep(Math.max(0, t0.at + WINDOW_S * 1000 - Date.now()));
    t1 = snapshot();
    badChecksLater = check.requests.filter((k) => k === KEYS.bad).length;
    await Promise.all(Object.values(pullers).map((p) => p.stop()));

    // Reconnect: nginx goes away mid-stream and comes back.
    const nmsStates: string[] = [];
    const off = engine.onAnyEvent((m) => {
      if (m.event !== 'destination.stateChanged') return;
      const s = m.data as DestinationStatus;
      if (s.id === 'nginx' && reconnect.statesSeen.at(-1) !== s.state) reconnect.statesSeen.push(s.state);
      if (s.id === 'nms') nmsStates.push(s.state);
    });
    await nginx.stop();
    await waitUntil(() => destState('nginx') === 'reconnecting', 10_000, 'nginx destination reconnecting');
    await sleep(2500);
    await nginx.start();
    const restartedAt = Date.now();
    await waitUntil(() => destState('nginx') === 'live', 30_000, 'nginx destination live again');
    reconnect.msToLive = Date.now() - restartedAt;
    const after = pullRtmp(`${nginx.url}/${KEYS.nginx}`, pulled.after);
    await sleep(4000);
    await after.stop();
    off();
    reconnect = { ...reconnect, nmsStatesDuring: [...new Set(nmsStates)], nmsPublishes: nms.publishes.get(`/live/${KEYS.nms}`) ?? 0 };
    await engine.close();
  }, 180_000);

  afterAll(async () => {
    delete process.env.CUTLINE_TLS_CA_FILE;
    await engine?.close();
    await Promise.all([nms?.stop(), nginx?.stop(), keyed?.stop(), stunnel?.stop(), wire?.close(), staller?.close(), blackhole?.close(), check?.close()]);
  });

  it('runs one encoder for every destination; RTMP goes out without a process, so no command line holds a key', () => {
    expect(encoderCounts).toEqual([1, 1]);
    // Only the recording has a muxer process; RTMP(S) is published from the engine itself.
    expect(muxerCounts).toEqual([1, 1]);
    const all = commandLines.join('\n');
    for (const key of Object.values(KEYS)) expect(all).not.toContain(key);
  });

  it('the program kept its frame rate while one destination was stalled', () => {
    const fps = ((t1.framesOut - t0.framesOut) * 1000) / (t1.at - t0.at);
    console.log(`program fps over ${((t1.at - t0.at) / 1000).toFixed(1)} s with a stalled destination: ${fps.toFixed(2)}; late frames ${t1.lateFrames - t0.lateFrames}`);
    expect(fps).toBeGreaterThan(FPS * 0.99);
    expect(fps).toBeLessThan(FPS * 1.01);
  });

  it('the good destinations got ≥ 99% of the program frames, the stalled one dropped and said so', () => {
    const statusOf = (id: string) =>
      events.filter((e) => e.event === 'destination.stateChanged' && (e.data as DestinationStatus).id === id).map((e) => e.data as DestinationStatus);
    const program = t1.framesOut - t0.framesOut;
    for (const id of ['nms', 'nginx', 'rtmps', 'rec']) {
      const sent = t1.sent[id] - t0.sent[id];
      console.log(`${id}: ${sent}/${program} frames (${((100 * sent) / program).toFixed(2)}%), dropped ${t1.dropped[id] - t0.dropped[id]}`);
      expect(sent / program).toBeGreaterThanOrEqual(0.99);
      expect(t1.dropped[id] - t0.dropped[id]).toBe(0);
    }
    console.log(`stalled: sent ${t1.sent.stalled - t0.sent.stalled}, dropped ${t1.dropped.stalled} frames`);
    expect(t1.dropped.stalled).toBeGreaterThan(FPS * 5);
    const stalled = statusOf('stalled');
    // Live first (the server read for 3 s), then dropping, then reconnected after 15 s full.
    expect(stalled.some((s) => s.state === 'live')).toBe(true);
    expect(stalled.some((s) => s.droppedFrames > 0)).toBe(true);
    expect(stalled.some((s) => s.state === 'reconnecting' && /stopped reading/.test(s.message ?? ''))).toBe(true);
    // The server that never reads never got as far as live, and says why.
    const hole = statusOf('blackhole');
    console.log(`blackhole: ${hole.find((s) => s.message)?.message}; ${blackhole.connections} connections`);
    expect(hole.some((s) => s.state === 'live')).toBe(false);
    expect(hole.some((s) => s.state === 'reconnecting' && /did not answer the RTMP handshake/.test(s.message ?? ''))).toBe(true);
    expect(blackhole.connections).toBeGreaterThanOrEqual(2);
    expect(blackhole.connections).toBeLessThanOrEqual(4);
  });

  it('what the servers received: H.264 + AAC at 320×180 and 30 fps, without gaps', async () => {
    for (const file of [pulled.nms, pulled.nginx, pulled.rtmps, recordingFile]) {
      const streams = await probeStreams(file);
      const video = streams.find((s) => s.codec_type === 'video')!;
      expect(video).toMatchObject({ codec_name: 'h264', width: 320, height: 180 });
      expect(video.r_frame_rate === '30/1' || video.avg_frame_rate === '30/1').toBe(true);
      expect(streams.find((s) => s.codec_type === 'audio')).toMatchObject({ codec_name: 'aac', sample_rate: '48000' });
      const packets = await probeVideoPackets(file);
      const pts = packets.map((p) => p.pts_time).sort((a, b) => a - b);
      const span = pts.at(-1)! - pts[0];
      let maxGap = 0;
      for (let i = 1; i < pts.length; i++) maxGap = Math.max(maxGap, pts[i] - pts[i - 1]);
      console.log(`${file.split('/').pop()}: ${packets.length} frames over ${span.toFixed(2)} s (${((100 * packets.length) / (span * FPS + 1)).toFixed(2)}%), largest gap ${(maxGap * 1000).toFixed(0)} ms`);
      expect(span).toBeGreaterThan(WINDOW_S - 2);
      expect(packets.length / (span * FPS + 1)).toBeGreaterThanOrEqual(0.99);
      expect(maxGap).toBeLessThan(0.1);
    }
    expect(await probeDuration(recordingFile)).toBeGreaterThan(WINDOW_S);
  });

  it('RTMPS went through TLS (nothing readable on the wire) with the certificate verified', () => {
    const bytes = Buffer.concat(wire.captured);
    expect(bytes.length).toBeGreaterThan(100_000);
    expect(bytes[0]).toBe(0x16); // TLS handshake record
    expect(bytes[1]).toBe(0x03);
    const text = bytes.toString('latin1');
    for (const plain of [KEYS.rtmps, 'publish', 'FMLE', 'live']) expect(text).not.toContain(plain);
  });

  it('a wrong key ends in error with a clear message, after a few attempts, not a retry storm', () => {
    expect(badStatus.state).toBe('error');
    expect(badStatus.message).toMatch(/closed it before the stream was published.*stream key/);
    expect(badAttempts).toBeLessThanOrEqual(3);
    expect(badChecksAtError).toBeLessThanOrEqual(3);
    expect(badChecksLater).toBe(badChecksAtError);
    expect(goodState).toBe('live');
    expect(goodRemoved).toBe(true);
    console.log(`wrong key: ${badAttempts} attempts, ${badChecksAtError} on_publish checks, then error: ${badStatus.message}`);
  });

  it('preflight warns (without blocking) and presets say what this ffmpeg cannot send', () => {
    expect(preflightBad.issues.map((i) => i.code)).toContain('rtmps-required');
    expect(badStatus.warnings?.join(' ')).toMatch(/Facebook accepts only RTMPS/);
    const srt = presets.find((p) => p.id === 'srt')!;
    if (!engine.probe.capabilities.srt) expect(srt.unavailableReason).toMatch(/without SRT/);
    expect(presets.find((p) => p.id === 'youtube')?.url).toBe('rtmps://a.rtmps.youtube.com:443/live2');
  });

  it('after nginx stops and starts again the destination reconnects by itself; the others never notice', async () => {
    console.log(`nginx destination: ${reconnect.statesSeen.join(' → ')}; live again ${reconnect.msToLive} ms after nginx restarted`);
    expect(reconnect.statesSeen[0]).toBe('reconnecting');
    expect(reconnect.statesSeen.at(-1)).toBe('live');
    expect(reconnect.msToLive).toBeLessThan(8000);
    const packets = await probeVideoPackets(pulled.after);
    expect(packets.length).toBeGreaterThan(FPS * 2);
    expect(reconnect.nmsStatesDuring).toEqual(['live']);
    expect(reconnect.nmsPublishes).toBe(1);
  });

  it('no stream key appears in state, events, logs or error texts', () => {
    const text = JSON.stringify(engine.getState()) + JSON.stringify(events) + logs.join('\n') + errorsSeen.join('\n');
    for (const key of Object.values(KEYS)) expect(text).not.toContain(key);
    expect(text).toContain('****0001');
  });
});
