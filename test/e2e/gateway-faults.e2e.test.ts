/**
 * Audience-scale faults (issue #14): real redis-server (AOF, appendfsync always), real
 * `cutline gateway` processes, viewers on the shared retrying client with per-viewer JWTs.
 *  - SIGKILL one of two gateways during a vote + chat burst: its viewers move to the other, every
 *    acknowledged op is in Redis exactly once, no acknowledged one is lost.
 *  - SIGKILL redis-server during a burst and start it again: every acknowledged op survived,
 *    retried ones (same idempotency key) are not doubled.
 * No engine, no ffmpeg: no media lock needed.
 */
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RedisObjectStore } from '../../electron/engine/objects/RedisObjectStore.ts';
import { objectKeys } from '../../electron/engine/objects/redisScripts.ts';
import type { PollState } from '../../shared/objects.ts';
import type { ObjectsClient } from '../../shared/objectsClient.ts';
import { type GatewayProcess, startGatewayProcess, viewerClient, viewerToken } from '../helpers/gateway.ts';
import { startRedis, type TestRedis } from '../helpers/redis.ts';
import { sleep, waitUntil } from '../helpers/servers.ts';

const producer = { role: 'producer' as const };
const VIEWERS = 120;

let redis: TestRedis;
let producerStore: RedisObjectStore;
let key: string;
const gateways: GatewayProcess[] = [];

beforeAll(async () => {
  redis = await startRedis({ appendfsync: 'always' });
  producerStore = await RedisObjectStore.open({ url: redis.url, log: () => {} });
  key = await producerStore.audienceKey(false);
  gateways.push(await startGatewayProcess(redis.url), await startGatewayProcess(redis.url));
}, 60_000);

afterAll(async () => {
  for (const g of gateways) await g.kill('SIGKILL');
  await producerStore?.close();
  await redis?.stop();
});

interface StreamRecord {
  v: number;
  op: string;
  args: Record<string, unknown>;
  by: string;
}

async function records(id: string): Promise<StreamRecord[]> {
  const client = new Redis(redis.url);
  const entries = (await client.xrange(objectKeys(id).ops, '-', '+')) as [string, string[]][];
  client.disconnect();
  return entries.map(([, fields]) => JSON.parse(fields[1] as string) as StreamRecord);
}

function connectViewers(prefix: string, urls: string[]): ObjectsClient[] {
  return Array.from({ length: VIEWERS }, (_, i) => viewerClient(urls, viewerToken(key, `${prefix}${i}`), { opTimeoutMs: 20_000 }));
}

/** Each viewer votes once and posts one line, spread over `spreadMs`; resolves with what was acknowledged. */
async function burst(clients: ObjectsClient[], prefix: string, pollId: string, chatId: string, spreadMs: number): Promise<{ votes: Set<string>; posts: Set<string>; failures: string[] }> {
  const votes = new Set<string>();
  const posts = new Set<string>();
  const failures: string[] = [];
  await Promise.all(
    clients.map(async (client, i) => {
      await sleep((i / clients.length) * spreadMs);
      await Promise.all([
        client.op(pollId, 'vote', { voter: 'ignored', option: i % 3 }).then(() => votes.add(`sub:${prefix}${i}`), (e: Error) => failures.push(`vote ${i}: ${e.message}`)),
        client.op(chatId, 'post', { author: `viewer ${i}`, text: `line ${prefix}${i}` }).then(() => posts.add(`line ${prefix}${i}`), (e: Error) => failures.push(`post ${i}: ${e.message}`)),
      ]);
    }),
  );
  return { votes, posts, failures };
}

async function openPoll(pollId: string, chatId: string): Promise<void> {
  await producerStore.create(pollId, 'poll', {}, producer);
  await producerStore.apply(pollId, 'open', { question: 'Who wins?', options: ['a', 'b', 'c'] }, producer);
  await producerStore.create(chatId, 'chat', { rate: { perSecond: 5, burst: 10 } }, producer);
}

describe('gateways and Redis under faults', () => {
  it('SIGKILL of one gateway mid-burst: viewers move to the other, no acknowledged vote lost, none counted twice', async () => {
    await openPoll('poll1', 'chat1');
    const urls = gateways.map((g) => g.wsUrl);
    const clients = connectViewers('k', urls);
    await waitUntil(() => clients.every((c) => c.currentUrl !== ''), 10_000, 'clients created');
    const running = burst(clients, 'k', 'poll1', 'chat1', 2000);
    await sleep(700);
    const victim = gateways[0] as GatewayProcess;
    const onVictim = clients.filter((c) => c.currentUrl === victim.wsUrl).length;
    await victim.kill('SIGKILL');
    const { votes, posts, failures } = await running;
    const moved = clients.filter((c) => c.reconnects > 0).length;
    console.log(`[gateway-kill] ${onVictim} viewers were on the killed gateway, ${moved} reconnected; ${votes.size} votes and ${posts.size} posts acknowledged; failures: ${failures.length}`);
    expect(failures).toEqual([]);
    expect(onVictim).toBeGreaterThan(0);
    expect(votes.size).toBe(VIEWERS);
    const voteRecords = (await records('poll1')).filter((r) => r.op === 'vote');
    expect(new Set(voteRecords.map((r) => r.by)).size).toBe(voteRecords.length);
    expect(new Set(voteRecords.map((r) => r.by))).toEqual(votes);
    const postTexts = (await records('chat1')).filter((r) => r.op === 'post').map((r) => r.args.text as string);
    expect(postTexts.length).toBe(new Set(postTexts).size);
    expect(new Set(postTexts)).toEqual(posts);
    await waitUntil(() => (producerStore.peek('poll1')?.state as PollState | undefined)?.total === VIEWERS, 5000, 'producer sees every vote');
    for (const c of clients) c.close();
    gateways[0] = await startGatewayProcess(redis.url);
  }, 50_000);

  it('redis-server SIGKILLed and restarted mid-burst (AOF, appendfsync always): every acknowledged op is there once', async () => {
    await openPoll('poll2', 'chat2');
    const urls = gateways.map((g) => g.wsUrl);
    const clients = connectViewers('r', urls);
    const running = burst(clients, 'r', 'poll2', 'chat2', 2000);
    await sleep(800);
    await redis.kill();
    await sleep(1000);
    await redis.start();
    const { votes, posts, failures } = await running;
    console.log(`[redis-restart] ${votes.size} votes and ${posts.size} posts acknowledged; failures: ${failures.length} ${failures.slice(0, 3).join('; ')}`);
    expect(failures).toEqual([]);
    const voteRecords = (await records('poll2')).filter((r) => r.op === 'vote');
    expect(new Set(voteRecords.map((r) => r.by)).size).toBe(voteRecords.length);
    for (const voter of votes) expect(voteRecords.some((r) => r.by === voter)).toBe(true);
    const postTexts = (await records('chat2')).filter((r) => r.op === 'post').map((r) => r.args.text as string);
    expect(postTexts.length).toBe(new Set(postTexts).size);
    for (const text of posts) expect(postTexts).toContain(text);
    const versions = (await records('poll2')).map((r) => r.v);
    expect(versions).toEqual(Array.from({ length: versions.length }, (_, i) => i + 1));
    for (const c of clients) c.close();
  }, 50_000);
});
