/**
 * The Redis backend of shared objects against a real redis-server of the test's own (AOF,
 * appendfsync always): several stores (as the engine and gateways are) on one set of objects,
 * rules held across them, versions gap-free in the Stream, idempotency keys, reload after restart.
 */
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RedisObjectStore } from '../../electron/engine/objects/RedisObjectStore.ts';
import { objectKeys } from '../../electron/engine/objects/redisScripts.ts';
import type { ApplyContext } from '../../electron/engine/objects/SharedObjectStore.ts';
import type { AuctionState, ChatState, PollState } from '../../shared/objects.ts';
import { startRedis, type TestRedis } from '../helpers/redis.ts';

const producer: ApplyContext = { role: 'producer' };
const viewer = (clientId: string): ApplyContext => ({ role: 'viewer', clientId });

let redis: TestRedis;
const stores: RedisObjectStore[] = [];
async function open(): Promise<RedisObjectStore> {
  const store = await RedisObjectStore.open({ url: redis.url, coalesceMs: 20, log: () => {} });
  stores.push(store);
  return store;
}

beforeAll(async () => {
  redis = await startRedis({ appendfsync: 'always' });
});
afterAll(async () => {
  for (const s of stores) await s.close();
  await redis.stop();
});

async function streamVersions(id: string): Promise<number[]> {
  const client = new Redis(redis.url);
  const entries = (await client.xrange(objectKeys(id).ops, '-', '+')) as [string, string[]][];
  client.disconnect();
  return entries.map(([entryId]) => Number(entryId.split('-')[1]));
}

describe('shared objects on Redis', () => {
  it('counts each voter once across two stores voting at the same time, with gap-free versions', async () => {
    const [a, b] = [await open(), await open()];
    await a.create('poll', 'poll', {}, producer);
    await a.apply('poll', 'open', { question: 'Best?', options: ['x', 'y'] }, producer);
    await expect.poll(() => b.peek('poll')?.version, { timeout: 3000 }).toBe(1);
    // 300 voters, each voting twice, half through each store.
    const votes = [];
    for (let i = 0; i < 300; i++) {
      for (const store of [a, b]) votes.push(store.apply('poll', 'vote', { voter: `v${i}`, option: i % 2 }, viewer(`v${i}`)).then(() => 'ok', (e) => e.reason as string));
    }
    const outcomes = await Promise.all(votes);
    expect(outcomes.filter((o) => o === 'ok')).toHaveLength(300);
    expect(outcomes.filter((o) => o === 'already_voted')).toHaveLength(300);
    const versions = await streamVersions('poll');
    expect(versions).toEqual(Array.from({ length: 301 }, (_, i) => i + 1));
    await expect.poll(() => b.peek('poll')?.version, { timeout: 3000 }).toBe(301);
    for (const store of [a, b]) expect((store.get('poll').state as PollState).options.map((o) => o.votes)).toEqual([150, 150]);
  });

  it('never accepts a bid below current + increment when bidders race on two stores', async () => {
    const [a, b] = [await open(), await open()];
    await a.create('lot', 'auction', {}, producer);
    await a.apply('lot', 'open', { startPrice: 100, minIncrement: 10 }, producer);
    await expect.poll(() => b.peek('lot')?.version, { timeout: 3000 }).toBe(1);
    const bids = [];
    for (let i = 0; i < 200; i++) bids.push((i % 2 ? a : b).apply('lot', 'bid', { bidder: `b${i}`, amount: 100 + 10 * Math.floor(i / 3) }, viewer(`b${i}`)).then((r) => r.version, () => 0));
    const accepted = (await Promise.all(bids)).filter((v) => v > 0);
    const state = a.get('lot').state as AuctionState;
    expect(state.current?.amount).toBe(100 + 10 * Math.floor(199 / 3));
    expect(state.bidCount).toBe(accepted.length);
    expect(await streamVersions('lot')).toEqual(Array.from({ length: accepted.length + 1 }, (_, i) => i + 1));
  });

  it('applies a retried op with the same idempotency key once, and a new store loads the same state', async () => {
    const a = await open();
    await a.create('chat', 'chat', {}, producer);
    const first = await a.apply('chat', 'post', { author: 'ann', text: 'hello' }, { ...viewer('ann'), idempotencyKey: 'k1' });
    const again = await a.apply('chat', 'post', { author: 'ann', text: 'hello' }, { ...viewer('ann'), idempotencyKey: 'k1' });
    const twice = await Promise.all([1, 2].map(() => a.apply('chat', 'post', { author: 'ann', text: 'two' }, { ...viewer('ann'), idempotencyKey: 'k2' })));
    expect(again.version).toBe(first.version);
    expect(twice[0]?.version).toBe(twice[1]?.version);
    const c = await open();
    expect((c.get('chat').state as ChatState).messages.map((m) => m.text)).toEqual(['hello', 'two']);
    expect(c.get('chat').version).toBe(2);
  });

  it('holds one rate budget per client across stores', async () => {
    const [a, b] = [await open(), await open()];
    await a.create('kvx', 'chat', { rate: { perSecond: 0.1, burst: 2 } }, producer);
    await expect.poll(() => b.peek('kvx') !== undefined, { timeout: 3000 }).toBe(true);
    const posts = await Promise.all([a, b, a, b].map((s, i) => s.apply('kvx', 'post', { author: 'z', text: `m${i}` }, viewer('flooder')).then(() => 'ok', (e) => e.reason as string)));
    expect(posts.filter((p) => p === 'ok')).toHaveLength(2);
    expect(posts.filter((p) => p === 'rate_limited')).toHaveLength(2);
  });
});
