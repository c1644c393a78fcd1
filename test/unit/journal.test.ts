import { type ChildProcess, spawn } from 'node:child_process';
import { appendFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Journal, JournalCorruptError, type JournalRecord } from '../../electron/engine/objects/Journal.ts';
import { SharedObjectStore } from '../../electron/engine/objects/SharedObjectStore.ts';
import type { AuctionState, ChatState } from '../../shared/objects.ts';

const dirs: string[] = [];
const children: ChildProcess[] = [];
async function tempJournal(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'cutline-journal-'));
  dirs.push(dir);
  return join(dir, 'objects.jsonl');
}
afterEach(async () => {
  for (const child of children.splice(0)) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
});

const op = (id: string, v: number): JournalRecord => ({ t: 'op', id, v, op: 'set', args: { key: 'k', value: v }, at: 1, by: 'test' });

describe('Journal', () => {
  it('drops a torn last line, truncates it away, and appends cleanly after it', async () => {
    const path = await tempJournal();
    const { journal } = await Journal.open(path);
    await journal.append({ t: 'create', id: 'kv', type: 'kv', options: {}, at: 1, by: 'test' });
    await journal.append(op('kv', 1));
    await journal.close();
    // What a crash mid-write leaves: the start of a record, no newline.
    await appendFile(path, '{"t":"op","id":"kv","v":2,"op":"se');

    const reopened = await Journal.open(path);
    expect(reopened.tornBytes).toBeGreaterThan(0);
    expect(reopened.records.map((r) => r.t)).toEqual(['create', 'op']);
    await reopened.journal.append(op('kv', 2));
    await reopened.journal.close();
    const again = await Journal.open(path);
    expect(again.tornBytes).toBe(0);
    expect(again.records.map((r) => (r.t === 'op' ? r.v : r.t))).toEqual(['create', 1, 2]);
    await again.journal.close();
  });

  it('keeps a complete last record that lost only its newline', async () => {
    const path = await tempJournal();
    const { journal } = await Journal.open(path);
    await journal.append(op('kv', 1));
    await journal.close();
    await appendFile(path, JSON.stringify(op('kv', 2)));
    const reopened = await Journal.open(path);
    expect(reopened.records).toHaveLength(2);
    await reopened.journal.append(op('kv', 3));
    await reopened.journal.close();
    expect((await readFile(path, 'utf8')).split('\n').filter(Boolean)).toHaveLength(4);
  });

  it('refuses a journal damaged before its last line instead of guessing', async () => {
    const path = await tempJournal();
    await writeFile(path, `${JSON.stringify(op('kv', 1))}\nnot json\n${JSON.stringify(op('kv', 2))}\n`);
    await expect(Journal.open(path)).rejects.toBeInstanceOf(JournalCorruptError);
    await expect(Journal.open(path)).rejects.toThrow(/line 2/);
  });

  it('measures 1000 ops: one by one (a sync each) and as a burst (group commit)', async () => {
    const path = await tempJournal();
    const store = await SharedObjectStore.open(path, { clientRate: { perSecond: 1e6, burst: 1e6 } });
    const producer = { role: 'producer' } as const;
    await store.create('lot', 'auction', {}, producer);
    await store.apply('lot', 'open', { startPrice: 1, minIncrement: 1 }, producer);
    const bid = (amount: number) => store.apply('lot', 'bid', { bidder: `b${amount}`, amount }, { role: 'viewer', clientId: `c${amount}` });
    let t = performance.now();
    for (let i = 1; i <= 1000; i++) await bid(i);
    const sequentialMs = performance.now() - t;
    const commitsBefore = store.journalStats?.commits ?? 0;
    t = performance.now();
    await Promise.all(Array.from({ length: 1000 }, (_, i) => bid(1001 + i)));
    const burstMs = performance.now() - t;
    const burstCommits = (store.journalStats?.commits ?? 0) - commitsBefore;
    console.log(
      `journal: 1000 sequential bids ${sequentialMs.toFixed(0)} ms (${((1000 * 1000) / sequentialMs).toFixed(0)} ops/s); ` +
        `1000 concurrent bids ${burstMs.toFixed(0)} ms (${((1000 * 1000) / burstMs).toFixed(0)} ops/s) in ${burstCommits} group commit(s)`,
    );
    expect(store.get('lot').version).toBe(2001);
    expect(burstCommits).toBeLessThan(10);
    await store.close();
  });
});

