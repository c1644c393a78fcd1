/**
 * The control API over real HTTP and WebSocket against a real engine (bundled ffmpeg): the command
 * round trip, events, and bad input — each refused with a clear error while the show runs on.
 */
import { writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { EngineState } from '../../shared/protocol.ts';
import { Engine } from '../../electron/engine/Engine.ts';
import { ApiServer } from '../../electron/engine/server/ApiServer.ts';
import { freePort, sleep, waitUntil } from '../helpers/servers.ts';

describe('control API', () => {
  let engine: Engine;
  let server: ApiServer;
  let base = '';
  const dir = mkdtempSync(join(tmpdir(), 'cutline-api-'));

  const post = async (name: string, body: unknown, headers: Record<string, string> = { 'content-type': 'application/json' }) => {
    const res = await fetch(`${base}/api/v1/commands/${name}`, { method: 'POST', headers, body: typeof body === 'string' ? body : JSON.stringify(body) });
    return { status: res.status, json: (await res.json()) as { ok: boolean; result?: unknown; error?: { code: string; message: string } } };
  };
  const state = async () => (await (await fetch(`${base}/api/v1/state`)).json()) as EngineState;

  beforeAll(async () => {
    engine = await Engine.create({
      log: () => {},
      show: {
        output: { width: 320, height: 180, fps: 15, videoBitrateKbps: 400 },
        sources: [{ id: 'a', kind: 'testPattern', color: '#ff0000' }],
        layout: { preset: 'solo', sources: ['a'] },
      },
    });
    server = new ApiServer(engine, { port: await freePort() });
    await server.listen();
    base = server.url;
  });

  afterAll(async () => {
    await server?.close();
    await engine?.close();
  });

  it('serves the whole state and runs commands', async () => {
    await waitUntil(async () => (await state()).sources[0]?.state === 'live', 10_000, 'source live');
    const add = await post('source.add', { id: 'b', kind: 'testPattern', color: '#00ff00', toneHz: 500 });
    expect(add).toMatchObject({ status: 200, json: { ok: true, result: { id: 'b' } } });
    expect((await post('layout.set', { preset: 'sideBySide', sources: ['a', 'b'] })).json.ok).toBe(true);
    expect((await post('audio.set', { id: 'b', gainDb: -6 })).json.result).toEqual({ id: 'b', gainDb: -6, muted: false });
    const s = await state();
    expect(s.show.layout).toMatchObject({ preset: 'sideBySide', sources: ['a', 'b'] });
    expect(s.show.sources.map((x) => x.id)).toEqual(['a', 'b']);
    expect(s.program.encoder.name).toBe('libx264');
  });

  it('refuses bad input with a clear error and changes nothing', async () => {
    const before = await state();
    const notMedia = join(dir, 'notes.txt');
    writeFileSync(notMedia, 'this is not a video\n');
    const cases = [
      { name: 'source.add', body: { id: 'x', kind: 'hologram' }, status: 400, code: 'invalid_params', text: /kind/ },
      { name: 'source.add', body: { id: 'f', kind: 'file', path: join(dir, 'missing.mp4') }, status: 422, code: 'failed', text: /file not found/ },
      { name: 'source.add', body: { id: 'f', kind: 'file', path: notMedia }, status: 422, code: 'failed', text: /not a media file/ },
      { name: 'source.add', body: { id: 'a', kind: 'testPattern' }, status: 409, code: 'conflict', text: /already exists/ },
      { name: 'destination.start', body: { id: 'nope' }, status: 404, code: 'not_found', text: /no destination with id "nope"/ },
      { name: 'source.remove', body: { id: 'ghost' }, status: 404, code: 'not_found', text: /ghost/ },
      { name: 'layout.set', body: { preset: 'grid', sources: ['a', 'ghost'] }, status: 404, code: 'not_found', text: /ghost/ },
      { name: 'layout.set', body: { preset: 'diagonal' }, status: 400, code: 'invalid_params', text: /preset/ },
      { name: 'teleport.now', body: {}, status: 404, code: 'unknown_command', text: /unknown command/ },
    ];
    for (const c of cases) {
      const r = await post(c.name, c.body);
      expect(r.status, `${c.name} ${JSON.stringify(c.body)}`).toBe(c.status);
      expect(r.json.ok).toBe(false);
      expect(r.json.error?.code).toBe(c.code);
      expect(r.json.error?.message).toMatch(c.text);
    }
    const malformed = await post('layout.set', '{"preset": "solo",');
    expect(malformed.status).toBe(400);
    expect(malformed.json.error?.message).toMatch(/not valid JSON/);
    const wrongType = await post('layout.set', 'preset=solo', { 'content-type': 'text/plain' });
    expect(wrongType.status).toBe(415);
    expect(wrongType.json.error?.message).toMatch(/Content-Type: application\/json/);
    // Give the clock a few ticks (15 fps) so "the program ran on" can be seen.
    await sleep(300);
    const after = await state();
    expect(after.show.sources).toEqual(before.show.sources);
    expect(after.show.layout).toEqual(before.show.layout);
    expect(after.program.framesOut).toBeGreaterThan(before.program.framesOut);
  });

  it('a URL that does not answer becomes a source in error with the reason, and the program runs on', async () => {
    const port = await freePort();
    const r = await post('source.add', { id: 'remote', kind: 'url', url: `rtmp://127.0.0.1:${port}/live/nothing` });
    expect(r.json.ok).toBe(true);
    await waitUntil(async () => (await state()).sources.find((s) => s.id === 'remote')?.state === 'error', 10_000, 'remote in error');
    const remote = (await state()).sources.find((s) => s.id === 'remote')!;
    expect(remote.message).toMatch(/connection refused|could not open|cannot open/i);
    expect(remote.message).toMatch(/retrying/);
    const frames = (await state()).program.framesOut;
    await sleep(1000);
    expect((await state()).program.framesOut - frames).toBeGreaterThanOrEqual(12);
    expect((await post('source.remove', { id: 'remote' })).json.ok).toBe(true);
  });

  it('refuses requests from other web origins', async () => {
    const res = await fetch(`${base}/api/v1/state`, { headers: { origin: 'https://evil.example' } });
    expect(res.status).toBe(403);
  });

  it('speaks the same commands over the WebSocket, with events and opt-in meters', async () => {
    const ws = new WebSocket(`${base.replace('http', 'ws')}/api/v1/ws`);
    const messages: { type: string; event?: string; requestId?: number; ok?: boolean }[] = [];
    ws.on('message', (d) => messages.push(JSON.parse(String(d))));
    await new Promise((r) => ws.once('open', r));
    await waitUntil(() => messages.some((m) => m.type === 'hello'), 3000, 'hello');
    await sleep(500);
    expect(messages.some((m) => m.event === 'meters.updated')).toBe(false);
    ws.send(JSON.stringify({ type: 'request', requestId: 1, command: 'meters.subscribe', params: { enabled: true } }));
    ws.send(JSON.stringify({ type: 'request', requestId: 2, command: 'preview.set', params: { preset: 'solo', sources: ['b'] } }));
    ws.send(JSON.stringify({ type: 'request', requestId: 3, command: 'program.take', params: { kind: 'cut' } }));
    ws.send('not json');
    await waitUntil(() => messages.filter((m) => m.event === 'meters.updated').length >= 5, 3000, 'meters');
    expect(messages.find((m) => m.requestId === 3)?.ok).toBe(true);
    expect(messages.some((m) => m.event === 'program.layoutChanged')).toBe(true);
    expect(messages.some((m) => m.type === 'response' && m.ok === false)).toBe(true);
    expect((await state()).show.layout).toMatchObject({ preset: 'solo', sources: ['b'] });
    ws.close();
  });

  it('requires the bearer token when one is set (as on any non-loopback address)', async () => {
    const guarded = new ApiServer(engine, { port: await freePort(), token: 'let-me-in-123' });
    await guarded.listen();
    try {
      expect((await fetch(`${guarded.url}/api/v1/state`)).status).toBe(401);
      expect((await fetch(`${guarded.url}/api/v1/state`, { headers: { authorization: 'Bearer wrong-token-00' } })).status).toBe(401);
      expect((await fetch(`${guarded.url}/api/v1/state`, { headers: { authorization: 'Bearer let-me-in-123' } })).status).toBe(200);
    } finally {
      await guarded.close();
    }
  });
});
