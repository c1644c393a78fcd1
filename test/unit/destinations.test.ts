/**
 * Destination pieces without servers: presets and what preflight says about program settings,
 * the muxer command lines (TLS verification, WHIP RTP), failure classification, and the headless
 * secret store (0600 file, environment first).
 */
import { mkdtempSync, statSync, writeFileSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DestinationSpec, OutputSettings } from '../../shared/show.ts';
import { BACKOFF, backoffDelayMs, isAuthFailure, isClosedBeforePublish } from '../../electron/engine/destinations/Destination.ts';
import { type PreflightContext, preflight } from '../../shared/destinationPreflight.ts';
import { listPresets, PRESETS, presetFor } from '../../shared/destinationPresets.ts';
import { muxerArgs } from '../../electron/engine/destinations/targets.ts';
import { ChunkReader, chunkMessage, decodeAmf0, encodeAmf0, MSG, parseRtmpTarget } from '../../electron/engine/destinations/rtmp.ts';
import { BoundSecrets } from '../../electron/engine/secrets/BoundSecrets.ts';
import { FileSecretStore, MemorySecretStore, secretEnvName } from '../../electron/engine/secrets/SecretStore.ts';

const ctx = (output: Partial<OutputSettings> = {}, extra: Partial<PreflightContext> = {}): PreflightContext => ({
  output: OutputSettings.parse(output),
  audio: { audibleSources: 1, masterMuted: false },
  capabilities: { srt: true, rtmps: true },
  ffmpegPath: '/usr/bin/ffmpeg',
  ...extra,
});
const spec = (s: unknown) => DestinationSpec.parse(s);
const youtube = spec({ id: 'yt', kind: 'rtmp', preset: 'youtube', url: 'rtmps://a.rtmps.youtube.com:443/live2', streamKey: 'abcd-efgh-ijkl-mnop' });
const facebook = spec({ id: 'fb', kind: 'rtmp', preset: 'facebook', url: 'rtmps://live-api-s.facebook.com:443/rtmp/', streamKey: 'FB-1234567890' });

describe('presets', () => {
  it('offer every service the issue names, with the ingest URLs of the product table', () => {
    const ids = PRESETS.map((p) => p.id);
    expect(ids).toEqual(expect.arrayContaining(['youtube', 'youtube-backup', 'facebook', 'twitch', 'red5pro-rtmp', 'red5pro-whip', 'custom-rtmp', 'custom-whip', 'srt', 'recording']));
    expect(presetFor(youtube)?.url).toBe('rtmps://a.rtmps.youtube.com:443/live2');
    expect(PRESETS.find((p) => p.id === 'youtube')?.alternateUrls?.[0].url).toBe('rtmps://b.rtmps.youtube.com:443/live2?backup=1');
    expect(presetFor(facebook)?.url).toBe('rtmps://live-api-s.facebook.com:443/rtmp/');
    expect(presetFor(spec({ id: 'x', kind: 'whip', preset: 'red5pro', url: 'https://h/live/whip/endpoint/s' }))?.id).toBe('red5pro-whip');
    expect(presetFor(spec({ id: 'x', kind: 'rtmp', preset: 'red5pro', url: 'rtmp://h:1935/live/s' }))?.id).toBe('red5pro-rtmp');
  });

  it('say clearly when this ffmpeg cannot send SRT', () => {
    const srt = listPresets({ srt: false, rtmps: true }, '/opt/ffmpeg').find((p) => p.id === 'srt')!;
    expect(srt.available).toBe(false);
    expect(srt.unavailableReason).toMatch(/without SRT.*CUTLINE_FFMPEG/);
    expect(listPresets({ srt: true, rtmps: true }, 'ffmpeg').every((p) => p.available)).toBe(true);
  });
});

