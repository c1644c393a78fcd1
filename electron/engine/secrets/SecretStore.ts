/**
 * Where stream keys, WHIP tokens and SRT passphrases live when they are not in the show document
 * (show files are shared and versioned, so `show.save` strips secrets from them).
 *
 * The engine only needs `SecretStore`. Implementations:
 * - Desktop: the Electron main process implements it with safeStorage (the OS keychain) — see
 *   electron/main/SecretStore.ts; it is handed to the engine, which never imports Electron.
 * - Headless (`cutline run|serve`): `FileSecretStore`, a JSON file readable only by the user (0600)
 *   in ~/.config/cutline/secrets.json (or `$CUTLINE_DATA_DIR/secrets.json`), plus the environment:
 *   `CUTLINE_STREAM_KEY_<ID>` (for rtmp), `CUTLINE_WHIP_TOKEN_<ID>`, `CUTLINE_SRT_PASSPHRASE_<ID>`,
 *   where <ID> is the destination id upper-cased with `-` as `_`. The environment wins over the file.
 *
 * Keys are destination ids; each value is bound to the destination it was stored for (kind and
 * host), and released only to it: BoundSecrets.ts. Secrets are never logged; `redact.ts` masks them
 * everywhere else.
 */
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import type { DestinationSpec } from '../../../shared/show.ts';

export interface SecretStore {
  get(id: string): string | undefined;
  set(id: string, secret: string): void;
  delete(id: string): void;
}

/** A store that keeps secrets in memory only (tests; a desktop without a keychain). */
export class MemorySecretStore implements SecretStore {
  private readonly secrets = new Map<string, string>();
  get(id: string): string | undefined {
    return this.secrets.get(id);
  }
  set(id: string, secret: string): void {
    this.secrets.set(id, secret);
  }
  delete(id: string): void {
    this.secrets.delete(id);
  }
}

export function defaultSecretsFile(env: NodeJS.ProcessEnv = process.env): string {
  if (env.CUTLINE_DATA_DIR) return join(env.CUTLINE_DATA_DIR, 'secrets.json');
  const config = env.XDG_CONFIG_HOME || join(homedir(), '.config');
  return join(config, 'cutline', 'secrets.json');
}

/**
 * Secrets in a JSON file only the user can read or write. Refuses (with a message saying how to
 * fix it) to read a file that other users can read, as ssh does for private keys.
 */
export class FileSecretStore implements SecretStore {
  private secrets: Record<string, string> = {};

  constructor(
    readonly file: string = defaultSecretsFile(),
    private readonly log: (line: string) => void = () => {},
  ) {
    if (!existsSync(file)) return;
    const mode = statSync(file).mode & 0o777;
    if (process.platform !== 'win32' && (mode & 0o077) !== 0) {
      this.log(`the secrets file ${file} is readable by other users (mode ${mode.toString(8)}); it is ignored until you run: chmod 600 ${file}`);
      return;
    }
    try {
      const parsed = JSON.parse(readFileSync(file, 'utf8')) as unknown;
      if (parsed && typeof parsed === 'object')
        for (const [id, value] of Object.entries(parsed)) if (typeof value === 'string') this.secrets[id] = value;
    } catch (error) {
      this.log(`the secrets file ${file} could not be read (${(error as Error).message}); starting without stored keys`);
    }
  }

  get(id: string): string | undefined {
    return Object.hasOwn(this.secrets, id) ? this.secrets[id] : undefined;
  }

  /** The destination ids with a stored secret (`cutline secrets list`). */
  ids(): string[] {
    return Object.keys(this.secrets);
  }

  set(id: string, secret: string): void {
    if (this.secrets[id] === secret) return;
    this.secrets[id] = secret;
    this.save();
  }

  delete(id: string): void {
    if (!(id in this.secrets)) return;
    delete this.secrets[id];
    this.save();
  }

  private save(): void {
    mkdirSync(dirname(this.file), { recursive: true, mode: 0o700 });
    const tmp = `${this.file}.${process.pid}.tmp`;
    // Created 0600 from the start: the secret is never on disk with wider permissions.
    writeFileSync(tmp, `${JSON.stringify(this.secrets, null, 2)}\n`, { mode: 0o600 });
    renameSync(tmp, this.file);
    try {
      chmodSync(this.file, 0o600);
    } catch {
      // Windows has no POSIX modes; the file is in the user's own profile.
    }
  }
}

const ENV_PREFIX: Record<DestinationSpec['kind'], string | undefined> = {
  rtmp: 'CUTLINE_STREAM_KEY_',
  whip: 'CUTLINE_WHIP_TOKEN_',
  srt: 'CUTLINE_SRT_PASSPHRASE_',
  recording: undefined,
};

/** `yt-main` → `CUTLINE_STREAM_KEY_YT_MAIN` for an rtmp destination. */
export function secretEnvName(kind: DestinationSpec['kind'], id: string): string | undefined {
  const prefix = ENV_PREFIX[kind];
  return prefix ? `${prefix}${id.toUpperCase().replace(/-/g, '_')}` : undefined;
}
