/** Stream keys at rest: encrypted with the OS keychain's cipher, never in plain text on disk. */
import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { EncryptedFileSecretStore, rememberSecret, type SecretCipher } from '../../../electron/main/SecretStore.ts';
import { BoundSecrets, decodeStoredSecret } from '../../../electron/engine/secrets/BoundSecrets.ts';

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
    store.set('yt', 'abcd-efgh-ijkl-mnop');
    const onDisk = readFileSync(file, 'utf8');
    expect(onDisk).not.toContain('abcd-efgh');
    expect(onDisk).toContain('"yt"');
    if (process.platform !== 'win32') expect(statSync(file).mode & 0o777).toBe(0o600);
    const again = new EncryptedFileSecretStore(file, cipher(), (l) => logs.push(l));
    expect(again.get('yt')).toBe('abcd-efgh-ijkl-mnop');
    again.delete('yt');
    expect(new EncryptedFileSecretStore(file, cipher()).get('yt')).toBeUndefined();
    expect(logs.join('\n')).not.toContain('abcd');
  });

  it('keeps secrets in memory only when the OS offers no real encryption', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cutline-secrets-'));
    const logs: string[] = [];
    const store = new EncryptedFileSecretStore(join(dir, 'secrets.json'), cipher(false), (l) => logs.push(l));
    store.set('a', 'key-123456');
    expect(store.get('a')).toBe('key-123456');
    expect(store.persistent).toBe(false);
    expect(() => readFileSync(join(dir, 'secrets.json'))).toThrow();
    expect(logs.join('\n')).toMatch(/memory for this session/);
  });
});

describe('the desktop store and the engine', () => {
  it('keeps a destination’s secret under its id, never a masked one, and the engine finds it there', () => {
    const store = new EncryptedFileSecretStore('/nonexistent/secrets.json', cipher(false));
    rememberSecret({ id: 'yt', kind: 'rtmp', url: 'rtmps://y/live2', streamKey: 'stored-key' }, store);
    rememberSecret({ id: 'fb', kind: 'rtmp', url: 'rtmps://f/rtmp/', streamKey: '****abcd' }, store);
    rememberSecret({ id: 's', kind: 'srt', url: 'srt://h:9000', passphrase: 'stored-passphrase' }, store);
    rememberSecret({ id: 'rec', kind: 'recording', path: '/tmp/' }, store);
    expect(decodeStoredSecret(store.get('yt') ?? '')).toEqual({ secret: 'stored-key', binding: { kind: 'rtmp', host: 'y', origin: 'rtmps://y' } });
    expect(store.get('fb')).toBeUndefined();
    expect(decodeStoredSecret(store.get('s') ?? '').secret).toBe('stored-passphrase');
    // A show file has no keys; the engine fills them from this store when the destination starts —
    // only for the destination they were stored for.
    const engineSide = new BoundSecrets(store);
    expect(engineSide.release({ id: 'yt', kind: 'rtmp', url: 'rtmps://y/live2', enabled: true }).spec).toMatchObject({ streamKey: 'stored-key' });
    expect(engineSide.release({ id: 'yt', kind: 'whip', url: 'http://evil/whip', enabled: true, video: 'transcode' })).toMatchObject({ error: expect.stringMatching(/belongs to rtmps:\/\/y/) });
  });
});
