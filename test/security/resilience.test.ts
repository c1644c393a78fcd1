/**
 * Nothing kills the show, against a real `cutline serve` recording a program: a recording's
 * timed-data sidecar that cannot be written (a folder in its place) is a warning on the recording
 * while the engine, the program and the recording go on; a show.load that fails — a file source
 * that is not media, one that does not exist — leaves the old show on air, still recording.
 */
import { mkdirSync, mkdtempSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Cutline, SMALL_OUTPUT, startCutline } from '../helpers/attackTarget.ts';
import { probeStreams } from '../helpers/media.ts';
import { sleep, waitUntil } from '../helpers/servers.ts';

describe('the show goes on', () => {
  let cutline: Cutline;

  beforeAll(async () => {
    cutline = await startCutline(mkdtempSync(join(tmpdir(), 'sec-resilience-')), {
      show: {
        name: 'on air',
        output: SMALL_OUTPUT,
        sources: [{ id: 'bars', kind: 'testPattern', color: '#a03030' }],
        layout: { preset: 'solo', sources: ['bars'] },
        objects: [{ id: 'score', type: 'kv' }],
      },
    });
    // A folder where the recording's sidecar would go: writing it fails with EISDIR.
    mkdirSync(join(cutline.mediaDir, 'rec.data.jsonl'));
    writeFileSync(join(cutline.mediaDir, 'notes.txt'), 'not a video\n');
    await waitUntil(async () => (await cutline.state()).program.framesOut > 0, 20_000, 'program running');
  });

  afterAll(async () => {
    await cutline?.stop();
  });

  const recording = async () => (await cutline.state()).destinations.find((d) => d.id === 'rec');

  it('an unwritable sidecar is a warning on the recording; the engine and the recording keep running', async () => {
    expect((await cutline.post('destination.add', { id: 'rec', kind: 'recording', path: 'rec.mkv' })).status).toBe(200);
    await cutline.post('destination.start', { id: 'rec' });
    await waitUntil(async () => (await recording())?.state === 'live', 15_000, 'recording live');
    await sleep(500);
    for (let i = 0; i < 5; i++) expect((await cutline.post('object.op', { id: 'score', op: 'set', args: { key: 'home', value: i } })).status).toBe(200);
    await waitUntil(async () => ((await recording())?.warnings ?? []).some((w) => /timed-data file .* cannot be written/.test(w)), 10_000, 'sidecar warning');
    const frames = (await cutline.state()).program.framesOut;
    const bytes = (await recording())?.bytesSent ?? 0;
    await sleep(1500);
    expect(cutline.alive()).toBe(true);
    expect((await cutline.state()).program.framesOut).toBeGreaterThan(frames + 10);
    expect((await recording())?.state).toBe('live');
    expect((await recording())?.bytesSent ?? 0).toBeGreaterThan(bytes);
    expect(cutline.output()).toMatch(/rec\.data\.jsonl cannot be written \(EISDIR\)/);
  });

  it('a show.load that fails mid-recording leaves the old show on air and recording', async () => {
    const before = await cutline.state();
    const bad = [
      { show: { name: 'replacement', output: SMALL_OUTPUT, sources: [{ id: 'clip', kind: 'file', path: 'notes.txt' }] } },
      { show: { name: 'replacement', output: SMALL_OUTPUT, sources: [{ id: 'clip', kind: 'file', path: 'missing.mp4' }] } },
      { show: { name: 'replacement', sources: [{ id: 'x', kind: 'url', url: 'http://169.254.169.254/live.m3u8' }] } },
      { path: 'notes.txt' },
    ];
    for (const params of bad) {
      const answer = await cutline.post('show.load', params);
      expect(answer.status).toBeGreaterThanOrEqual(400);
      expect(answer.status).toBeLessThan(500);
      expect(answer.json.error?.message).toBeTruthy();
    }
    const bytes = (await recording())?.bytesSent ?? 0;
    const frames = (await cutline.state()).program.framesOut;
    await sleep(1500);
    const after = await cutline.state();
    expect(after.show.name).toBe('on air');
    expect(after.sources.map((s) => [s.id, s.state])).toEqual(before.sources.map((s) => [s.id, 'live']));
    expect(after.program.framesOut).toBeGreaterThan(frames + 10);
    const rec = after.destinations.find((d) => d.id === 'rec');
    expect(rec?.state).toBe('live');
    expect(rec?.bytesSent ?? 0).toBeGreaterThan(bytes);
    await cutline.post('destination.stop', { id: 'rec' });
    const file = join(cutline.mediaDir, 'rec.mkv');
    expect(statSync(file).size).toBeGreaterThan(10_000);
    expect((await probeStreams(file)).map((s) => s.codec_type)).toContain('video');
  });
});
