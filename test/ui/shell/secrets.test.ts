/** Stream keys at rest: encrypted with the OS keychain's cipher, never in plain text on disk. */
import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { EncryptedFileSecretStore, fillSecrets, type SecretCipher, secretRef } from '../../../electron/main/SecretStore.ts';

/** Stands for safeStorage: reversible, and visibly not plain text. */
const cipher = (strong = true): SecretCipher => ({
  strong: () => strong,
  encrypt: (plain) => Buffer.from(`enc:${Buffer.from(plain).toString('hex').split('').reverse().join('')}`),
  decrypt: (data) => Buffer.from(data.toString().slice(4).split('').reverse().join(''), 'hex').toString(),
});

describe('EncryptedFileSecretStore', () => {
  it('writes only ciphertext, owner-readable, and reads it back after a restart', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'cutline-secrets-')), 'secrets.json');
    const logs: string[] = [];
    const store = new EncryptedFileSecretStore(file, cipher(), (l) => logs.push(l));
    store.set('rtmp:yt@rtmps://a.rtmps.youtube.com:443/live2', 'abcd-efgh-ijkl-mnop');
    const onDisk = readFileSync(file, 'utf8');
    expect(onDisk).not.toContain('abcd-efgh');
    expect(onDisk).toContain('rtmp:yt@');
    if (process.platform !== 'win32') expect(statSync(file).mode & 0o777).toBe(0o600);
    const again = new EncryptedFileSecretStore(file, cipher(), (l) => logs.push(l));
    expect(again.get('rtmp:yt@rtmps://a.rtmps.youtube.com:443/live2')).toBe('abcd-efgh-ijkl-mnop');
    again.delete('rtmp:yt@rtmps://a.rtmps.youtube.com:443/live2');
    expect(new EncryptedFileSecretStore(file, cipher()).get('rtmp:yt@rtmps://a.rtmps.youtube.com:443/live2')).toBeUndefined();
    expect(logs.join('\n')).not.toContain('abcd');
  });

  it('keeps secrets in memory only when the OS offers no real encryption', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cutline-secrets-'));
    const logs: string[] = [];
    const store = new EncryptedFileSecretStore(join(dir, 'secrets.json'), cipher(false), (l) => logs.push(l));
    store.set('rtmp:a@rtmp://h/live', 'key-123456');
    expect(store.get('rtmp:a@rtmp://h/live')).toBe('key-123456');
    expect(store.persistent).toBe(false);
    expect(() => readFileSync(join(dir, 'secrets.json'))).toThrow();
    expect(logs.join('\n')).toMatch(/memory for this session/);
  });
});

describe('secrets and show documents', () => {
  it('refers to a secret by kind, id and URL', () => {
    expect(secretRef({ id: 'x', kind: 'whip', url: 'https://xdn/live/whip/endpoint/s' })).toBe('whip:x@https://xdn/live/whip/endpoint/s');
    expect(secretRef({ id: 'r', kind: 'recording', path: '/tmp' } as never)).toBeUndefined();
  });

  it('fills in missing keys, but never over a key the document has, nor from a masked one', () => {
    const store = new EncryptedFileSecretStore('/nonexistent/secrets.json', cipher(false));
    store.set('rtmp:yt@rtmps://y/live2', 'stored-key');
    store.set('srt:s@srt://h:9000', 'stored-pass');
    const show = {
      name: 'x',
      destinations: [
        { id: 'yt', kind: 'rtmp', url: 'rtmps://y/live2' },
        { id: 'yt2', kind: 'rtmp', url: 'rtmps://y/live2', streamKey: 'own-key' },
        { id: 's', kind: 'srt', url: 'srt://h:9000', passphrase: '****pass' },
        { id: 'rec', kind: 'recording', path: '/tmp/' },
      ],
    };
    expect((fillSecrets(show, store) as typeof show).destinations).toEqual([
      { id: 'yt', kind: 'rtmp', url: 'rtmps://y/live2', streamKey: 'stored-key' },
      { id: 'yt2', kind: 'rtmp', url: 'rtmps://y/live2', streamKey: 'own-key' },
      { id: 's', kind: 'srt', url: 'srt://h:9000', passphrase: 'stored-pass' },
      { id: 'rec', kind: 'recording', path: '/tmp/' },
    ]);
    expect(fillSecrets('not a show', store)).toBe('not a show');
  });
});