describe('preflight', () => {
  it('passes YouTube with the defaults (720p30, 4.5 Mbps, keyframes every 2 s)', () => {
    expect(preflight(youtube, ctx()).issues.filter((i) => i.severity === 'warning')).toEqual([]);
  });

  it('warns about keyframes every 5 s for YouTube', () => {
    const r = preflight(youtube, ctx({ keyframeIntervalS: 5 }));
    expect(r.ok).toBe(false);
    expect(r.issues.find((i) => i.code === 'keyframe-interval')?.message).toMatch(/every 4 s.*every 5 s.*set the keyframe interval to 2 s/);
    expect(r.blocking).toBeUndefined();
  });

  it('warns about 1080p60 at 12 Mbps for Facebook', () => {
    const r = preflight(facebook, ctx({ width: 1920, height: 1080, fps: 60, videoBitrateKbps: 12_000 }));
    expect(r.issues.find((i) => i.code === 'bitrate')?.message).toMatch(/Facebook.*4\.5 Mbps–9 Mbps for 1080p60.*12 Mbps/);
  });

  it('warns when there is no audio for a service that needs it', () => {
    const r = preflight(facebook, ctx({}, { audio: { audibleSources: 0, masterMuted: false } }));
    expect(r.issues.find((i) => i.code === 'no-audio')).toMatchObject({ severity: 'warning' });
    expect(preflight(facebook, ctx({}, { audio: { audibleSources: 2, masterMuted: true } })).issues.find((i) => i.code === 'no-audio')?.message).toMatch(/muted/);
  });

  it('warns about Twitch above 6 Mbps, Facebook over plain RTMP and a VBR program', () => {
    const twitch = spec({ id: 't', kind: 'rtmp', preset: 'twitch', url: 'rtmps://ingest.global-contribute.live-video.net/app/', streamKey: 'live_123456789' });
    expect(preflight(twitch, ctx({ videoBitrateKbps: 8000, cbr: false })).issues.map((i) => i.code)).toEqual(expect.arrayContaining(['bitrate', 'cbr']));
    const plain = spec({ id: 'f', kind: 'rtmp', preset: 'facebook', url: 'rtmp://live-api-s.facebook.com:80/rtmp/', streamKey: 'k-123456789' });
    expect(preflight(plain, ctx()).issues.map((i) => i.code)).toContain('rtmps-required');
  });

  it('blocks SRT on an ffmpeg without libsrt, with what to do', () => {
    const r = preflight(spec({ id: 's', kind: 'srt', url: 'srt://h:9000' }), ctx({}, { capabilities: { srt: false, rtmps: true } }));
    expect(r.blocking).toMatch(/cannot send SRT.*CUTLINE_FFMPEG/);
  });

  it("blocks a preset URL whose placeholders were not replaced, whatever the kind", () => {
    const rtmp = preflight(spec({ id: 'x', kind: 'rtmp', preset: 'red5pro-rtmp', url: 'rtmp://{host}:1935/live/{stream}' }), ctx());
    expect(rtmp.blocking).toBe("the URL still has placeholders ({host}, {stream}): put in your server's address");
    expect(preflight(spec({ id: 's', kind: 'srt', url: 'srt://{host}:9000' }), ctx()).blocking).toMatch(/a placeholder \(\{host\}\)/);
    expect(preflight(spec({ id: 's', kind: 'srt', url: 'srt://h:9000?streamid=show' }), ctx()).blocking).toBeUndefined();
  });

  it('warns when the recording disk is nearly full', () => {
    const r = preflight(spec({ id: 'r', kind: 'recording', path: '/tmp/' }), ctx({}, { freeBytes: 200e6 }));
    expect(r.issues.find((i) => i.code === 'disk-space')?.message).toMatch(/0\.2 GB free.*minutes/);
  });
});

describe('muxer command lines', () => {
  it('send WHIP as H.264 + Opus RTP to loopback ports, constrained baseline with a keyframe every second', () => {
    const args = muxerArgs(spec({ id: 'w', kind: 'whip', url: 'https://h/whip' }), undefined, {
      videoPort: 5000, audioPort: 5002, video: 'transcode', fps: 30, videoBitrateKbps: 2500, audioBitrateKbps: 128,
    });
    const line = args.join(' ');
    expect(line).toMatch(/-profile:v baseline/);
    expect(line).toMatch(/-g 30 -keyint_min 30/);
    expect(line).toMatch(/-bf 0/);
    expect(line).toMatch(/-c:a libopus/);
    expect(line).toContain('rtp://127.0.0.1:5000?rtcpport=5000&pkt_size=1200');
    const copy = muxerArgs(spec({ id: 'w', kind: 'whip', url: 'https://h/whip', video: 'copy' }), undefined, {
      videoPort: 5000, audioPort: 5002, video: 'copy', fps: 30, videoBitrateKbps: 2500, audioBitrateKbps: 128,
    }).join(' ');
    expect(copy).toMatch(/-c:v copy -bsf:v h264_mp4toannexb/);
  });
});

describe('failure classification', () => {
  it('reconnects after 1 s growing ×1.5 with ±20% jitter, capped at 30 s', () => {
    expect(backoffDelayMs(1, () => 0.5)).toBe(1000);
    expect(backoffDelayMs(2, () => 0.5)).toBe(1500);
    expect(backoffDelayMs(3, () => 1)).toBe(Math.round(2250 * 1.2));
    expect(backoffDelayMs(3, () => 0)).toBe(Math.round(2250 * 0.8));
    expect(backoffDelayMs(50, () => 0.5)).toBe(BACKOFF.capMs);
  });

  it('does not mistake a frame counter for an HTTP 403', () => {
    expect(isAuthFailure('frame=  403 fps= 30 q=-1.0 size=  1024kB')).toBe(false);
    expect(isAuthFailure('Server error: NetStream.Publish.BadName')).toBe(true);
    expect(isAuthFailure('HTTP error 401 Unauthorized')).toBe(true);
  });
  it('tells a refused publish (closed after connecting) from a server that is down', () => {
    expect(isClosedBeforePublish('rtmp://127.0.0.1:1935/live/****1234: Input/output error')).toBe(true);
    expect(isClosedBeforePublish('Connection to tcp://127.0.0.1:1935 failed: Connection refused')).toBe(false);
  });
});

