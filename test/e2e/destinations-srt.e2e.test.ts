/**
 * SRT: with an ffmpeg built with libsrt (Debian's), the program goes to an SRT listener and
 * arrives as H.264 + AAC in MPEG-TS; a destination with a passphrase is refused with why (ffmpeg
 * would carry it in its command line, readable by every user of the machine) and no muxer starts;
 * with an ffmpeg without libsrt (the bundled static build), starting says so clearly instead of
 * failing obscurely.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Engine } from '../../electron/engine/Engine.ts';
import { MemorySecretStore } from '../../electron/engine/secrets/SecretStore.ts';
import { probeStreams, probeVideoPackets, SYSTEM_FFMPEG } from '../helpers/media.ts';
import { freePort, sleep, waitUntil } from '../helpers/servers.ts';

const PASSPHRASE = 'srt-secret-passphrase-0010';
const systemHasSrt = (() => {
  try {
    return /\bsrt\b/.test(execFileSync(SYSTEM_FFMPEG, ['-hide_banner', '-protocols'], { encoding: 'utf8' }));
  } catch {
    return false;
  }
})();

const show = (url: string, passphrase?: string) => ({
  name: 'srt e2e',
  output: { width: 320, height: 180, fps: 30, videoBitrateKbps: 600, keyframeIntervalS: 1 },
  sources: [{ id: 'bars', kind: 'testPattern', toneHz: 440 }],
  layout: { preset: 'solo', sources: ['bars'] },
  destinations: [{ id: 'srt', kind: 'srt', url, ...(passphrase ? { passphrase } : {}) }],
});

describe('SRT destination', () => {
  let engine: Engine | undefined;
  let listener: ChildProcess | undefined;
  afterAll(async () => {
    await engine?.close();
    listener?.kill('SIGKILL');
  });

  it.skipIf(!systemHasSrt)('refuses a passphrase (it would be in the muxer\'s command line) without starting a muxer', async () => {
    const e = await Engine.create({ ffmpegPath: SYSTEM_FFMPEG, log: () => {}, secrets: new MemorySecretStore(), show: show('srt://127.0.0.1:9', PASSPHRASE) });
    try {
      await e.dispatch('destination.start', { id: 'srt' });
      const status = e.getState().destinations[0];
      expect(status.state).toBe('error');
      expect(status.message).toMatch(/passphrase would be on the muxer's command line.*Cutline refuses/);
      expect(e.processes().destinations.srt).toBeUndefined();
      expect(JSON.stringify(e.getState())).not.toContain(PASSPHRASE);
    } finally {
      await e.close();
    }
  });

  it.skipIf(!systemHasSrt)('sends the program to an SRT listener (ffmpeg with libsrt)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cutline-srt-'));
    const out = join(dir, 'received.ts');
    const port = await freePort();
    listener = spawn(SYSTEM_FFMPEG, ['-nostdin', '-v', 'error', '-i', `srt://127.0.0.1:${port}?mode=listener`, '-c', 'copy', '-f', 'mpegts', '-y', out]);
    await sleep(500);
    engine = await Engine.create({ ffmpegPath: SYSTEM_FFMPEG, log: () => {}, secrets: new MemorySecretStore(), show: show(`srt://127.0.0.1:${port}`) });
    await engine.dispatch('destination.start', { id: 'srt' });
    await waitUntil(() => engine!.getState().destinations[0].state === 'live', 15_000, 'srt live');
    await sleep(5000);
    await engine.close();
    // The listener may wait for another caller: end it once the stream is over.
    if (listener.exitCode === null && listener.signalCode === null) {
      const exited = new Promise((r) => listener!.once('exit', r));
      setTimeout(() => listener?.kill('SIGINT'), 2000);
      await exited;
    }
    const streams = await probeStreams(out);
    expect(streams.map((s) => s.codec_name).sort()).toEqual(['aac', 'h264']);
    expect((await probeVideoPackets(out)).length).toBeGreaterThan(30 * 4);
  });

  it('says clearly when the ffmpeg in use cannot send SRT', async () => {
    const e = await Engine.create({ log: () => {}, secrets: new MemorySecretStore(), show: show('srt://127.0.0.1:9') });
    try {
      if (e.probe.capabilities.srt) return; // this ffmpeg can: nothing to refuse
      await e.dispatch('destination.start', { id: 'srt' });
      const status = e.getState().destinations[0];
      expect(status.state).toBe('error');
      expect(status.message).toMatch(/cannot send SRT \(built without libsrt\).*CUTLINE_FFMPEG/);
    } finally {
      await e.close();
    }
  });
});
