/**
 * The soak benchmark's 3-minute version (bench/soak.ts runs it for an hour): a looped file, an
 * RTMP source, a test pattern, a clock and a live poll over the program, an RTMP destination and
 * a recording, sampled every 15 s. Memory of the second half at most 10 % above the midpoint, file
 * descriptors and handles flat, every source live with its sound within ±1 frame of its lock.
 * Late frames: a few are allowed here (CI shares its cores); the bench, on a quiet machine, 0.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runSoak, soakVerdict } from '../../bench/lib/soak.ts';

describe('soak', () => {
  it('a 3-minute show: memory, descriptors and handles flat, sources live and in sync', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cutline-soak-'));
    const samples = await runSoak({ dir, seconds: 180, sampleEveryS: 15, width: 320, height: 180 });
    for (const s of samples)
      console.log(
        `t ${s.t.toFixed(0)} s: Node ${s.nodeRssMb.toFixed(0)} MB (heap ${s.nodeHeapMb.toFixed(0)}), total ${s.totalRssMb.toFixed(0)} MB, CPU ${s.cpuPercent.toFixed(0)} %, ` +
          `fds ${s.fds}, handles ${s.handles}, late ${s.lateFrames}, dropped ${s.droppedFrames}, lock ms ${Object.entries(s.sources).map(([id, v]) => `${id} ${v.lockErrorMs.toFixed(1)}`).join(' ')}`,
      );
    const verdict = soakVerdict(samples, { lateFramesAllowed: 30 });
    expect(samples.length).toBeGreaterThanOrEqual(12);
    expect(verdict.problems).toEqual([]);
  }, 300_000);
});
