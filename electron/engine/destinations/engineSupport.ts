/**
 * The bits of I/O the engine needs around destinations that are not part of a destination itself:
 * the default headless secret store and the free space where a recording goes.
 */
import { existsSync, statfsSync } from 'node:fs';
import { dirname } from 'node:path';
import type { DestinationSpec } from '../../../shared/show.ts';
import { defaultSecretsFile, EnvSecretStore, FileSecretStore, type SecretStore } from '../secrets/SecretStore.ts';

/** Environment first (CUTLINE_STREAM_KEY_<ID>, ...), then the 0600 secrets file. */
export function headlessSecretStore(kindOf: (id: string) => DestinationSpec['kind'] | undefined, log: (line: string) => void): SecretStore {
  return new EnvSecretStore(kindOf, new FileSecretStore(defaultSecretsFile(), log));
}

/** Free bytes on the file system a recording path is on (undefined when unknown). */
export function destinationFreeBytes(path: string): number | undefined {
  let dir = /[\\/]$/.test(path) ? path : dirname(path);
  if (existsSync(path) && !/[\\/]$/.test(path)) dir = path;
  while (dir && !existsSync(dir)) {
    const up = dirname(dir);
    if (up === dir) break;
    dir = up;
  }
  try {
    const s = statfsSync(dir);
    return Number(s.bavail) * Number(s.bsize);
  } catch {
    return undefined;
  }
}