describe('secrets', () => {
  it('a file store writes 0600 and ignores a file others can read', () => {
    const dir = mkdtempSync(join(tmpdir(), 'secrets-'));
    const file = join(dir, 'cutline', 'secrets.json');
    const store = new FileSecretStore(file);
    store.set('yt', 'key-123456789');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(new FileSecretStore(file).get('yt')).toBe('key-123456789');
    const open = join(dir, 'open.json');
    writeFileSync(open, JSON.stringify({ yt: 'leaked-key' }));
    chmodSync(open, 0o644);
    const lines: string[] = [];
    expect(new FileSecretStore(open, (l) => lines.push(l)).get('yt')).toBeUndefined();
    expect(lines.join()).toMatch(/chmod 600/);
    expect(lines.join()).not.toContain('leaked-key');
  });

  it('the environment wins, named by kind and id, for the startup show\'s destination of that id', () => {
    expect(secretEnvName('rtmp', 'yt-main')).toBe('CUTLINE_STREAM_KEY_YT_MAIN');
    expect(secretEnvName('whip', 'xdn')).toBe('CUTLINE_WHIP_TOKEN_XDN');
    const file = new MemorySecretStore();
    file.set('yt-main', 'from-file');
    const secrets = new BoundSecrets(file, { CUTLINE_STREAM_KEY_YT_MAIN: 'from-env' });
    const yt = spec({ id: 'yt-main', kind: 'rtmp', url: 'rtmp://h/app' });
    secrets.trustStartupShow([yt]);
    expect(secrets.release(yt).spec).toMatchObject({ streamKey: 'from-env' });
    // A key in the spec is used as given; a masked one is replaced.
    expect(secrets.release(spec({ id: 'yt-main', kind: 'rtmp', url: 'rtmp://h/app', streamKey: 'own' })).spec).toMatchObject({ streamKey: 'own' });
    expect(secrets.release(spec({ id: 'yt-main', kind: 'rtmp', url: 'rtmp://h/app', streamKey: '****abcd' })).spec).toMatchObject({ streamKey: 'from-env' });
    // The same id pointed elsewhere gets nothing.
    expect(secrets.release(spec({ id: 'yt-main', kind: 'rtmp', url: 'rtmp://evil/app' }))).toMatchObject({ error: "the stored key for 'yt-main' belongs to rtmp://h; enter a key for this destination" });
  });
});

describe('RTMP wire format', () => {
  it('AMF0 round-trips what a publisher sends and a server answers', () => {
    const values = ['connect', 1, { app: 'live2?backup=1', type: 'nonprivate', nested: { ok: true, none: null } }, null, 'key'];
    expect(decodeAmf0(Buffer.concat(values.map((v) => encodeAmf0(v as never))))).toEqual(values);
  });

  it('chunks a message and reads it back, across chunk sizes and with extended timestamps', () => {
    const payload = Buffer.alloc(10_000, 7);
    for (const [timestamp, chunkSize] of [[1234, 4096], [0x1000000 + 5, 128]] as const) {
      const wire = chunkMessage(6, MSG.video, 1, timestamp, payload, chunkSize);
      const reader = new ChunkReader();
      reader.chunkSize = chunkSize;
      // Fed in awkward pieces, as TCP delivers.
      const got = [];
      for (let i = 0; i < wire.length; i += 999) got.push(...reader.push(wire.subarray(i, i + 999)));
      expect(got).toHaveLength(1);
      expect(got[0]).toMatchObject({ type: MSG.video, streamId: 1, timestamp });
      expect(got[0].payload.equals(payload)).toBe(true);
    }
  });

  it('splits service URLs into app and stream name as OBS and librtmp do', () => {
    expect(parseRtmpTarget('rtmps://a.rtmps.youtube.com:443/live2', 'abcd-1234')).toMatchObject({
      secure: true, host: 'a.rtmps.youtube.com', port: 443, app: 'live2', streamName: 'abcd-1234', tcUrl: 'rtmps://a.rtmps.youtube.com:443/live2',
    });
    expect(parseRtmpTarget('rtmps://b.rtmps.youtube.com:443/live2?backup=1', 'k')).toMatchObject({ app: 'live2?backup=1', streamName: 'k' });
    expect(parseRtmpTarget('rtmps://live-api-s.facebook.com:443/rtmp/', 'FB-1?s_bl=1&a=2')).toMatchObject({ app: 'rtmp', streamName: 'FB-1?s_bl=1&a=2' });
    expect(parseRtmpTarget('rtmp://xdn.example.com/live/stream1')).toMatchObject({ port: 1935, app: 'live', streamName: 'stream1' });
    expect(() => parseRtmpTarget('rtmp://host/live')).toThrow(/no stream name/);
  });
});
