/**
 * The Open dialog's "recent shows": paths on the engine's machine that were opened or saved from
 * this desk, newest first, at most MAX_RECENT_SHOWS, no duplicates. Kept in the page's
 * localStorage under one versioned key (per origin: one list per engine for the browser desk, one
 * for the desktop app). Everything here is pure except that reading and writing take the storage
 * as a parameter and never throw: a full, disabled or corrupt storage costs the list, not the desk.
 */

export const RECENT_SHOWS_KEY = 'cutline.recentShows.v1';
export const MAX_RECENT_SHOWS = 8;
/** Longer strings are not paths anyone typed; they are dropped when read back. */
const MAX_PATH_LENGTH = 4096;

/** What a stored path must look like: a non-empty string without NUL, of sane length. */
export function isRecentPath(value: unknown): value is string {
  return typeof value === 'string' && value.trim() === value && value.length > 0 && value.length <= MAX_PATH_LENGTH && !value.includes('\0');
}

/** `path` first, any earlier entry for it dropped, at most `max` kept. Invalid paths change nothing. */
export function addRecentShow(list: readonly string[], path: string, max = MAX_RECENT_SHOWS): string[] {
  const entry = path.trim();
  if (!isRecentPath(entry)) return [...list];
  return [entry, ...list.filter((p) => p !== entry)].slice(0, max);
}

export function removeRecentShow(list: readonly string[], path: string): string[] {
  return list.filter((p) => p !== path);
}

/**
 * The list from its stored text. Anything unexpected (no value, not JSON, not an array) gives an
 * empty list; entries that are not valid paths are skipped, duplicates keep their newest place, and
 * the cap is applied, so a hand-edited or older value can never break the dialog.
 */
export function parseRecentShows(raw: string | null | undefined, max = MAX_RECENT_SHOWS): string[] {
  if (!raw) return [];
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    return [];
  }
  if (!Array.isArray(value)) return [];
  const out: string[] = [];
  for (const item of value) {
    if (out.length >= max) break;
    if (isRecentPath(item) && !out.includes(item)) out.push(item);
  }
  return out;
}

export function serializeRecentShows(list: readonly string[]): string {
  return JSON.stringify(list);
}

/** The file name to show in large type: the last part of a POSIX or Windows path. */
export function showFileName(path: string): string {
  const trimmed = path.replace(/[\\/]+$/, '');
  const name = trimmed.split(/[\\/]/).pop();
  return name || path;
}

/** The part of Storage this needs (localStorage in the page, a Map in tests). */
export interface RecentShowsStorage {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
}

export function readRecentShows(storage: RecentShowsStorage | undefined): string[] {
  try {
    return parseRecentShows(storage?.getItem(RECENT_SHOWS_KEY));
  } catch {
    return [];
  }
}

/** False when the storage refused (quota, disabled, private mode); the list then lives for this page only. */
export function writeRecentShows(storage: RecentShowsStorage | undefined, list: readonly string[]): boolean {
  if (!storage) return false;
  try {
    storage.setItem(RECENT_SHOWS_KEY, serializeRecentShows(list));
    return true;
  } catch {
    return false;
  }
}
