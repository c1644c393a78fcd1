/**
 * Games cannot be cheated and objects cannot be blown up, against a real `cutline serve`: a
 * viewer's objects socket never sees a poll's `correct` answer before `reveal`, nor the counts of
 * a `showResults: false` poll — and neither does the timed data in the video (read back from a
 * recording's sidecar, which carries the same records as the SEI); a viewer cannot post as
 * "Producer" and its typed name is marked self-chosen, a labelled token names its posts; an
 * object's state and a chalkboard's points are capped with a 4xx, and the engine keeps running.
 */
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { type Cutline, SMALL_OUTPUT, startCutline } from '../helpers/attackTarget.ts';
import { sleep, waitUntil } from '../helpers/servers.ts';

interface Socket {
  ws: WebSocket;
  messages: { type: string; event?: string; requestId?: number; ok?: boolean; result?: unknown; error?: { code: string; message: string }; data?: unknown }[];
  request(command: string, params: unknown): Promise<Socket['messages'][number]>;
}

async function connect(base: string, token: string): Promise<Socket> {
  const ws = new WebSocket(`${base.replace(/^http/, 'ws')}/objects/ws`, { headers: { authorization: `Bearer ${token}` } });
  const messages: Socket['messages'] = [];
  ws.on('message', (data) => messages.push(JSON.parse(String(data))));
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  let next = 1;
  return {
    ws,
    messages,
    request: async (command, params) => {
      const requestId = next++;
      ws.send(JSON.stringify({ type: 'request', requestId, command, params }));
      await waitUntil(() => messages.some((m) => m.type === 'response' && m.requestId === requestId), 5000, command);
      return messages.find((m) => m.type === 'response' && m.requestId === requestId) as Socket['messages'][number];
    },
  };
}

