/**
 * The path/URL policy (electron/engine/files/MediaAccess.ts) on real folders and links: what API
 * callers may read, write and open.
 */
import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  isLinkLocalOrMetadataAddress,
  MediaAccess,
  protocolWhitelistFor,
  urlCredentials,
} from '../../electron/engine/files/MediaAccess.ts';
import { buildDecoderArgs } from '../../electron/engine/sources/decoderArgs.ts';

let root: string;
let media: string;
let outside: string;
let access: MediaAccess;

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'media-access-'));
  media = join(root, 'media');
  outside = join(root, 'outside');
  mkdirSync(media);
  mkdirSync(outside);
  writeFileSync(join(media, 'clip.mp4'), 'x');
  writeFileSync(join(outside, 'secret.txt'), 'x');
  symlinkSync(join(outside, 'secret.txt'), join(media, 'link-out.txt'));
  symlinkSync(outside, join(media, 'dir-out'));
  access = new MediaAccess({ mediaDirs: [media], resolveHost: async (host) => (host === 'rebind.example' ? ['169.254.169.254'] : ['203.0.113.7']) });
});

const code = (run: () => unknown): string | undefined => {
  try {
    run();
  } catch (error) {
    return (error as { code?: string }).code;
  }
  return undefined;
};

describe('files', () => {
  it('reads inside the media folders, relative paths against the first one', () => {
    expect(access.readablePath('clip.mp4')).toBe(join(media, 'clip.mp4'));
    expect(access.readablePath(join(media, 'clip.mp4'))).toBe(join(media, 'clip.mp4'));
  });

  it('refuses traversal, absolute paths elsewhere, and links that lead out', () => {
    expect(code(() => access.readablePath('../outside/secret.txt'))).toBe('forbidden');
    expect(code(() => access.readablePath('/etc/passwd'))).toBe('forbidden');
    expect(code(() => access.readablePath('link-out.txt'))).toBe('forbidden');
    expect(code(() => access.readablePath('dir-out/secret.txt'))).toBe('forbidden');
    expect(code(() => access.writablePath('dir-out/new.json'))).toBe('forbidden');
    expect(code(() => access.writablePath('link-out.txt'))).toBe('forbidden');
  });

  it('says what to do', () => {
    expect(() => access.readablePath('/etc/passwd')).toThrow(/outside the media folders .*--media-dir/);
  });

  it('a path picked in the desktop dialog is allowed wherever it is', () => {
    const own = new MediaAccess({ mediaDirs: [media] });
    expect(code(() => own.readablePath(join(outside, 'secret.txt')))).toBe('forbidden');
    own.grant(join(outside, 'secret.txt'));
    expect(own.readablePath(join(outside, 'secret.txt'))).toBe(join(outside, 'secret.txt'));
  });

  it('recordings: folders keep their trailing slash; ffmpeg URLs become plain files inside', () => {
    expect(access.recordingPath(`${media}/`)).toBe(`${media}/`);
    expect(access.recordingPath('rec.mkv')).toBe(join(media, 'rec.mkv'));
    expect(code(() => access.recordingPath('/tmp/elsewhere.mkv'))).toBe('forbidden');
    expect(access.recordingPath('rtmp://evil/app').startsWith(media)).toBe(true);
  });

  it('image overlays: data URLs pass, URLs are refused, files must be inside', () => {
    expect(access.imageSource('data:image/png;base64,AAAA')).toMatch(/^data:/);
    expect(code(() => access.imageSource('http://169.254.169.254/latest'))).toBe('invalid_params');
    expect(code(() => access.imageSource('/etc/passwd'))).toBe('forbidden');
  });
});

describe('network sources', () => {
  const urlCode = async (url: string, a = access) => a.sourceUrl(url).then(() => undefined, (e: { code: string }) => e.code);

  it('allows the usual schemes and refuses others; udp only when configured', async () => {
    expect(await urlCode('rtmp://203.0.113.7/live/a')).toBeUndefined();
    expect(await urlCode('https://cdn.example/x.m3u8')).toBeUndefined();
    expect(await urlCode('concat:/etc/passwd|/etc/hosts')).toBe('forbidden');
    expect(await urlCode('file:///etc/passwd')).toBe('forbidden');
    expect(await urlCode('udp://239.0.0.1:1234')).toBe('forbidden');
    expect(await urlCode('udp://239.0.0.1:1234', new MediaAccess({ mediaDirs: [], allowSchemes: ['udp'] }))).toBeUndefined();
  });

  it('refuses link-local and metadata addresses, also behind a name, unless allowed', async () => {
    expect(await urlCode('http://169.254.169.254/latest/meta-data/')).toBe('forbidden');
    expect(await urlCode('http://[fe80::1]/x')).toBe('forbidden');
    expect(await urlCode('http://metadata.google.internal/computeMetadata/v1/')).toBe('forbidden');
    expect(await urlCode('http://rebind.example/x.m3u8')).toBe('forbidden');
    expect(await urlCode('rtsp://169.254.10.10/cam', new MediaAccess({ mediaDirs: [], allowHosts: ['169.254.10.10'] }))).toBeUndefined();
  });

  it('refuses credentials in the URL (they would be in the process list), except rtsp/srt, whose URL goes in on stdin', async () => {
    expect(await urlCode('rtmp://admin:hunter2@203.0.113.7/live/cam')).toBe('invalid_params');
    expect(await urlCode('https://admin:hunter2@203.0.113.7/cam.m3u8')).toBe('invalid_params');
    expect(await urlCode('rtsp://admin:hunter2@203.0.113.7/cam')).toBeUndefined();
    expect(await urlCode('srt://203.0.113.7:9000?passphrase=abcdefghij')).toBeUndefined();
    expect(urlCredentials('rtmp://h/app?key=1')).toMatch(/key/);
  });

  it('addresses', () => {
    expect(isLinkLocalOrMetadataAddress('169.254.1.1')).toBe(true);
    expect(isLinkLocalOrMetadataAddress('::ffff:169.254.169.254')).toBe(true);
    expect(isLinkLocalOrMetadataAddress('febf::1')).toBe(true);
    expect(isLinkLocalOrMetadataAddress('fd00:ec2::254')).toBe(true);
    expect(isLinkLocalOrMetadataAddress('10.0.0.1')).toBe(false);
    expect(isLinkLocalOrMetadataAddress('fc00::1')).toBe(false);
  });

  it('decoders get the scheme\'s protocol whitelist, files only `file`', () => {
    expect(protocolWhitelistFor('https://x/a.m3u8')).not.toMatch(/file|concat|subfile/);
    const ctx = { fps: 30, hwaccel: 'none' as const, hasAudio: true, hasVideo: true };
    const target = { width: 320, height: 180, fit: 'fit' as const };
    const url = buildDecoderArgs({ id: 'u', kind: 'url', url: 'https://x/a.m3u8', reconnect: true, gainDb: 0, muted: false, slateAfterS: 3 }, target, ctx);
    expect(url[url.indexOf('-protocol_whitelist') + 1]).toBe('http,https,tls,tcp,crypto,httpproxy');
    const file = buildDecoderArgs({ id: 'f', kind: 'file', path: '/m/a.mp4', loop: true, gainDb: 0, muted: false, slateAfterS: 3 }, target, ctx);
    expect(file[file.indexOf('-protocol_whitelist') + 1]).toBe('file');
    expect(file.indexOf('-protocol_whitelist')).toBeLessThan(file.indexOf('-i'));
  });
});
