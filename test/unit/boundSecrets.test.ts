/**
 * Secrets bound to where they go (electron/engine/secrets/BoundSecrets.ts): a stored key reaches
 * only the destination it was stored for; legacy keys only once confirmed; none lands in the
 * state, a saved show, a muxer's command line or a log line.
 */
import { describe, expect, it } from 'vitest';
import { describeTarget, destinationSecrets, muxerArgs, secretOnCommandLine } from '../../electron/engine/destinations/targets.ts';
import { maskUrlSecrets, stripUrlSecrets, redactText } from '../../electron/engine/redact.ts';
import { BoundSecrets, decodeStoredSecret, encodeBoundSecret } from '../../electron/engine/secrets/BoundSecrets.ts';
import { MemorySecretStore } from '../../electron/engine/secrets/SecretStore.ts';
import { mapShowSecrets } from '../../electron/engine/showSecrets.ts';
import { maskSecret } from '../../electron/engine/redact.ts';
import { DestinationSpec, ShowDocument } from '../../shared/show.ts';

const d = (input: object) => DestinationSpec.parse(input);
const KEY = 'abcd-efgh-ijkl-mnop';

describe('BoundSecrets', () => {
  it('releases a key only to the same id, kind and host, with the error the issue asks for', () => {
    const store = new MemorySecretStore();
    const secrets = new BoundSecrets(store);
    const youtube = d({ id: 'youtube', kind: 'rtmp', url: 'rtmp://a.rtmp.youtube.com/live2', streamKey: KEY });
    secrets.remember(youtube);
    const fromShow = d({ id: 'youtube', kind: 'rtmp', url: 'rtmp://a.rtmp.youtube.com/live2' });
    expect(secrets.release(fromShow)).toEqual({ spec: { ...fromShow, streamKey: KEY } });
    for (const other of [
      d({ id: 'youtube', kind: 'whip', url: 'http://evil/' }),
      d({ id: 'youtube', kind: 'rtmp', url: 'rtmp://evil.example/live2' }),
      d({ id: 'youtube', kind: 'srt', url: 'srt://a.rtmp.youtube.com:9000' }),
    ]) {
      const released = secrets.release(other);
      expect(released.error).toBe("the stored key for 'youtube' belongs to rtmp://a.rtmp.youtube.com; enter a key for this destination");
      expect(JSON.stringify(released.spec)).not.toContain(KEY);
    }
  });

  it('a legacy key (id → secret) is released only after the producer confirms it, and then only there', () => {
    const store = new MemorySecretStore();
    store.set('yt', KEY);
    const secrets = new BoundSecrets(store);
    const spec = d({ id: 'yt', kind: 'rtmp', url: 'rtmps://a.rtmps.youtube.com/live2' });
    expect(secrets.release(spec).error).toMatch(/saved before keys were tied .*cutline secrets bind yt.*secret\.confirm/);
    expect(secrets.confirm(spec)).toEqual({ destinationId: 'yt', boundTo: 'rtmps://a.rtmps.youtube.com' });
    expect(secrets.release(spec).spec).toMatchObject({ streamKey: KEY });
    expect(secrets.release(d({ id: 'yt', kind: 'whip', url: 'http://127.0.0.1:9/' })).error).toMatch(/belongs to rtmps:\/\/a\.rtmps\.youtube\.com/);
    // Confirming never moves a bound key to another host.
    expect(() => secrets.confirm(d({ id: 'yt', kind: 'whip', url: 'http://127.0.0.1:9/' }))).toThrow(/is not moved/);
  });

  it('environment keys are bound to the startup show\'s destination; anything else needs a confirmation', () => {
    const secrets = new BoundSecrets(new MemorySecretStore(), { CUTLINE_WHIP_TOKEN_XDN: KEY });
    const xdn = d({ id: 'xdn', kind: 'whip', url: 'https://xdn.example/whip/live' });
    expect(secrets.release(xdn).error).toMatch(/CUTLINE_WHIP_TOKEN_XDN is not tied/);
    secrets.trustStartupShow([xdn]);
    expect(secrets.release(xdn).spec).toMatchObject({ token: KEY });
    expect(secrets.release(d({ id: 'xdn', kind: 'whip', url: 'http://evil/' })).spec).not.toHaveProperty('token');
  });

  it('stored values round-trip; a legacy one that looks like JSON stays legacy', () => {
    const value = encodeBoundSecret(KEY, { kind: 'rtmp', host: 'h', origin: 'rtmp://h' });
    expect(decodeStoredSecret(value)).toEqual({ secret: KEY, binding: { kind: 'rtmp', host: 'h', origin: 'rtmp://h' } });
    expect(decodeStoredSecret('{not json')).toEqual({ secret: '{not json' });
  });
});

describe('no secret on a command line, in the state, a saved show or a log', () => {
  it('an SRT passphrase is refused (ffmpeg would show it in ps), never put in the muxer args', () => {
    const srt = d({ id: 's', kind: 'srt', url: 'srt://h:9000', passphrase: 'srt-passphrase-123' });
    expect(secretOnCommandLine(srt)).toMatch(/every user of this machine can read it/);
    expect(secretOnCommandLine(d({ id: 's', kind: 'srt', url: 'srt://h:9000?passphrase=x1234567890' }))).toBeDefined();
    expect(secretOnCommandLine(d({ id: 's', kind: 'srt', url: 'srt://h:9000' }))).toBeUndefined();
    expect(muxerArgs(srt).join(' ')).not.toContain('srt-passphrase-123');
  });

  it('keys inside RTMP URL paths, user:pass@ and ?passphrase= are masked in the state and dropped from saved shows', () => {
    const show = ShowDocument.parse({
      destinations: [
        { id: 'a', kind: 'rtmp', url: `rtmp://a.rtmp.youtube.com/live2/${KEY}` },
        { id: 'b', kind: 'rtmp', url: 'rtmps://user:hunter22@h.example/app' },
        { id: 'c', kind: 'srt', url: 'srt://h:9000?streamid=x&passphrase=srtsecret123' },
        { id: 'w', kind: 'whip', url: 'https://w.example/whip', iceServers: [{ urls: 'turn:t.example', username: 'u', credential: 'turn-credential-1' }] },
      ],
    });
    const state = JSON.stringify(mapShowSecrets(show, maskSecret));
    const saved = JSON.stringify(mapShowSecrets(show, () => undefined));
    for (const text of [state, saved]) for (const secret of [KEY, 'hunter22', 'srtsecret123', 'turn-credential-1']) expect(text).not.toContain(secret);
    expect(state).toContain('rtmp://a.rtmp.youtube.com/live2/****mnop');
    expect(saved).toContain('"rtmp://a.rtmp.youtube.com/live2"');
    expect(stripUrlSecrets('srt://h:9000?streamid=x&passphrase=srtsecret123')).toBe('srt://h:9000?streamid=x');
    expect(maskUrlSecrets('rtmps://user:hunter22@h.example/app')).toBe('rtmps://user:****@h.example/app');
    expect(describeTarget(show.destinations[0])).not.toContain(KEY);
    expect(redactText(`connect rtmp://a.rtmp.youtube.com/live2/${KEY} failed`, destinationSecrets(show.destinations[0]))).not.toContain(KEY);
  });
});
