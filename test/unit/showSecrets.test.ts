import { describe, expect, it } from 'vitest';
import { ShowDocument } from '../../shared/show.ts';
import { maskSecret } from '../../electron/engine/redact.ts';
import { mapShowSecrets } from '../../electron/engine/showSecrets.ts';

const show = ShowDocument.parse({
  sources: [{ id: 'pull', kind: 'whep', url: 'https://xdn/whep/a', token: 'whep-token-abcdef' }],
  destinations: [
    { id: 'yt', kind: 'rtmp', url: 'rtmps://a.rtmps.youtube.com:443/live2', streamKey: 'abcd-efgh-ijkl-mnop' },
    { id: 'x', kind: 'whip', url: 'https://xdn/whip', token: 'whip-token-123456' },
    { id: 's', kind: 'srt', url: 'srt://h:9000', passphrase: 'srt-pass-phrase-1' },
    { id: 'r', kind: 'recording', path: '/tmp/' },
  ],
  webrtc: { iceServers: [{ urls: 'turn:turn.example:3478', username: 'u', credential: 'turn-secret-999' }], programToken: 'program-token-42' },
});
const secrets = ['whep-token-abcdef', 'abcd-efgh-ijkl-mnop', 'whip-token-123456', 'srt-pass-phrase-1', 'turn-secret-999', 'program-token-42'];

describe('show secrets', () => {
  it('masks every secret for the state API', () => {
    const text = JSON.stringify(mapShowSecrets(show, maskSecret));
    for (const secret of secrets) expect(text).not.toContain(secret);
    expect(text).toContain('****mnop');
    expect(text).toContain('"username":"u"');
  });

  it('drops every secret from saved show files, keeping the rest', () => {
    const saved = mapShowSecrets(show, () => undefined);
    const text = JSON.stringify(saved);
    for (const secret of secrets) expect(text).not.toContain(secret);
    expect(saved.destinations[0]).toEqual({ id: 'yt', kind: 'rtmp', url: 'rtmps://a.rtmps.youtube.com:443/live2', enabled: true });
    expect(ShowDocument.safeParse(saved).success).toBe(true);
  });
});
