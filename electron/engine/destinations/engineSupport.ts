/**
 * The bits of I/O the engine needs around destinations that are not part of a destination itself:
 * the free space where a recording goes. (The headless secret store is secrets/BoundSecrets.ts
 * over the secrets file and the environment.)
 */
import { existsSync, statfsSync } from 'node:fs';
import { dirname } from 'node:path';

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
