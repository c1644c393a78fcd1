import { describe, expect, it } from 'vitest';
import { SourceSpec } from '../../shared/show.ts';
import { buildDecoderArgs, drawtextSafe } from '../../electron/engine/sources/decoderArgs.ts';
import { loopPlaylistText } from '../../electron/engine/sources/LoopPlaylist.ts';
import { ffconcatScript, needsSecretInput } from '../../electron/engine/sources/secretInput.ts';

const target = { width: 640, height: 360, fit: 'fit' as const };
const ctx = { fps: 30, hwaccel: 'none' as const, hasAudio: true, hasVideo: true };

describe('source decoder command lines', () => {
  it('test pattern: colour at the cell size, tone, raw video on fd 1 and PCM on fd 3', () => {
    const args = buildDecoderArgs(SourceSpec.parse({ id: 'a', kind: 'testPattern', color: '#112233', toneHz: 440 }), target, { ...ctx, drawtextFont: null });
    const joined = args.join(' ');
    expect(joined).toContain('color=c=0x112233:s=640x360:r=30');
    expect(joined).toContain('sine=frequency=440:sample_rate=48000');
    expect(joined).toContain('-f rawvideo -pix_fmt yuv420p -vsync passthrough pipe:1');
    expect(joined).toContain('-ac 2 -ar 48000 -f s16le pipe:3');
    expect(joined).toContain('drawtext=text=');
  });

  it('file: loops, resumes where it was, and maps audio only when the file has it', () => {
    const spec = SourceSpec.parse({ id: 'f', kind: 'file', path: '/m/clip.mp4' });
    const args = buildDecoderArgs(spec, target, { ...ctx, hasAudio: false, startAtS: 12.5 });
    expect(args).toEqual(expect.arrayContaining(['-stream_loop', '-1', '-ss', '12.500', '-i', '/m/clip.mp4']));
    expect(args.join(' ')).not.toContain('pipe:3');
  });

  it('looped file with a playlist: read through the concat demuxer, played once: the file itself', () => {
    const spec = SourceSpec.parse({ id: 'f', kind: 'file', path: '/m/clip.mp4' });
    const looped = buildDecoderArgs(spec, target, { ...ctx, loopPlaylist: '/tmp/x/loop.ffconcat', startAtS: 3 });
    // Only files, even through the playlist: a concat script cannot reach the network.
    expect(looped.join(' ')).toContain('-re -stream_loop -1 -f concat -safe 0 -ss 3.000 -threads 3 -protocol_whitelist file -i /tmp/x/loop.ffconcat');
    const once = buildDecoderArgs(SourceSpec.parse({ ...spec, loop: false }), target, { ...ctx, loopPlaylist: '/tmp/x/loop.ffconcat' });
    expect(once.join(' ')).toContain('-re -threads 3 -protocol_whitelist file -i /m/clip.mp4');
    expect(once.join(' ')).not.toContain('concat');
  });

  it('loop playlist: a day of passes, quotes in paths escaped the ffconcat way', () => {
    const text = loopPlaylistText("/m/it's.mp4", 10);
    const lines = text.trim().split('\n');
    expect(lines[0]).toBe('ffconcat version 1.0');
    expect(lines).toHaveLength(1 + 8640);
    expect(lines[1]).toBe("file '/m/it'\\''s.mp4'");
    expect(loopPlaylistText('/m/a.mp4', 0.01).trim().split('\n')).toHaveLength(1 + 100_000);
  });

  it('files and streams decode on 3 frame threads on every machine: lip sync includes that delay', () => {
    const threadsBeforeInput = (args: string[]) => {
      const i = args.indexOf('-threads');
      return i >= 0 && i < args.indexOf('-i') ? args[i + 1] : undefined;
    };
    const file = SourceSpec.parse({ id: 'f', kind: 'file', path: '/m/clip.mp4', loop: false });
    const url = SourceSpec.parse({ id: 'u', kind: 'url', url: 'rtmp://example.com/live/cam' });
    expect(threadsBeforeInput(buildDecoderArgs(file, target, ctx))).toBe('3');
    expect(threadsBeforeInput(buildDecoderArgs(url, target, ctx))).toBe('3');
    // Hardware decoding keeps its own arguments.
    expect(threadsBeforeInput(buildDecoderArgs(file, target, { ...ctx, hwaccel: 'vaapi' }))).toBeUndefined();
  });

  it('device: hardware decode is never applied to camera frames', () => {
    const spec = SourceSpec.parse({ id: 'd', kind: 'device', video: '/dev/video0' });
    const args = buildDecoderArgs(spec, target, { ...ctx, hwaccel: 'cuda', hasAudio: false, platform: 'linux' });
    expect(args.join(' ')).not.toMatch(/cuda/);
    expect(args.join(' ')).toContain('/dev/video0');
  });

  it('url: network timeouts so a dead server is noticed', () => {
    const args = buildDecoderArgs(SourceSpec.parse({ id: 'u', kind: 'url', url: 'rtmp://h/live/x' }), target, ctx);
    expect(args).toEqual(expect.arrayContaining(['-rw_timeout', '10000000', '-i', 'rtmp://h/live/x']));
  });

  it('labels cannot break out of the drawtext filter', () => {
    expect(drawtextSafe("Host's cam: 1,2;[x]")).toBe('Hosts cam 12x');
  });
  it('a URL with a password (RTSP user:pass@, SRT passphrase) goes in on stdin as an ffconcat script, not in argv', () => {
    const rtsp = "rtsp://admin:s3cr'et@10.0.0.5:554/stream1";
    const srt = 'srt://10.0.0.6:9000?mode=caller&passphrase=long-enough-pass';
    for (const url of [rtsp, srt]) {
      expect(needsSecretInput(url)).toBe(true);
      const args = buildDecoderArgs(SourceSpec.parse({ id: 'cam', kind: 'url', url }), target, ctx);
      expect(args.join(' ')).not.toMatch(/s3cr|long-enough-pass|10\.0\.0/);
      expect(args).toEqual(expect.arrayContaining(['-f', 'concat', '-safe', '0', '-i', 'pipe:0']));
      // The whitelist is still the scheme's own protocols, plus the pipe the script comes through.
      expect(args[args.indexOf('-protocol_whitelist') + 1]).toMatch(/^pipe,(rtsp|srt)\b/);
    }
    // A quote in the password is escaped the ffconcat way; RTSP keeps TCP interleaving as an option.
    expect(ffconcatScript(rtsp)).toBe("ffconcat version 1.0\nfile 'rtsp://admin:s3cr'\\''et@10.0.0.5:554/stream1'\noption rtsp_transport tcp\n");
    expect(ffconcatScript(srt)).toBe(`ffconcat version 1.0\nfile '${srt}'\n`);
    // Without credentials, or on other schemes, the URL stays an ordinary -i argument.
    expect(needsSecretInput('rtsp://10.0.0.5/stream1')).toBe(false);
    expect(needsSecretInput('rtmp://u:p@h/live/x')).toBe(false);
  });
});
