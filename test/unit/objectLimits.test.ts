/**
 * The limits on what others can push into shared objects and the video: the state cap (with a
 * rollback), chalkboard points, the timed-data budget, the audience view of polls, viewers' names,
 * and the journal's lock, torn-line recovery and compaction while running.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { TimedDataBudget } from '../../electron/engine/media/TimedDataBudget.ts';
import { audienceChange, audienceState } from '../../electron/engine/objects/audience.ts';
import { Journal, JournalLockedError } from '../../electron/engine/objects/Journal.ts';
import { runObjectCommand } from '../../electron/engine/objects/ObjectCommands.ts';
import { SharedObjectStore } from '../../electron/engine/objects/SharedObjectStore.ts';
import { type ChalkboardState, type ChatState, MAX_STATE_BYTES, type PollState } from '../../shared/objects.ts';

const PRODUCER = { role: 'producer' as const };
const dirs: string[] = [];
afterEach(async () => {
  for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
});
async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'cutline-limits-'));
  dirs.push(dir);
  return dir;
}

describe('object state cap', () => {
  it('refuses an op that would grow a state past the cap, and leaves the state as it was', async () => {
    const store = new SharedObjectStore();
    await store.create('kv', 'kv', { maxKeys: 10_000 }, PRODUCER);
    const value = 'x'.repeat(4000);
    let refused: { reason?: string } | undefined;
    let accepted = 0;
    for (let i = 0; i < 400 && !refused; i++) {
      try {
        await store.apply('kv', 'set', { key: `k${i}`, value }, PRODUCER);
        accepted++;
      } catch (error) {
        refused = error as { reason?: string };
      }
    }
    expect(refused?.reason).toBe('state_too_large');
    const snapshot = store.get('kv');
    expect(snapshot.version).toBe(accepted);
    expect(Object.keys((snapshot.state as { entries: object }).entries)).toHaveLength(accepted);
    expect(JSON.stringify(snapshot.state).length).toBeLessThanOrEqual(MAX_STATE_BYTES);
  });

  it('a chalkboard keeps at most maxPoints points (oldest strokes go) and stores them to 4 decimals', async () => {
    const store = new SharedObjectStore();
    await store.create('board', 'chalkboard', { maxPoints: 1000 }, PRODUCER);
    const points = Array.from({ length: 400 }, (_, i) => [i / 400 + 0.000012345, 0.5] as [number, number]);
    for (let i = 0; i < 5; i++) await store.apply('board', 'stroke', { points }, PRODUCER);
    const state = store.get('board').state as ChalkboardState;
    expect(state.strokes.reduce((n, s) => n + s.points.length, 0)).toBeLessThanOrEqual(1000);
    expect(state.strokes.map((s) => s.seq)).toEqual([4, 5]);
    expect(state.strokes[0].points[1][0]).toBe(0.0025);
  });
});

describe('timed data in the video', () => {
  it('small states travel whole, large ones as deltas', () => {
    const budget = new TimedDataBudget({ now: () => 0 });
    const [small] = budget.offer({ pts: 0, object: 'p', version: 1, op: 'vote', args: { option: 1 }, state: { total: 1 } });
    expect(small).toMatchObject({ object: 'p', state: { total: 1 } });
    const big = { strokes: 'x'.repeat(40_000) };
    const [delta] = budget.offer({ pts: 0, object: 'b', version: 1, op: 'stroke', args: { points: [[0, 0]] }, state: big });
    expect(delta).toMatchObject({ delta: true, args: { points: [[0, 0]] } });
    expect(JSON.stringify(delta)).not.toContain('xxxx');
  });

  it('holds the bytes per second to the budget, coalescing an object\'s changes (newest wins)', () => {
    let now = 0;
    const budget = new TimedDataBudget({ bytesPerSecond: 10_000, burstBytes: 10_000, now: () => now });
    let sent = 0;
    let records = 0;
    const state = { text: 'y'.repeat(1000) };
    // 100 changes a second of a 1 kB state for 10 s: 1 MB offered, 100 kB (+ burst) allowed.
    for (let t = 0; t < 10_000; t += 10) {
      now = t;
      for (const r of budget.offer({ pts: t, object: 'chat', version: t / 10 + 1, op: 'post', args: {}, state })) {
        sent += JSON.stringify(r).length;
        records++;
      }
    }
    expect(sent).toBeLessThanOrEqual(10_000 * 10 + 10_000 + 1100);
    expect(records).toBeGreaterThan(50);
    expect(budget.coalesced).toBeGreaterThan(800);
    now = 20_000;
    const last = budget.flush();
    expect(last).toHaveLength(1);
    expect(last[0].version).toBe(1000);
  });

  it('a held delta replaced by a newer change becomes a resync marker', () => {
    let now = 0;
    const budget = new TimedDataBudget({ bytesPerSecond: 100, burstBytes: 100, inlineStateBytes: 10, now: () => now });
    budget.offer({ pts: 0, object: 'b', version: 1, op: 'stroke', args: { p: 'z'.repeat(200) }, state: { big: 'q'.repeat(50) } });
    budget.offer({ pts: 0, object: 'b', version: 2, op: 'stroke', args: { p: 'z'.repeat(200) }, state: { big: 'q'.repeat(50) } });
    budget.offer({ pts: 0, object: 'b', version: 3, op: 'stroke', args: { p: 'z'.repeat(200) }, state: { big: 'q'.repeat(50) } });
    now = 10_000;
    const out = budget.flush();
    expect(out[out.length - 1]).toMatchObject({ object: 'b', version: 3, resync: true });
    expect(out[out.length - 1]).not.toHaveProperty('args');
  });
});

describe('what the audience sees of a poll', () => {
  const poll: PollState = {
    status: 'open',
    question: 'Q',
    options: [
      { text: 'a', votes: 3, percent: 75 },
      { text: 'b', votes: 1, percent: 25 },
    ],
    total: 4,
    showResults: false,
    revealed: false,
  };
  it('hides counts of a showResults:false poll until reveal, and the answer in poll.open args', () => {
    const seen = audienceState('poll', poll) as PollState;
    expect(seen.options.map((o) => [o.votes, o.percent])).toEqual([[0, 0], [0, 0]]);
    expect(seen.resultsHidden).toBe(true);
    expect(audienceState('poll', { ...poll, revealed: true, correct: 1 })).toMatchObject({ correct: 1, options: [{ votes: 3 }, { votes: 1 }] });
    const change = audienceChange({ id: 'p', type: 'poll', version: 1, op: 'open', args: { question: 'Q', options: ['a', 'b'], correct: 1 }, state: poll, pts: 0, at: 0 });
    expect(change.args).not.toHaveProperty('correct');
  });
});

describe('names on viewers\' posts', () => {
  it('a viewer without a named token is marked self-chosen and cannot be "Producer"; a labelled token names it', async () => {
    const store = new SharedObjectStore();
    await store.create('chat', 'chat', {}, PRODUCER);
    const viewer = { role: 'viewer' as const, clientId: 'token:tok-1:1' };
    await expect(runObjectCommand('object.op', { id: 'chat', op: 'post', args: { author: 'Producer', text: 'vote b!' } }, { store }, viewer)).rejects.toMatchObject({ reason: 'reserved_name' });
    await expect(runObjectCommand('object.op', { id: 'chat', op: 'post', args: { author: ' p-r-o-d-u-c-e-r ', text: 'x' } }, { store }, viewer)).rejects.toMatchObject({ reason: 'reserved_name' });
    await runObjectCommand('object.op', { id: 'chat', op: 'post', args: { author: 'Ann', text: 'hi', selfChosen: false } }, { store }, viewer);
    await runObjectCommand('object.op', { id: 'chat', op: 'post', args: { author: 'Producer', text: 'hello' } }, { store }, { ...viewer, clientId: 'token:tok-2:1', name: 'Studio audience' });
    const messages = (store.get('chat').state as ChatState).messages;
    expect(messages.map((m) => [m.author, m.selfChosen])).toEqual([
      ['Ann', true],
      ['Studio audience', undefined],
    ]);
  });
});

describe('journal', () => {
  it('a second engine on the same data folder gets a clear error; the first keeps it', async () => {
    const path = join(await tempDir(), 'objects.jsonl');
    const first = await SharedObjectStore.open(path, { sync: false });
    await expect(SharedObjectStore.open(path, { sync: false })).rejects.toThrow(JournalLockedError);
    await expect(SharedObjectStore.open(path, { sync: false })).rejects.toThrow(/Another Cutline engine .*--data DIR/);
    await first.close();
    const second = await SharedObjectStore.open(path, { sync: false });
    await second.close();
  });

  it('a lock left by a process that is gone is taken over', async () => {
    const path = join(await tempDir(), 'objects.jsonl');
    await writeFile(`${path}.lock`, '999999999\n');
    const store = await SharedObjectStore.open(path, { sync: false });
    expect((await readFile(`${path}.lock`, 'utf8')).trim()).toBe(String(process.pid));
    await store.close();
  });

  it('skips a torn last line that ends in a newline (zeros after a power cut), and reports it', async () => {
    const path = join(await tempDir(), 'objects.jsonl');
    const { journal } = await Journal.open(path, { sync: false });
    await journal.append({ t: 'create', id: 'kv', type: 'kv', options: {}, at: 1, by: 'test' });
    await journal.close();
    await writeFile(path, `${await readFile(path, 'utf8')}\0\0\0\0\n`);
    const store = await SharedObjectStore.open(path, { sync: false });
    expect(store.tornBytes).toBe(5);
    expect(store.list().map((o) => o.id)).toEqual(['kv']);
    await store.close();
  });

  it('compacts while running once the journal is long', async () => {
    const path = join(await tempDir(), 'objects.jsonl');
    const store = await SharedObjectStore.open(path, { sync: false, compactAfter: 100 });
    await store.create('kv', 'kv', {}, PRODUCER);
    for (let i = 0; i < 300; i++) await store.apply('kv', 'set', { key: 'k', value: i }, PRODUCER);
    await store.close();
    const lines = (await readFile(path, 'utf8')).trim().split('\n');
    expect(lines.length).toBeLessThan(150);
    const reopened = await SharedObjectStore.open(path, { sync: false });
    expect(reopened.get('kv')).toMatchObject({ version: 300, state: { entries: { k: 299 } } });
    await reopened.close();
  });
});
