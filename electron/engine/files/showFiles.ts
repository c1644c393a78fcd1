/**
 * Reading and writing show files for `show.load {path}` and `show.save {path}`, held to the media
 * folders (MediaAccess). Saving writes only `*.json`, atomically (a temp file in the same folder,
 * fsync, rename, fsync of the folder), and never replaces a file that is not a Cutline show or
 * write through a symbolic link. Loading reads at most MAX_SHOW_FILE_BYTES of a regular file and
 * never puts the file's bytes in an error (a caller could otherwise read any file through them).
 */
import { randomBytes } from 'node:crypto';
import { constants as fsConstants } from 'node:fs';
import { type FileHandle, lstat, open, rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { ProtocolError } from '../../../shared/protocol.ts';
import type { MediaAccess } from './MediaAccess.ts';

export const MAX_SHOW_FILE_BYTES = 4 << 20;

/** Top-level keys of a show document (shared/show.ts). */
const SHOW_KEYS = new Set(['version', 'name', 'output', 'sources', 'layout', 'preview', 'transition', 'audio', 'destinations', 'overlays', 'objects', 'webrtc']);

/** A JSON object whose keys are all show keys (a Cutline show, maybe of an older shape). */
export function looksLikeShow(value: unknown): boolean {
  if (!value || typeof value !== 'object' || Array.isArray(value)) return false;
  const keys = Object.keys(value);
  return keys.length > 0 && keys.every((k) => SHOW_KEYS.has(k)) && ((value as { version?: unknown }).version ?? 1) === 1;
}

/** Reads at most `max` bytes of a regular file; undefined (no bytes) when it is larger. */
async function readBounded(fh: FileHandle, max: number): Promise<Buffer | undefined> {
  const buf = Buffer.alloc(max + 1);
  let length = 0;
  while (length < buf.length) {
    const { bytesRead } = await fh.read(buf, length, buf.length - length, length);
    if (bytesRead === 0) break;
    length += bytesRead;
  }
  return length > max ? undefined : buf.subarray(0, length);
}

export async function loadShowFile(access: MediaAccess, path: string): Promise<unknown> {
  const real = access.readablePath(path, 'the show file');
  // Before opening: a FIFO would block the open, a device (/dev/zero) never end.
  if (!(await stat(real)).isFile()) throw new ProtocolError('invalid_params', `${JSON.stringify(path)} is not a regular file: a show file is a .json file`);
  let fh: FileHandle;
  try {
    fh = await open(real, fsConstants.O_RDONLY | (fsConstants.O_NONBLOCK ?? 0));
  } catch (error) {
    throw new ProtocolError('failed', `cannot read the show file ${JSON.stringify(path)} (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  try {
    const stat = await fh.stat();
    if (!stat.isFile()) throw new ProtocolError('invalid_params', `${JSON.stringify(path)} is not a regular file: a show file is a .json file`);
    if (stat.size > MAX_SHOW_FILE_BYTES) throw new ProtocolError('payload_too_large', `the show file ${JSON.stringify(path)} is larger than ${MAX_SHOW_FILE_BYTES >> 20} MiB`);
    const bytes = await readBounded(fh, MAX_SHOW_FILE_BYTES);
    if (!bytes) throw new ProtocolError('payload_too_large', `the show file ${JSON.stringify(path)} is larger than ${MAX_SHOW_FILE_BYTES >> 20} MiB`);
    let parsed: unknown;
    try {
      parsed = JSON.parse(bytes.toString('utf8'));
    } catch {
      // JSON.parse's message quotes the text: never echo a file's contents.
      throw new ProtocolError('invalid_params', `${JSON.stringify(path)} is not a JSON show document`);
    }
    // Any other JSON file would load as an empty show (unknown keys are ignored) and replace this one.
    if (!looksLikeShow(parsed)) throw new ProtocolError('invalid_params', `${JSON.stringify(path)} is not a Cutline show document`);
    return parsed;
  } finally {
    await fh.close();
  }
}

/** Whether the existing file at `real` may be replaced: a Cutline show, nothing else. */
async function replaceable(real: string, path: string): Promise<void> {
  let stat: Awaited<ReturnType<typeof lstat>>;
  try {
    stat = await lstat(real);
  } catch {
    return; // absent
  }
  const refuse = (why: string): never => {
    throw new ProtocolError('conflict', `${JSON.stringify(path)} exists and ${why}: Cutline only replaces its own show files; choose another name`);
  };
  if (stat.isSymbolicLink()) refuse('is a symbolic link');
  if (!stat.isFile()) refuse('is not a regular file');
  if (stat.size > MAX_SHOW_FILE_BYTES) refuse('is not a Cutline show');
  const fh = await open(real, 'r');
  let existing: unknown;
  try {
    const bytes = await readBounded(fh, MAX_SHOW_FILE_BYTES);
    existing = bytes ? JSON.parse(bytes.toString('utf8')) : undefined;
  } catch {
    existing = undefined;
  } finally {
    await fh.close();
  }
  if (!looksLikeShow(existing)) refuse('is not a Cutline show');
}

export async function saveShowFile(access: MediaAccess, path: string, text: string): Promise<string> {
  if (!/\.json$/i.test(path)) throw new ProtocolError('invalid_params', `show files are saved as .json: ${JSON.stringify(path)} does not end in .json`);
  const real = access.writablePath(path, 'the show file');
  await replaceable(real, path);
  const dir = dirname(real);
  const tmp = join(dir, `.${basename(real)}.${randomBytes(6).toString('hex')}.tmp`);
  let fh: FileHandle | undefined;
  try {
    // wx: a file (or link) already at the temp name is never followed.
    fh = await open(tmp, 'wx', 0o644);
    await fh.writeFile(text);
    await fh.sync();
    await fh.close();
    fh = undefined;
    await rename(tmp, real);
  } catch (error) {
    await fh?.close().catch(() => {});
    await rm(tmp, { force: true });
    throw new ProtocolError('failed', `cannot write ${JSON.stringify(path)} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
  }
  try {
    const d = await open(dir, 'r');
    await d.sync().finally(() => d.close());
  } catch {
    // Windows cannot open a folder; the renamed file itself was synced.
  }
  return real;
}
