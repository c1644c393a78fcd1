/**
 * Every command in the table gets random and malformed params over real HTTP (ApiServer in front
 * of a real engine with a running program, a shared object, an overlay and a destination): every
 * answer is a 4xx with a message — never a 500 — and the show, objects, overlays and tokens are
 * exactly as before. Params are made by a small seeded generator (CUTLINE_FUZZ_SEED reproduces a
 * run): random JSON shapes, the command's own field names with wrong values, path and URL attacks,
 * prototype keys, deep nesting, huge strings. Only params the command's schema refuses are sent,
 * so "4xx" is the right answer for each; a schema bug that lets garbage through shows as a 2xx/5xx.
 */

import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { z } from 'zod';
import { Engine } from '../../electron/engine/Engine.ts';
import { MemorySecretStore } from '../../electron/engine/secrets/SecretStore.ts';
import { ApiServer } from '../../electron/engine/server/ApiServer.ts';
import { COMMAND_NAMES, COMMANDS } from '../../shared/protocol.ts';
import { seededRandom } from '../helpers/seededRandom.ts';
import { freePort, waitUntil } from '../helpers/servers.ts';

const SEED = Number(process.env.CUTLINE_FUZZ_SEED ?? 20_261_203);
const PER_COMMAND = 40;


const NASTY_STRINGS = [
  '', ' ', 'a', '../../../../etc/passwd', '/etc/passwd', '/dev/zero', 'concat:/etc/passwd|/etc/hosts', 'subfile:,,start,0,end,0,,:/etc/passwd',
  'file:///etc/shadow', 'http://169.254.169.254/latest/meta-data/', 'rtmp://evil/app/key', '$(touch /tmp/pwned)', '`id`', '; rm -rf /',
  '__proto__', 'constructor', 'prototype', '\u0000', '\ud800', '🎬'.repeat(50), 'x'.repeat(70_000), '%s%n%x', '<script>alert(1)</script>',
  '{"a":1}', 'NaN', '-1', '1e309', 'true', 'null',
];

function fieldNames(schema: z.ZodType): string[] {
  const def = (schema as unknown as { _zod?: { def?: { shape?: object; options?: z.ZodType[]; in?: z.ZodType; innerType?: z.ZodType; left?: z.ZodType } } })._zod?.def;
  if (!def) return [];
  if (def.shape) return Object.keys(def.shape);
  if (def.options) return def.options.flatMap(fieldNames);
  const inner = def.in ?? def.innerType ?? def.left;
  return inner ? fieldNames(inner) : [];
}

function generator(random: () => number) {
  const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)];
  const value = (depth: number, keys: string[]): unknown => {
    const r = random();
    if (r < 0.12) return null;
    if (r < 0.2) return random() < 0.5;
    if (r < 0.35) return pick([0, -1, 1, 0.5, 1e308, -1e308, 2 ** 53 + 1, 65_536, 99_999_999, Math.floor(random() * 1e6)]);
    if (r < 0.6) return pick(NASTY_STRINGS);
    if (r < 0.75 && depth < 6) return Array.from({ length: Math.floor(random() * 4) }, () => value(depth + 1, keys));
    if (depth < 6) return object(depth + 1, keys);
    return {};
  };
  const object = (depth: number, keys: string[]): Record<string, unknown> => {
    const out: Record<string, unknown> = {};
    const n = 1 + Math.floor(random() * 4);
    for (let i = 0; i < n; i++) {
      const key = random() < 0.7 && keys.length ? pick(keys) : pick(['__proto__', 'constructor', 'x', 'kind', 'id', 'path', 'url', 'params', 'show', 'token']);
      // JSON.parse makes "__proto__" an own key, as an attacker's body would.
      Object.defineProperty(out, key, { value: value(depth, keys), enumerable: true, configurable: true, writable: true });
    }
    return out;
  };
  return { params: (keys: string[]): unknown => (random() < 0.15 ? value(5, keys) : object(0, keys)) };
}