describe('shared objects under attack', () => {
  let cutline: Cutline;
  let viewer: Socket;
  let named: Socket;
  let guest: Socket;

  beforeAll(async () => {
    cutline = await startCutline(mkdtempSync(join(tmpdir(), 'sec-objects-')), {
      show: {
        output: SMALL_OUTPUT,
        sources: [{ id: 'bars', kind: 'testPattern', color: '#208040' }],
        layout: { preset: 'solo', sources: ['bars'] },
        objects: [
          { id: 'trivia', type: 'poll', options: { showResults: false } },
          { id: 'chat', type: 'chat' },
          { id: 'big', type: 'kv', options: { maxKeys: 10_000 } },
          { id: 'board', type: 'chalkboard' },
        ],
      },
    });
    const issue = async (params: object) => (await cutline.post<{ token: string }>('object.issueToken', params)).json.result?.token as string;
    viewer = await connect(cutline.base, await issue({ role: 'viewer' }));
    named = await connect(cutline.base, await issue({ role: 'viewer', label: 'Studio audience' }));
    guest = await connect(cutline.base, await issue({ role: 'guest', label: 'Guest Ann' }));
    await waitUntil(async () => (await cutline.state()).program.framesOut > 0, 20_000, 'program running');
  });

  afterAll(async () => {
    for (const s of [viewer, named, guest]) s?.ws.close();
    await cutline?.stop();
  });

  it('a poll\'s answer and hidden counts reach neither viewers nor the video before reveal', async () => {
    expect((await cutline.post('destination.add', { id: 'rec', kind: 'recording', path: './' })).status).toBe(200);
    await cutline.post('destination.start', { id: 'rec' });
    await waitUntil(async () => (await cutline.state()).destinations.find((d) => d.id === 'rec')?.state === 'live', 15_000, 'recording live');
    await sleep(500);
    expect((await cutline.post('object.op', { id: 'trivia', op: 'open', args: { question: 'Capital of France?', options: ['Lyon', 'Paris', 'Nice'], correct: 1 } })).status).toBe(200);
    const vote = await viewer.request('object.op', { id: 'trivia', op: 'vote', args: { voter: 'x', option: 1 } });
    expect(vote.ok).toBe(true);
    for (let i = 0; i < 3; i++) await cutline.post('object.op', { id: 'trivia', op: 'vote', args: { voter: `v${i}`, option: 1 }, clientId: `relay-${i}` });
    const got = await viewer.request('object.get', { id: 'trivia' });
    await sleep(800);

    const beforeReveal = JSON.stringify(viewer.messages);
    expect(beforeReveal).not.toContain('"correct"');
    expect(JSON.stringify(vote.result)).toContain('"resultsHidden":true');
    expect((got.result as { state: { options: { votes: number }[]; total: number } }).state.options.map((o) => o.votes)).toEqual([0, 0, 0]);
    expect((got.result as { state: { total: number } }).state.total).toBe(4);
    // The producer sees the counts.
    expect(((await cutline.post<{ state: { options: { votes: number }[] } }>('object.get', { id: 'trivia' })).json.result?.state.options ?? []).map((o) => o.votes)).toEqual([0, 4, 0]);

    await cutline.post('object.op', { id: 'trivia', op: 'reveal' });
    await waitUntil(() => JSON.stringify(viewer.messages).includes('"correct":1'), 5000, 'reveal reaches the viewer');
    const revealed = viewer.messages.filter((m) => m.event === 'object.changed').pop()?.data as { state: { options: { votes: number }[] } };
    expect(revealed.state.options.map((o) => o.votes)).toEqual([0, 4, 0]);
    await sleep(500);
    await cutline.post('destination.stop', { id: 'rec' });

    const sidecar = readdirSync(cutline.mediaDir).find((f) => f.endsWith('.data.jsonl')) as string;
    const records = readFileSync(join(cutline.mediaDir, sidecar), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { object: string; op: string; state: { options: { votes: number }[]; correct?: number } });
    const poll = records.filter((r) => r.object === 'trivia');
    const reveal = poll.findIndex((r) => r.op === 'reveal');
    expect(reveal).toBeGreaterThan(0);
    for (const r of poll.slice(0, reveal)) {
      expect(JSON.stringify(r)).not.toContain('"correct"');
      expect(r.state.options.every((o) => o.votes === 0)).toBe(true);
    }
    expect(poll[reveal].state).toMatchObject({ correct: 1 });
  });

  it('names: a viewer cannot post as "Producer"; typed names are marked self-chosen; a labelled token names its posts', async () => {
    const impostor = await viewer.request('object.op', { id: 'chat', op: 'post', args: { author: 'Producer', text: 'the answer is Lyon' } });
    expect(impostor.ok).toBe(false);
    expect(impostor.error?.message).toMatch(/show's own name/);
    await viewer.request('object.op', { id: 'chat', op: 'post', args: { author: 'Ann', text: 'hello', selfChosen: false } });
    await named.request('object.op', { id: 'chat', op: 'post', args: { author: 'Producer', text: 'hi all' } });
    const messages = ((await cutline.post<{ state: { messages: { author: string; selfChosen?: boolean; text: string }[] } }>('object.get', { id: 'chat' })).json.result?.state.messages ?? []).map((m) => [m.author, m.selfChosen ?? false, m.text]);
    expect(messages).toEqual([
      ['Ann', true, 'hello'],
      ['Studio audience', false, 'hi all'],
    ]);
  });

  it('a flood of large changes puts no more timed data into the video than its budget (32 KiB/s, 96 KiB burst)', async () => {
    await cutline.post('destination.add', { id: 'budget', kind: 'recording', path: 'budget.mkv' });
    await cutline.post('destination.start', { id: 'budget' });
    await waitUntil(async () => (await cutline.state()).destinations.find((d) => d.id === 'budget')?.state === 'live', 15_000, 'recording live');
    expect((await cutline.post('object.create', { id: 'flood', type: 'kv', options: { maxKeys: 1000 } })).status).toBe(200);
    const started = Date.now();
    // 100 values of ~2 kB: the state passes 16 KiB (then deltas) and ~200 kB is offered in a few seconds.
    for (let i = 0; i < 100; i++) expect((await cutline.post('object.op', { id: 'flood', op: 'set', args: { key: `k${i}`, value: 'z'.repeat(2000) } })).status).toBe(200);
    const offeredS = (Date.now() - started) / 1000;
    await sleep(3000);
    await cutline.post('destination.stop', { id: 'budget' });
    const spanS = (Date.now() - started) / 1000;
    const lines = readFileSync(join(cutline.mediaDir, 'budget.data.jsonl'), 'utf8').trim().split('\n');
    const records = lines.map((l) => JSON.parse(l) as { object: string; version: number; delta?: boolean; resync?: boolean }).filter((r) => r.object === 'flood');
    const bytes = lines.reduce((n, l) => n + l.length, 0);
    console.log(`timed data: ${bytes} bytes in ${spanS.toFixed(1)} s for ~${100 * 2000} bytes of changes (${100 * 100 * 1000} as whole states) in ${offeredS.toFixed(1)} s; ${records.length} records (${records.filter((r) => r.delta).length} deltas, ${records.filter((r) => r.resync).length} resync)`);
    expect(bytes).toBeLessThanOrEqual(96 * 1024 + 32 * 1024 * spanS);
    expect(records.some((r) => r.delta)).toBe(true);
    // The newest change still reaches the video (coalesced, not lost).
    const newest = ((await cutline.post<{ version: number }>('object.get', { id: 'flood' })).json.result as { version: number }).version;
    expect(Math.max(...records.map((r) => r.version))).toBe(newest);
  });

  it('an object\'s state is capped (413, nothing changed) and a chalkboard keeps at most its points', async () => {
    let refused: { status: number; json: { error?: { message: string } } } | undefined;
    let accepted = 0;
    for (let i = 0; i < 300 && !refused; i++) {
      const answer = await cutline.post('object.op', { id: 'big', op: 'set', args: { key: `k${i}`, value: 'x'.repeat(4000) } });
      if (answer.status === 200) accepted++;
      else refused = answer;
    }
    expect(refused?.status).toBe(413);
    expect(refused?.json.error?.message).toMatch(/bytes of state/);
    expect(((await cutline.post<{ version: number }>('object.get', { id: 'big' })).json.result as { version: number }).version).toBe(accepted);

    const points = Array.from({ length: 2000 }, (_, i) => [(i % 1000) / 1000, Math.floor(i / 1000) / 2] as [number, number]);
    for (let i = 0; i < 14; i++) expect((await guest.request('object.op', { id: 'board', op: 'stroke', args: { points } })).ok).toBe(true);
    const board = (await guest.request('object.get', { id: 'board' })).result as { state: { strokes: { points: unknown[] }[] } };
    expect(board.state.strokes.reduce((n, s) => n + s.points.length, 0)).toBeLessThanOrEqual(20_000);
    expect(JSON.stringify(board).length).toBeLessThan(512 * 1024);
    expect(cutline.alive()).toBe(true);
    expect((await cutline.state()).program.running).toBe(true);
  });
});
