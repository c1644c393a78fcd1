/**
 * How a looped file is played: as an ffconcat playlist naming the file over and over, read by
 * ffmpeg's concat demuxer, instead of `-stream_loop -1`.
 *
 * Why: at every loop `-stream_loop` flushes the decoders (an AAC file loses its last 1024-sample
 * frame) and offsets the timestamps of the next pass by the longest stream plus a frame, which is
 * neither the picture's length nor the sound's. With `-re` pacing by those timestamps, sound and
 * picture each paused a different amount at every seam (a 10 s clip: 42 ms of sound, 27 ms of
 * picture, and 16 ms of sound lost), so the A/V offset moved at every loop (−6, −13, +13 ms …)
 * with a gap at the seam. The concat demuxer keeps one decoder across passes and offsets both
 * streams by the same file duration: every pass has the same A/V offset and the sound has no gap
 * (at most the file's own end padding, < 1 AAC frame). Measured in test/e2e/av-sync.e2e.test.ts.
 *
 * The list covers a day; past it `-stream_loop` repeats the whole list (one imperfect seam a day).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const COVER_S = 24 * 3600;
const MAX_ENTRIES = 100_000;

/** The playlist text: `file` lines for `path`, enough to cover a day of `durationS`-long passes. */
export function loopPlaylistText(path: string, durationS: number): string {
  const entries = Math.max(2, Math.min(MAX_ENTRIES, Math.ceil(COVER_S / Math.max(durationS, 0.001))));
  // Inside single quotes ffconcat takes everything literally, except a quote: close, escape, reopen.
  const line = `file '${resolve(path).replace(/'/g, "'\\''")}'\n`;
  return `ffconcat version 1.0\n${line.repeat(entries)}`;
}

export class LoopPlaylist {
  private readonly dir: string;
  readonly path: string;

  /** Writes the playlist in a private (0700) folder of its own. */
  constructor(file: string, durationS: number) {
    this.dir = mkdtempSync(join(tmpdir(), 'cutline-loop-'));
    this.path = join(this.dir, 'loop.ffconcat');
    writeFileSync(this.path, loopPlaylistText(file, durationS), { mode: 0o600 });
  }

  remove(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}