describe('persistence across SIGKILL', () => {
  type Ack = { id: string; version: number; op: string; args: Record<string, unknown> };

  /**
   * Runs the burst fixture on `path` until `killAt` acks (a count), or `killAfterMs` after it is
   * ready (a moment in the middle of a write or a sync), SIGKILLs it and returns what it acked.
   */
  async function burstThenKill(path: string, killAt: { acks: number } | { ms: number }): Promise<Ack[]> {
    const fixture = join(import.meta.dirname, '../fixtures/objects-burst.ts');
    // node --import tsx (not npx) so the SIGKILL hits the process that writes the journal.
    const child = spawn(process.execPath, ['--import', 'tsx', fixture, path], { stdio: ['ignore', 'pipe', 'pipe'] });
    children.push(child);
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const acks: Ack[] = [];
    const exited = new Promise<NodeJS.Signals | null>((resolve) => child.on('exit', (_code, signal) => resolve(signal)));
    await new Promise<void>((resolve, reject) => {
      let buffered = '';
      const timer = setTimeout(() => reject(new Error(`no acks in time; stderr: ${stderr}`)), 30_000);
      const kill = () => {
        child.kill('SIGKILL');
        clearTimeout(timer);
        resolve();
      };
      child.stdout.on('data', (d: Buffer) => {
        buffered += d.toString();
        const lines = buffered.split('\n');
        buffered = lines.pop() ?? '';
        for (const line of lines) {
          if (line === 'ready' && 'ms' in killAt) setTimeout(kill, killAt.ms);
          const m = /^ack (\S+) (\d+) (\S+) (.*)$/.exec(line);
          if (!m) continue;
          acks.push({ id: m[1], version: Number(m[2]), op: m[3], args: JSON.parse(m[4]) });
          // Kill while bursts are in flight: ops are queued and being synced right now.
          if ('acks' in killAt && acks.length === killAt.acks) kill();
        }
      });
      child.on('exit', () => reject(new Error(`fixture exited early; stderr: ${stderr}`)));
    });
    expect(await exited).toBe('SIGKILL');
    // Acks the child printed before it died but the pipe delivered after the kill count too.
    return acks;
  }

  it('restores every acknowledged op after the process is killed at many points of a burst', async () => {
    const path = await tempJournal();
    // Each round reopens the same journal (taking over the dead process's lock, dropping a torn
    // line) and goes on from where the last one stopped; a kill by time lands mid-write or mid-sync.
    const killPoints: ({ acks: number } | { ms: number })[] = [{ acks: 1 }, { ms: 0 }, { acks: 37 }, { ms: 8 }, { acks: 400 }];
    const acks: Ack[] = [];
    for (const killAt of killPoints) acks.push(...(await burstThenKill(path, killAt)));
    expect(acks.length).toBeGreaterThan(430);

    const { journal, records } = await Journal.open(path);
    await journal.close();
    const byKey = new Map(records.flatMap((r) => (r.t === 'op' ? [[`${r.id}@${r.v}`, r] as const] : [])));
    for (const ack of acks) {
      const record = byKey.get(`${ack.id}@${ack.version}`);
      expect(record, `acked ${ack.id} v${ack.version}`).toBeDefined();
      expect(record?.t === 'op' && record.op).toBe(ack.op);
      expect(record?.t === 'op' && record.args).toEqual(ack.args);
    }

    const store = await SharedObjectStore.open(path);
    const chat = store.get('chat');
    const lot = store.get('lot');
    const texts = new Set((chat.state as ChatState).messages.map((m) => m.text));
    const posts = acks.filter((a) => a.id === 'chat');
    // Every post is checked by text: they must all fit the chat's window of 1000 messages.
    expect(chat.version).toBeLessThanOrEqual(1000);
    for (const ack of posts) expect(texts.has(ack.args.text as string), `acked post v${ack.version}`).toBe(true);
    expect(chat.version).toBeGreaterThanOrEqual(Math.max(...posts.map((a) => a.version)));
    const bids = acks.filter((a) => a.id === 'lot');
    const highest = Math.max(...bids.map((a) => a.args.amount as number));
    expect((lot.state as AuctionState).current?.amount).toBeGreaterThanOrEqual(highest);
    expect(lot.version).toBeGreaterThanOrEqual(Math.max(...bids.map((a) => a.version)));
    // The restored store goes on from the last version without a gap.
    const next = await store.apply('lot', 'bid', { bidder: 'after', amount: (lot.state as AuctionState).nextMinimum }, { role: 'viewer', clientId: 'x' });
    expect(next.version).toBe(lot.version + 1);
    await store.close();
  }, 120_000);
});
