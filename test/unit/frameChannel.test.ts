/**
 * How decoded frames reach Node: the FrameChannel (a Unix socket read straight into two frame
 * buffers) with a real child process, and a real ffmpeg decoder through both transports — the
 * channel and the pipe fallback Windows uses — giving the same picture.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { locateFfmpeg } from '../../electron/engine/ffmpeg/locate.ts';
import { FrameChannel } from '../../electron/engine/media/FrameChannel.ts';
import { Source } from '../../electron/engine/sources/Source.ts';
import { waitUntil } from '../helpers/servers.ts';

const unix = FrameChannel.supported();

describe.skipIf(!unix)('FrameChannel', () => {
  it('delivers every frame whole and in order, whatever sizes the child writes in', async () => {
    const frameSize = 100_003; // odd on purpose: no write or read lines up with a frame
    const frameCount = 40;
    const frames: number[][] = [];
    const seen = new Set<ArrayBufferLike>();
    const channel = await FrameChannel.open(frameSize, (frame) => {
      seen.add(frame.buffer);
      // Check each frame now: the buffer is reused two frames later.
      frames.push([frame.length, frame[0], frame[frameSize - 1], frame.every((b) => b === frame[0]) ? 1 : 0]);
    });
    // The child writes frame i as frameSize bytes of value i, in chunks of random sizes.
    const writer = `
      const size = ${frameSize}, count = ${frameCount};
      const all = Buffer.alloc(size * count);
      for (let i = 0; i < count; i++) all.fill(i, i * size, (i + 1) * size);
      let at = 0;
      (function next() {
        if (at >= all.length) return;
        const n = Math.min(all.length - at, 1 + Math.floor(Math.random() * 300000));
        process.stdout.write(all.subarray(at, at + n), next);
        at += n;
      })();`;
    const child = spawn(process.execPath, ['-e', writer], { stdio: ['ignore', channel.childEnd, 'inherit'] });
    channel.childSpawned();
    await new Promise((resolve) => child.on('exit', resolve));
    await waitUntil(() => frames.length === frameCount, 5000, 'all frames');
    channel.close();
    expect(frames).toEqual(Array.from({ length: frameCount }, (_, i) => [frameSize, i, i, 1]));
    // Two buffers in turn, not one allocation per frame.
    expect(seen.size).toBeLessThanOrEqual(2);
  });

  it('lets the child write nothing and exit without hanging or throwing', async () => {
    let frames = 0;
    const channel = await FrameChannel.open(1000, () => frames++);
    const child = spawn(process.execPath, ['-e', 'process.stdout.write(Buffer.alloc(1500))'], { stdio: ['ignore', channel.childEnd, 'inherit'] });
    channel.childSpawned();
    await new Promise((resolve) => child.on('exit', resolve));
    channel.close();
    expect(frames).toBe(1); // the half frame at the end is dropped
  });

  it('refuses a socket path longer than the OS takes (the caller then reads a pipe), binding nothing', async () => {
    const deep = join(tmpdir(), 'd'.repeat(100));
    mkdirSync(deep);
    const saved = process.env.TMPDIR;
    process.env.TMPDIR = deep;
    try {
      vi.resetModules(); // a fresh module: its private socket folder goes under the deep TMPDIR
      const fresh = (await import('../../electron/engine/media/FrameChannel.ts')).FrameChannel;
      await expect(fresh.open(1000, () => {})).rejects.toThrow(/too long/);
    } finally {
      process.env.TMPDIR = saved;
    }
    // Node would bind the path cut short: a stray socket next to the deep folder or inside it.
    const walk = (dir: string): string[] => readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(join(dir, e.name)) : [join(dir, e.name)]));
    expect(walk(deep)).toEqual([]);
    expect(readdirSync(tmpdir()).filter((name) => name.startsWith('ddd'))).toEqual([deep.split('/').pop()]);
  });
});

describe('a decoder through each frame transport', () => {
  let source: Source | undefined;
  // What the program clock does every tick: put the next decoded frame on screen.
  let ticker: NodeJS.Timeout | undefined;
  const tick = (s: Source) => {
    ticker = setInterval(() => s.advanceFrame(), 1000 / 30);
  };
  afterEach(async () => {
    clearInterval(ticker);
    await source?.close();
  });

  for (const transport of ['socket', 'pipe'] as const) {
    it.skipIf(transport === 'socket' && !unix)(`${transport}: the test pattern's colour arrives at the cell size`, async () => {
      source = new Source(
        { id: 'red', kind: 'testPattern', color: '#ff0000', gainDb: 0, muted: false, slateAfterS: 3 },
        { ffmpegPath: locateFfmpeg().path, fps: 30, hwaccel: 'none', drawtextFont: undefined, frameTransport: transport },
      );
      source.target = { width: 160, height: 90, fit: 'fit' };
      await source.prepare();
      source.start();
      tick(source);
      await waitUntil(() => source?.status().state === 'live', 10_000, 'live');
      await new Promise((resolve) => setTimeout(resolve, 100));
      const frame = source.latestFrame;
      expect(frame?.width).toBe(160);
      expect(frame?.data.length).toBe(160 * 90 * 1.5);
      // Pure red in BT.601 limited range: Y 81, U 90, V 240 (±2 for the scaler's rounding).
      const y = frame?.data[160 * 45 + 80] ?? 0;
      const u = frame?.data[160 * 90 + 80 * 22 + 40] ?? 0;
      const v = frame?.data[160 * 90 * 1.25 + 80 * 22 + 40] ?? 0;
      expect([y, u, v].map((x, i) => Math.abs(x - [81, 90, 240][i]) <= 2)).toEqual([true, true, true]);
    });

    it.skipIf(transport === 'socket' && !unix)(`${transport}: a restarted decoder's last picture stays intact until the new one delivers`, async () => {
      const spec = { id: 'clock', kind: 'testPattern', label: 'a', gainDb: 0, muted: false, slateAfterS: 3 } as const;
      source = new Source(spec, { ffmpegPath: locateFfmpeg().path, fps: 30, hwaccel: 'none', drawtextFont: undefined, frameTransport: transport });
      source.target = { width: 320, height: 180, fit: 'fit' };
      await source.prepare();
      source.start();
      tick(source);
      await waitUntil(() => source?.status().state === 'live', 10_000, 'live');
      for (let round = 0; round < 3; round++) {
        // A busy event loop: the old decoder's frames wait unread in the socket or pipe.
        const until = Date.now() + 200;
        while (Date.now() < until);
        await source.update({ ...spec, label: `restart ${round}` }); // a label change restarts a test pattern
        const held = source.latestFrame;
        const before = Buffer.from(held?.data ?? []);
        while (source.latestFrame === held) {
          expect(held?.data.equals(before), `round ${round}: the held frame changed`).toBe(true);
          await new Promise((resolve) => setImmediate(resolve));
        }
      }
    });
  }
});
