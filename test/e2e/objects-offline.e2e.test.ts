/**
 * The engine with shared objects on Redis keeps the show going when Redis goes away (issue #14):
 * a real engine (ffmpeg program), a real redis-server SIGKILLed for 5 s. The program keeps its
 * frame rate, the poll overlay keeps its last state, state says "objects offline", ops are refused
 * 503 `unavailable` with a retry hint, and everything resumes by itself once Redis is back.
 * Starts ffmpeg: run under the media lock.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Engine } from '../../electron/engine/Engine.ts';
import { ApiServer } from '../../electron/engine/server/ApiServer.ts';
import type { PollState } from '../../shared/objects.ts';
import { httpClient } from '../helpers/objects.ts';
import { startRedis, type TestRedis } from '../helpers/redis.ts';
import { freePort, sleep, waitUntil } from '../helpers/servers.ts';

const FPS = 15;
let redis: TestRedis;
let engine: Engine;
let server: ApiServer;

beforeAll(async () => {
  redis = await startRedis({ appendfsync: 'always' });
  engine = await Engine.create({
    log: () => {},
    show: {
      output: { width: 320, height: 180, fps: FPS, videoBitrateKbps: 300 },
      sources: [{ id: 'cam', kind: 'testPattern', color: '#404850' }],
      layout: { preset: 'solo', sources: ['cam'] },
      objects: [{ id: 'poll', type: 'poll', options: {} }],
      objectsBackend: { kind: 'redis', url: redis.url },
    },
  });
  server = new ApiServer(engine, { port: await freePort() });
  await server.listen();
}, 60_000);

afterAll(async () => {
  await server?.close();
  await engine?.close();
  await redis?.stop();
});

describe('Redis away for 5 s under a running program', () => {
  it('keeps the frame rate and the last state, refuses ops 503 unavailable, then resumes by itself', async () => {
    const api = httpClient(server.url);
    expect(await api.command('object.op', { id: 'poll', op: 'open', args: { question: 'Q?', options: ['a', 'b'] } })).toMatchObject({ ok: true });
    expect(await api.command('object.op', { id: 'poll', op: 'vote', args: { voter: 'v1', option: 1 } })).toMatchObject({ ok: true, result: { version: 2 } });
    await waitUntil(() => engine.getState().program.framesOut > FPS, 20_000, 'program running');
    expect(engine.getState().objects).toEqual({ backend: 'redis', online: true });

    const statuses: boolean[] = [];
    const unsubscribe = engine.onAnyEvent((m) => {
      if (m.event === 'objects.statusChanged') statuses.push((m.data as { online: boolean }).online);
    });
    await redis.kill();
    const framesBefore = engine.getState().program.framesOut;
    const t0 = performance.now();
    await waitUntil(() => engine.getState().objects?.online === false, 3000, 'state says offline');
    expect(engine.getState().objects?.message).toMatch(/objects offline/);
    const refused = await api.command('object.op', { id: 'poll', op: 'vote', args: { voter: 'v2', option: 0 } });
    expect(refused.status).toBe(503);
    expect(refused).toMatchObject({ ok: false, error: { code: 'unavailable', reason: 'objects_offline' } });
    expect((refused as { error: { message: string } }).error.message).toMatch(/retry in \d+ s/);
    // Reads (and the overlays, which read the same) keep the last state.
    const frozen = await api.command('object.get', { id: 'poll' });
    expect(frozen).toMatchObject({ ok: true, result: { version: 2 } });
    expect(((frozen as { result: { state: PollState } }).result.state.options[1]?.votes)).toBe(1);
    await sleep(5000 - (performance.now() - t0));
    const seconds = (performance.now() - t0) / 1000;
    const frames = engine.getState().program.framesOut - framesBefore;
    console.log(`[objects offline] ${frames} frames in ${seconds.toFixed(1)} s with Redis away (${(frames / seconds).toFixed(1)} fps of ${FPS})`);
    expect(frames / seconds).toBeGreaterThan(FPS * 0.9);

    await redis.start();
    await waitUntil(() => engine.getState().objects?.online === true, 10_000, 'objects online again');
    expect(await api.command('object.op', { id: 'poll', op: 'vote', args: { voter: 'v2', option: 0 } })).toMatchObject({ ok: true, result: { version: 3 } });
    // The desk hears both changes (its status bar shows "objects offline" in between).
    expect(statuses).toEqual([false, true]);
    unsubscribe();
  }, 50_000);
});
