/** The `cutline` command as a user runs it: a real child process, real ffmpeg, real files. */
import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { probeDuration, probeStreams } from '../helpers/media.ts';

const exec = promisify(execFile);
const CLI = join(import.meta.dirname, '..', '..', 'bin', 'cutline.js');

function cutline(args: string[], timeout = 60_000) {
  return exec(process.execPath, [CLI, ...args], { timeout }).then(
    (r) => ({ code: 0, stdout: r.stdout, stderr: r.stderr }),
    (e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, stdout: e.stdout, stderr: e.stderr }),
  );
}

describe('cutline CLI', () => {
  it('run: plays a show for --duration, stops cleanly, exits 0, and the recording plays', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cutline-cli-'));
    const show = join(dir, 'show.json');
    writeFileSync(
      show,
      JSON.stringify({
        version: 1,
        name: 'CLI test',
        output: { width: 320, height: 180, fps: 25, videoBitrateKbps: 500 },
        sources: [
          { id: 'a', kind: 'testPattern', color: '#ff8800', toneHz: 300 },
          { id: 'b', kind: 'testPattern' },
        ],
        layout: { preset: 'sideBySide', sources: ['a', 'b'] },
        destinations: [{ id: 'rec', kind: 'recording', path: `${dir}/` }],
      }),
    );
    const r = await cutline(['run', show, '--duration', '5']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/Recording finalized: .*CLI-test-\d{8}-\d{6}\.mkv/);
    const file = readdirSync(dir).find((f) => f.endsWith('.mkv'))!;
    const streams = await probeStreams(join(dir, file));
    expect(streams.map((s) => s.codec_name).sort()).toEqual(['aac', 'h264']);
    // --duration counts time on air (from the recording going live), so start-up does not eat into it.
    expect(await probeDuration(join(dir, file))).toBeGreaterThan(4.5);
  });

  it('run: an invalid show exits non-zero naming the bad field', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cutline-cli-'));
    const show = join(dir, 'bad.json');
    writeFileSync(show, JSON.stringify({ sources: [{ id: 'a', kind: 'testPattern' }, { id: 'b', kind: 'laser' }] }));
    const r = await cutline(['run', show, '--duration', '1']);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/sources\.1\.kind/);
  });

  it('probe: prints JSON naming the ffmpeg, the encoders, and libx264 chosen here', async () => {
    const r = await cutline(['probe']);
    expect(r.code, r.stderr).toBe(0);
    const probe = JSON.parse(r.stdout);
    expect(probe.ffmpeg.path).toMatch(/ffmpeg/);
    expect(probe.chosen.encoder).toBe('libx264');
    expect(probe.chosen.reason).toBeTruthy();
    expect(probe.encoders.some((e: { name: string; works: boolean }) => e.name === 'libx264' && e.works)).toBe(true);
  });
});
