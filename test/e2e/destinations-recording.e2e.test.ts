/**
 * A recording survives a crash: `cutline run show.json` records to Matroska, then is SIGKILLed,
 * (1) the engine alone (its muxer sees end of input and closes the file), and (2) the engine with
 * every ffmpeg it started, as a power cut or the OS would (no muxer gets to write anything more).
 * Either way the file must play, up to within ~2 s of the kill. File names carry the show name and
 * time, and a second recording never overwrites the first.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { probeStreams, probeVideoPackets } from '../helpers/media.ts';
import { sleep, waitUntil } from '../helpers/servers.ts';

const RECORD_S = 8;

async function recordThenKill(dir: string, killGroup: boolean): Promise<{ file: string; recordedS: number; files: string[] }> {
  const show = join(dir, 'show.json');
  writeFileSync(
    show,
    JSON.stringify({
      name: 'Crash Test: Finals',
      output: { width: 320, height: 180, fps: 30, videoBitrateKbps: 600, keyframeIntervalS: 1 },
      sources: [{ id: 'bars', kind: 'testPattern', toneHz: 440 }],
      layout: { preset: 'solo', sources: ['bars'] },
      destinations: [{ id: 'rec', kind: 'recording', path: `${dir}/` }],
    }),
  );
  const before = new Set(readdirSync(dir));
  const child: ChildProcess = spawn(process.execPath, ['bin/cutline.js', 'run', show, '--duration', '120'], {
    cwd: process.cwd(),
    stdio: ['ignore', 'pipe', 'pipe'],
    // Its own process group, so (2) can kill the engine and all its ffmpeg processes at once.
    detached: killGroup,
  });
  let out = '';
  child.stdout?.on('data', (c: Buffer) => (out += c));
  child.stderr?.on('data', (c: Buffer) => (out += c));
  await waitUntil(() => /destination rec: live/.test(out), 30_000, `recording live (output: ${out})`);
  const liveAt = Date.now();
  await sleep(RECORD_S * 1000);
  const killedAt = Date.now();
  const exited = new Promise((r) => child.once('exit', r));
  if (killGroup) process.kill(-child.pid!, 'SIGKILL');
  else child.kill('SIGKILL');
  await exited;
  await sleep(1500);
  const files = readdirSync(dir).filter((f) => !before.has(f) && f.endsWith('.mkv'));
  return { file: join(dir, files[0]), recordedS: (killedAt - liveAt) / 1000, files };
}

describe('recording survives a crash', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cutline-crash-'));
  for (const killGroup of [false, true]) {
    it(`after SIGKILL of ${killGroup ? 'the engine and all its ffmpeg processes' : 'the engine'} the file plays to within 2 s of the kill`, async () => {
      const { file, recordedS, files } = await recordThenKill(dir, killGroup);
      expect(files).toHaveLength(1);
      expect(file).toMatch(/Crash-Test-Finals-\d{8}-\d{6}(-\d+)?\.mkv$/);
      const streams = await probeStreams(file);
      expect(streams.map((s) => s.codec_name).sort()).toEqual(['aac', 'h264']);
      const packets = await probeVideoPackets(file);
      const lastS = Math.max(...packets.map((p) => p.pts_time));
      console.log(`${killGroup ? 'group' : 'engine'} SIGKILL after ${recordedS.toFixed(1)} s live: file plays ${lastS.toFixed(2)} s, ${packets.length} frames`);
      expect(lastS).toBeGreaterThan(recordedS - 2);
      // Every frame up to there decodes (no gap at 30 fps).
      expect(packets.length).toBeGreaterThan(lastS * 30 * 0.98);
    }, 60_000);
  }

  it('two recordings of the same show never overwrite each other', () => {
    const mkvs = readdirSync(dir).filter((f) => f.endsWith('.mkv'));
    expect(mkvs).toHaveLength(2);
    expect(new Set(mkvs).size).toBe(2);
  });
});