describe('fuzzing every command', () => {
  let engine: Engine;
  let server: ApiServer;
  let base = '';
  const token = 'fuzz-token-0123456789abcdef';

  const snapshot = async () => {
    const state = engine.getState();
    return JSON.stringify({
      show: state.show,
      sources: state.sources.map((s) => s.id),
      destinations: state.destinations.map((d) => [d.id, d.state]),
      objects: await engine.dispatch('object.list', {}),
      poll: await engine.dispatch('object.get', { id: 'poll' }),
      overlays: (await engine.dispatch('overlay.list', {}) as { spec: unknown }[]).map((o) => o.spec),
      tokens: ((await engine.dispatch('object.listTokens', {})) as { id: string }[]).map((t) => t.id),
    });
  };

  beforeAll(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sec-fuzz-'));
    engine = await Engine.create({
      log: () => {},
      secrets: new MemorySecretStore(),
      mediaDirs: [dir],
      show: {
        name: 'fuzzed',
        output: { width: 320, height: 180, fps: 15, videoBitrateKbps: 300 },
        sources: [{ id: 'bars', kind: 'testPattern' }],
        layout: { preset: 'solo', sources: ['bars'] },
        destinations: [{ id: 'rec', kind: 'recording', path: `${dir}/`, enabled: false }],
        objects: [{ id: 'poll', type: 'poll' }],
        overlays: [{ id: 'title', kind: 'text', text: 'hello' }],
      },
    });
    await engine.dispatch('object.issueToken', { role: 'viewer', label: 'audience' });
    server = new ApiServer(engine, { port: await freePort(), token });
    await server.listen();
    base = server.url;
    await waitUntil(() => engine.getState().program.framesOut > 0, 20_000, 'program running');
  });

  afterAll(async () => {
    await server?.close();
    await engine?.close();
  });

  const send = async (path: string, body: string, contentType = 'application/json') => {
    const res = await fetch(`${base}${path}`, { method: 'POST', headers: { 'content-type': contentType, authorization: `Bearer ${token}` }, body });
    const text = await res.text();
    let json: { ok?: boolean; error?: { code?: string; message?: string } } = {};
    try {
      json = JSON.parse(text);
    } catch {
      // judged below: a 4xx must still carry a JSON message
    }
    return { status: res.status, json, text };
  };

  it(`sends ${PER_COMMAND} refused params to each of the ${COMMAND_NAMES.length} commands: 4xx with a message, never 5xx, state unchanged (seed ${SEED})`, async () => {
    const before = await snapshot();
    const random = seededRandom(SEED);
    const gen = generator(random);
    const failures: string[] = [];
    let sent = 0;
    for (const name of COMMAND_NAMES) {
      const schema = COMMANDS[name].params as z.ZodType;
      const keys = fieldNames(schema);
      let tries = 0;
      for (let n = 0; n < PER_COMMAND && tries < PER_COMMAND * 20; tries++) {
        const params = gen.params(keys);
        const body = JSON.stringify(params);
        if (body === undefined || schema.safeParse(JSON.parse(body) ?? {}).success) continue;
        n++;
        sent++;
        const answer = await send(`/api/v1/commands/${name}`, body);
        const good = answer.status >= 400 && answer.status < 500 && answer.json.ok === false && typeof answer.json.error?.message === 'string' && answer.json.error.message.length > 0;
        if (!good) failures.push(`${name} ${body.slice(0, 200)} → ${answer.status} ${answer.text.slice(0, 200)}`);
      }
    }
    expect(failures).toEqual([]);
    expect(sent).toBeGreaterThan(COMMAND_NAMES.length * (PER_COMMAND / 2));
    expect(await snapshot()).toBe(before);
    expect(engine.getState().program.running).toBe(true);
  });

  it('malformed bodies: not JSON, truncated, the wrong type, too big — 4xx with a message, state unchanged', async () => {
    const before = await snapshot();
    const bodies: [string, string, string?][] = [
      ['/api/v1/commands/source.add', 'not json'],
      ['/api/v1/commands/source.add', '{"id": "x", "kind":'],
      ['/api/v1/commands/show.load', '{"show": {"sources": [1, 2, 3]}}'],
      ['/api/v1/commands/layout.set', '[1,2,3]'],
      ['/api/v1/commands/destination.add', '"just a string"'],
      ['/api/v1/commands/source.add', '{"id":"x","kind":"testPattern"}', 'text/plain'],
      ['/api/v1/commands/show.load', JSON.stringify({ show: { name: 'x'.repeat(2 << 20) } })],
      ['/api/v1/commands/no.such', '{}'],
      ['/api/v1/commands/object.op', JSON.stringify({ id: 'poll', op: 'vote', args: { voter: 'a', option: 99 } })],
      ['/api/v1/commands/object.op', JSON.stringify({ id: 'poll', op: '__proto__', args: {} })],
      ['/api/v1/commands/object.op', JSON.stringify({ id: 'poll', op: 'open', args: { question: 'q', options: ['a'], correct: 5 } })],
    ];
    for (const [path, body, type] of bodies) {
      const answer = await send(path, body, type);
      expect(answer.status, `${path} ${body.slice(0, 80)}`).toBeGreaterThanOrEqual(400);
      expect(answer.status, `${path} ${body.slice(0, 80)}`).toBeLessThan(500);
      expect(answer.json.error?.message).toBeTruthy();
    }
    expect(await snapshot()).toBe(before);
  });
});
