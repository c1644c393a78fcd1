/**
 * One private temp folder per test run, removed when the run ends, so tests leave nothing behind.
 *
 * Tests, helpers and the engine make their folders with mkdtemp under os.tmpdir() (recordings,
 * nginx and stunnel configs, node-media-server's store, FrameChannel sockets, Chromium profiles via
 * playwright) and do not all remove them, least of all when a test fails or kills a process. Rather
 * than clean up in every test, this points TMPDIR at a fresh folder before any worker starts: each
 * forked worker inherits it (vitest copies process.env when it starts the pool), so os.tmpdir() in
 * tests and every child they spawn (the CLI, ffmpeg, nginx, Chromium) uses it. The folder is then
 * deleted as a whole. Concurrent runs each get their own folder and never touch another's.
 *
 * The engine's Unix sockets live two folders down (<tmp>/cutline-XXXXXX/cutline-frames-XXXXXX/
 * <pid>-<n>.sock): keep this name short, macOS allows 103 bytes for a socket path.
 *
 * The CLI's data folder (shared-object journal, secrets file) would otherwise be ~/.cutline and
 * ~/.config/cutline: CUTLINE_DATA_DIR keeps it in the run's folder too, away from the user's own.
 * CUTLINE_MEDIA_DIR makes the run's folder the engines' media folder.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const VARS = ['TMPDIR', 'TMP', 'TEMP', 'CUTLINE_DATA_DIR', 'CUTLINE_MEDIA_DIR'] as const;

export default function setup(): () => void {
  const saved = new Map(VARS.map((name) => [name, process.env[name]]));
  const dir = mkdtempSync(join(tmpdir(), 'cutline-'));
  // TMP and TEMP are what os.tmpdir() reads on Windows.
  process.env.TMPDIR = process.env.TMP = process.env.TEMP = dir;
  process.env.CUTLINE_DATA_DIR = join(dir, 'data');
  // Engines read and write files only inside media folders (docs/SECURITY.md): the run's
  // folder is one, so tests' recordings, show files and media stay allowed (and in it).
  process.env.CUTLINE_MEDIA_DIR = dir;

  let removed = false;
  const remove = () => {
    if (removed) return;
    removed = true;
    // Children killed at the end of a test may still be writing for a moment: retry.
    rmSync(dir, { recursive: true, force: true, maxRetries: 5, retryDelay: 200 });
  };
  // If vitest ends without running the teardown, still remove it: on an error or process.exit,
  // and on Ctrl+C or SIGTERM (vitest turns those into process.exit). It does not handle SIGHUP (a
  // closed terminal), which would kill it with no 'exit' event: remove the folder, then die of it.
  const onHangup = () => {
    remove();
    if (process.listenerCount('SIGHUP') === 0) process.kill(process.pid, 'SIGHUP');
  };
  process.once('exit', remove);
  process.once('SIGHUP', onHangup);

  return () => {
    process.off('exit', remove);
    process.off('SIGHUP', onHangup);
    remove();
    for (const [name, value] of saved) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  };
}
