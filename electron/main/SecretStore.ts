/**
 * Stream keys, WHIP tokens and SRT passphrases for the desktop app, encrypted with the operating
 * system's keychain (Electron safeStorage) into one file in the user data folder. It implements
 * the engine's SecretStore (keyed by destination id) and is handed to Engine.create: show files
 * never contain secrets (the engine strips them), so this is where a producer's keys survive a
 * restart. Secrets are never logged; only destination ids appear in messages.
 *
 * The cipher is passed in, so this module has no Electron import and is tested with a fake one.
 */
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { SecretStore as EngineSecretStore } from '../engine/secrets/SecretStore.ts';

export interface SecretStore extends EngineSecretStore {
  /** False when secrets live only in memory for this session (no usable OS keychain). */
  readonly persistent: boolean;
}

/** What safeStorage provides; `strong` is false for Linux's plain-text fallback backend. */
export interface SecretCipher {
  strong(): boolean;
  encrypt(plain: string): Buffer;
  decrypt(cipher: Buffer): string;
}

export class EncryptedFileSecretStore implements SecretStore {
  private readonly secrets = new Map<string, string>();
  readonly persistent: boolean;

  constructor(
    private readonly file: string,
    private readonly cipher: SecretCipher,
    private readonly log: (line: string) => void = () => {},
  ) {
    this.persistent = cipher.strong();
    if (!this.persistent) {
      this.log('no OS keychain available: stream keys are kept in memory for this session only');
      return;
    }
    if (!existsSync(file)) return;
    try {
      const stored = JSON.parse(readFileSync(file, 'utf8')) as Record<string, string>;
      for (const [ref, encoded] of Object.entries(stored)) {
        try {
          this.secrets.set(ref, cipher.decrypt(Buffer.from(encoded, 'base64')));
        } catch {
          this.log(`a stored secret (${ref}) could not be decrypted and was dropped`);
        }
      }
    } catch (error) {
      this.log(`the secrets file could not be read (${(error as Error).message}); starting without stored keys`);
    }
  }

  get(ref: string): string | undefined {
    return this.secrets.get(ref);
  }

  set(ref: string, secret: string): void {
    if (this.secrets.get(ref) === secret) return;
    this.secrets.set(ref, secret);
    this.save();
  }

  delete(ref: string): void {
    if (this.secrets.delete(ref)) this.save();
  }

  private save(): void {
    if (!this.persistent) return;
    const out: Record<string, string> = {};
    for (const [ref, secret] of this.secrets) out[ref] = this.cipher.encrypt(secret).toString('base64');
    mkdirSync(dirname(this.file), { recursive: true });
    const tmp = `${this.file}.tmp`;
    writeFileSync(tmp, `${JSON.stringify(out, null, 2)}\n`, { mode: 0o600 });
    renameSync(tmp, this.file);
    try {
      chmodSync(this.file, 0o600);
    } catch {
      // Windows has no POSIX modes; the file is in the user's own profile folder.
    }
  }
}

// The destination id → secret bookkeeping is the engine's (protocol sessions keep keys there),
// bound to the destination's kind and host (electron/engine/secrets/BoundSecrets.ts).
export { rememberDestinationSecret as rememberSecret } from '../engine/secrets/BoundSecrets.ts';
