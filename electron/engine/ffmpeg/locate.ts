/**
 * Which ffmpeg binary the engine runs. Order: an explicit path (setting or `--ffmpeg`), then the
 * `CUTLINE_FFMPEG` environment variable, then the static binary bundled by @ffmpeg-installer.
 * A packaged Electron app keeps the binary outside the asar archive (`app.asar.unpacked`), because a
 * binary inside an archive cannot be executed.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';

export interface FfmpegLocation {
  path: string;
  source: 'explicit' | 'env' | 'bundled' | 'system';
}

/** `.../app.asar/node_modules/...` → `.../app.asar.unpacked/node_modules/...` */
export function unpackedAsarPath(path: string): string {
  return path.replace(/([\\/])app\.asar([\\/])/, '$1app.asar.unpacked$2');
}

function bundledFfmpegPath(): string | undefined {
  try {
    const require = createRequire(import.meta.url);
    const installer = require('@ffmpeg-installer/ffmpeg') as { path: string };
    return unpackedAsarPath(installer.path);
  } catch {
    return undefined;
  }
}

export function locateFfmpeg(explicit?: string, env: NodeJS.ProcessEnv = process.env): FfmpegLocation {
  if (explicit) return { path: explicit, source: 'explicit' };
  if (env.CUTLINE_FFMPEG) return { path: env.CUTLINE_FFMPEG, source: 'env' };
  const bundled = bundledFfmpegPath();
  if (bundled && existsSync(bundled)) return { path: bundled, source: 'bundled' };
  return { path: 'ffmpeg', source: 'system' };
}

/** ffprobe next to the chosen ffmpeg, or on PATH. Only tests and `cutline probe` use it. */
export function ffprobeBeside(ffmpegPath: string): string {
  const candidate = ffmpegPath.replace(/ffmpeg(\.exe)?$/i, (_m, exe: string | undefined) => `ffprobe${exe ?? ''}`);
  return candidate !== ffmpegPath && existsSync(candidate) ? candidate : 'ffprobe';
}

export function ffmpegVersion(path: string): string {
  try {
    const out = execFileSync(path, ['-hide_banner', '-version'], { encoding: 'utf8', timeout: 10_000 });
    const match = /ffmpeg version (\S+)/.exec(out);
    return match ? match[1] : 'unknown';
  } catch (error) {
    throw new Error(
      `ffmpeg could not be run from "${path}" (${(error as Error).message}). Install ffmpeg or set CUTLINE_FFMPEG to its path.`,
    );
  }
}
