import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { GraphicsLayer } from '../../electron/engine/graphics/GraphicsLayer.ts';
import { isObjectCommand, runObjectCommand } from '../../electron/engine/objects/ObjectCommands.ts';
import { ObjectRejection } from '../../electron/engine/objects/rejections.ts';
import { percentages } from '../../electron/engine/objects/rules.ts';
import { type ApplyContext, SharedObjectStore } from '../../electron/engine/objects/SharedObjectStore.ts';
import type {
  AuctionState,
  BetsState,
  ChalkboardState,
  ChatState,
  GpsState,
  KvState,
  ObjectChangedEvent,
  PollState,
} from '../../shared/objects.ts';

const producer: ApplyContext = { role: 'producer' };
const guest = (clientId = 'guest-1'): ApplyContext => ({ role: 'guest', clientId });
const viewer = (clientId = 'viewer-1'): ApplyContext => ({ role: 'viewer', clientId });

/** Resolves with the rejection's code and reason, failing if the promise resolves. */
async function rejection(p: Promise<unknown>): Promise<{ code: string; reason: string; message: string }> {
  try {
    await p;
  } catch (error) {
    expect(error).toBeInstanceOf(ObjectRejection);
    return (error as ObjectRejection).toJSON();
  }
  throw new Error('expected a rejection');
}

function clock(start = 1_700_000_000_000) {
  let t = start;
  return { now: () => t, advance: (ms: number) => (t += ms) };
}

const dirs: string[] = [];
async function tempJournal(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'cutline-objects-'));
  dirs.push(dir);
  return join(dir, 'objects.jsonl');
}
afterEach(async () => {
  for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
});

describe('auction rules', () => {
  it('accepts a bid only at the start price or the current bid plus the minimum increment, only while open', async () => {
    const c = clock();
    const store = new SharedObjectStore({ now: c.now });
    await store.create('lot', 'auction', { currency: '$' }, producer);
    expect((await rejection(store.apply('lot', 'bid', { bidder: 'ann', amount: 500 }, viewer()))).reason).toBe('auction_not_open');
    expect(await rejection(store.apply('lot', 'open', { startPrice: 100, minIncrement: 10 }, guest()))).toMatchObject({ code: 'unauthorized', reason: 'forbidden' });
    await store.apply('lot', 'open', { startPrice: 100, minIncrement: 10, item: 'Signed jersey' }, producer);

    const low = await rejection(store.apply('lot', 'bid', { bidder: 'ann', amount: 99 }, viewer('a')));
    expect(low).toMatchObject({ code: 'conflict', reason: 'bid_too_low' });
    expect(low.message).toContain('$100');
    await store.apply('lot', 'bid', { bidder: 'ann', amount: 100 }, viewer('a'));
    expect((await rejection(store.apply('lot', 'bid', { bidder: 'bob', amount: 109.5 }, viewer('b')))).reason).toBe('bid_too_low');
    const { state, version } = await store.apply('lot', 'bid', { bidder: 'bob', amount: 110 }, viewer('b'));
    const s = state as AuctionState;
    expect(version).toBe(3);
    expect(s.current).toMatchObject({ bidder: 'bob', amount: 110 });
    expect(s.nextMinimum).toBe(120);
    expect(s.bidCount).toBe(2);

    expect((await rejection(store.apply('lot', 'close', {}, viewer()))).reason).toBe('forbidden');
    const closed = (await store.apply('lot', 'close', {}, producer)).state as AuctionState;
    expect(closed.status).toBe('closed');
    expect(closed.winner).toMatchObject({ bidder: 'bob', amount: 110 });
    expect((await rejection(store.apply('lot', 'bid', { bidder: 'cy', amount: 1000 }, viewer('c')))).reason).toBe('auction_not_open');
    expect(store.get('lot').version).toBe(4);
  });

  it('rejects bids after the duration given at open', async () => {
    const c = clock();
    const store = new SharedObjectStore({ now: c.now });
    await store.create('lot', 'auction', {}, producer);
    const opened = (await store.apply('lot', 'open', { startPrice: 1, minIncrement: 1, durationMs: 60_000 }, producer)).state as AuctionState;
    expect(opened.endsAt).toBe(c.now() + 60_000);
    c.advance(59_999);
    await store.apply('lot', 'bid', { bidder: 'ann', amount: 1 }, viewer());
    c.advance(1);
    expect((await rejection(store.apply('lot', 'bid', { bidder: 'bob', amount: 5 }, viewer('b')))).reason).toBe('auction_ended');
  });
});

describe('poll rules', () => {
  it('takes one vote per voter while open and shows percentages that add up to 100', async () => {
    const store = new SharedObjectStore();
    await store.create('p', 'poll', {}, producer);
    expect((await rejection(store.apply('p', 'vote', { voter: 'v1', option: 0 }, viewer()))).reason).toBe('poll_not_open');
    await store.apply('p', 'open', { question: 'Who wins?', options: ['Red', 'Blue', 'Green'], correct: 1 }, producer);
    await store.apply('p', 'vote', { voter: 'v1', option: 0 }, viewer('1'));
    await store.apply('p', 'vote', { voter: 'v2', option: 1 }, viewer('2'));
    const last = await store.apply('p', 'vote', { voter: 'v3', option: 1 }, viewer('3'));
    expect((await rejection(store.apply('p', 'vote', { voter: 'v1', option: 2 }, viewer('1')))).reason).toBe('already_voted');
    expect((await rejection(store.apply('p', 'vote', { voter: 'v9', option: 3 }, viewer('9')))).reason).toBe('unknown_option');
    const s = last.state as PollState;
    expect(s.options.map((o) => o.percent)).toEqual([33, 67, 0]);
    expect(s.total).toBe(3);
    expect(s.correct).toBeUndefined();
    expect((await rejection(store.apply('p', 'reveal', {}, guest()))).reason).toBe('forbidden');
    await store.apply('p', 'close', {}, producer);
    expect((await rejection(store.apply('p', 'vote', { voter: 'v4', option: 0 }, viewer('4')))).reason).toBe('poll_not_open');
    const revealed = (await store.apply('p', 'reveal', {}, producer)).state as PollState;
    expect(revealed).toMatchObject({ revealed: true, correct: 1, status: 'closed' });
    const reset = (await store.apply('p', 'reset', {}, producer)).state as PollState;
    expect(reset).toMatchObject({ status: 'idle', question: '', total: 0, revealed: false });
    expect(reset.correct).toBeUndefined();
  });

  it('rounds percentages by largest remainder', () => {
    expect(percentages([1, 1, 1])).toEqual([34, 33, 33]);
    expect(percentages([0, 0])).toEqual([0, 0]);
    expect(percentages([2, 1]).reduce((a, b) => a + b)).toBe(100);
  });
});

describe('bets rules', () => {
  it('takes bets only on open markets, within the stake limits, at the current odds', async () => {
    const store = new SharedObjectStore();
    await store.create('b', 'bets', { currency: '€', minStake: 1, maxStake: 100 }, producer);
    const bet = { bettor: 'ann', market: 'final', selection: 'home', stake: 10 };
    expect((await rejection(store.apply('b', 'placeBet', bet, viewer()))).reason).toBe('unknown_market');
    const market = { market: 'final', name: 'Final', selections: [{ id: 'home', name: 'Home', odds: 1.8 }, { id: 'away', name: 'Away', odds: 2.2 }] };
    expect((await rejection(store.apply('b', 'openMarket', market, viewer()))).reason).toBe('forbidden');
    await store.apply('b', 'openMarket', market, producer);
    expect((await rejection(store.apply('b', 'openMarket', market, producer))).reason).toBe('market_exists');
    await store.apply('b', 'placeBet', bet, viewer('1'));
    expect((await rejection(store.apply('b', 'placeBet', { ...bet, selection: 'draw' }, viewer('1')))).reason).toBe('unknown_selection');
    expect((await rejection(store.apply('b', 'placeBet', { ...bet, stake: 0.5 }, viewer('1')))).reason).toBe('stake_too_low');
    expect((await rejection(store.apply('b', 'placeBet', { ...bet, stake: 101 }, viewer('1')))).reason).toBe('stake_too_high');
    await store.apply('b', 'setOdds', { market: 'final', selection: 'home', odds: 1.5 }, producer);
    const after = (await store.apply('b', 'placeBet', { ...bet, bettor: 'bob', stake: 20 }, viewer('2'))).state as BetsState;
    expect(after.recentBets.map((r) => r.odds)).toEqual([1.8, 1.5]);
    expect(after.markets[0].selections[0]).toMatchObject({ stake: 30, bets: 2, odds: 1.5 });
    await store.apply('b', 'closeMarket', { market: 'final' }, producer);
    expect(await rejection(store.apply('b', 'placeBet', bet, viewer('1')))).toMatchObject({ code: 'conflict', reason: 'market_closed' });
    const settled = (await store.apply('b', 'settleMarket', { market: 'final', winner: 'home' }, producer)).state as BetsState;
    expect(settled.markets[0]).toMatchObject({ status: 'settled', winner: 'home', totalStake: 30 });
    expect((await rejection(store.apply('b', 'setOdds', { market: 'final', selection: 'home', odds: 3 }, producer))).reason).toBe('market_settled');
  });
});

describe('chat, chalkboard, gps and kv rules', () => {
  it('limits chat text length and rate per client, others unaffected, producer exempt', async () => {
    const c = clock();
    const store = new SharedObjectStore({ now: c.now });
    await store.create('chat', 'chat', { maxTextLength: 20, maxMessages: 3, rate: { perSecond: 1, burst: 2 } }, producer);
    expect(await rejection(store.apply('chat', 'post', { author: 'eve', text: 'x'.repeat(21) }, viewer('e')))).toMatchObject({
      code: 'invalid_params',
      reason: 'text_too_long',
    });
    await store.apply('chat', 'post', { author: 'ann', text: 'one' }, viewer('a'));
    await store.apply('chat', 'post', { author: 'ann', text: 'two' }, viewer('a'));
    expect(await rejection(store.apply('chat', 'post', { author: 'ann', text: 'three' }, viewer('a')))).toMatchObject({
      code: 'too_many_requests',
      reason: 'rate_limited',
    });
    await store.apply('chat', 'post', { author: 'bob', text: 'hi' }, viewer('b'));
    await store.apply('chat', 'post', { author: 'host', text: 'welcome' }, producer);
    await store.apply('chat', 'post', { author: 'host', text: 'again' }, producer);
    c.advance(1000);
    const s = (await store.apply('chat', 'post', { author: 'ann', text: 'three' }, viewer('a'))).state as ChatState;
    expect(s.messages.map((m) => m.text)).toEqual(['welcome', 'again', 'three']);
    expect(s.total).toBe(6);
    expect((await rejection(store.apply('chat', 'clear', {}, guest()))).reason).toBe('forbidden');
    expect(((await store.apply('chat', 'clear', {}, producer)).state as ChatState).messages).toEqual([]);
  });

  it('draws chalkboard strokes (guests) and clears them (producer)', async () => {
    const store = new SharedObjectStore();
    await store.create('board', 'chalkboard', { maxStrokes: 2 }, producer);
    expect((await rejection(store.apply('board', 'stroke', { points: [[0, 0]] }, viewer()))).reason).toBe('forbidden');
    for (let i = 0; i < 3; i++) await store.apply('board', 'stroke', { points: [[0.1 * i, 0.5], [0.9, 0.5]], color: '#ff0000' }, guest());
    const s = store.get('board').state as ChalkboardState;
    expect(s.strokes.map((x) => x.seq)).toEqual([2, 3]);
    expect(s.strokes[0]).toMatchObject({ color: '#ff0000', width: 0.006 });
    expect((await rejection(store.apply('board', 'stroke', { points: [[1.5, 0]] }, guest()))).reason).toBe('invalid_args');
    const cleared = (await store.apply('board', 'clear', {}, producer)).state as ChalkboardState;
    expect(cleared).toEqual({ epoch: 1, strokes: [] });
  });

  it('keeps gps trails and the track limit', async () => {
    const store = new SharedObjectStore();
    await store.create('map', 'gps', { maxTracks: 1, trailLength: 2 }, producer);
    await store.apply('map', 'update', { trackId: 'car1', lat: 48.1, lon: 11.5, label: 'Car 1' }, guest());
    await store.apply('map', 'update', { trackId: 'car1', lat: 48.2, lon: 11.6 }, guest());
    const s = (await store.apply('map', 'update', { trackId: 'car1', lat: 48.3, lon: 11.7 }, guest())).state as GpsState;
    expect(s.tracks[0]).toMatchObject({ label: 'Car 1', lat: 48.3, trail: [[48.2, 11.6], [48.3, 11.7]] });
    expect((await rejection(store.apply('map', 'update', { trackId: 'car2', lat: 0, lon: 0 }, guest()))).reason).toBe('too_many_tracks');
  });

  it('lets only the writeRole set kv keys, and keeps odd keys as data', async () => {
    const store = new SharedObjectStore();
    await store.create('score', 'kv', { writeRole: 'guest' }, producer);
    expect((await rejection(store.apply('score', 'set', { key: 'home', value: 1 }, viewer()))).reason).toBe('forbidden');
    await store.apply('score', 'set', { key: 'home', value: 2 }, guest());
    const s = (await store.apply('score', 'set', { key: '__proto__', value: { polluted: true } }, guest())).state as KvState;
    expect(Object.keys(s.entries)).toEqual(['home', '__proto__']);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect((await rejection(store.apply('score', 'delete', { key: 'away' }, guest()))).reason).toBe('unknown_key');
  });
});

describe('bad input', () => {
  it('rejects unknown objects, unknown ops, wrong args, oversized payloads and wrong creates with a reason', async () => {
    const store = new SharedObjectStore();
    await store.create('lot', 'auction', {}, producer);
    expect(await rejection(store.apply('nope', 'bid', {}, viewer()))).toMatchObject({ code: 'not_found', reason: 'unknown_object' });
    const unknownOp = await rejection(store.apply('lot', 'vote', { voter: 'x', option: 0 }, viewer()));
    expect(unknownOp).toMatchObject({ code: 'invalid_params', reason: 'unknown_op' });
    expect(unknownOp.message).toContain('open, bid, close, reset');
    expect(await rejection(store.apply('lot', 'bid', { bidder: 'x', amount: 'lots' }, viewer()))).toMatchObject({ code: 'invalid_params', reason: 'invalid_args' });
    expect((await rejection(store.apply('lot', 'bid', { bidder: 'x', amount: 5, extra: 1 }, viewer()))).reason).toBe('invalid_args');
    expect(await rejection(store.apply('lot', 'bid', { bidder: 'x'.repeat(70_000), amount: 5 }, viewer()))).toMatchObject({
      code: 'payload_too_large',
    });
    expect((await rejection(store.create('lot', 'auction', {}, producer))).reason).toBe('object_exists');
    expect((await rejection(store.create('x', 'poll', {}, guest()))).reason).toBe('forbidden');
    expect((await rejection(store.create('x', 'nonsense' as 'poll', {}, producer))).reason).toBe('invalid_args');
    expect((await rejection(store.create('x', 'chat', { maxTextLength: -1 }, producer))).reason).toBe('invalid_args');
    expect(() => store.get('nope')).toThrow(ObjectRejection);
    expect(store.get('lot').version).toBe(0);
  });

  it('rate-limits a flooding client across objects while others go on', async () => {
    const c = clock();
    const store = new SharedObjectStore({ now: c.now, clientRate: { perSecond: 10, burst: 20 } });
    await store.create('p', 'poll', {}, producer);
    await store.apply('p', 'open', { question: 'q', options: ['a', 'b'] }, producer);
    const flood = await Promise.allSettled(Array.from({ length: 100 }, (_, i) => store.apply('p', 'vote', { voter: `f${i}`, option: 0 }, viewer('flooder'))));
    expect(flood.filter((r) => r.status === 'fulfilled')).toHaveLength(20);
    const refused = flood.filter((r): r is PromiseRejectedResult => r.status === 'rejected').map((r) => (r.reason as ObjectRejection).reason);
    expect(new Set(refused)).toEqual(new Set(['rate_limited']));
    await store.apply('p', 'vote', { voter: 'calm', option: 1 }, viewer('calm'));
    expect((store.get('p').state as PollState).total).toBe(21);
  });
});

describe('versions, events and pts', () => {
  it('emits one changed event per accepted op, in version order, stamped with the program pts', async () => {
    let pts = 1000;
    const store = new SharedObjectStore({ pts: () => pts });
    const events: ObjectChangedEvent[] = [];
    store.on('changed', (e) => events.push(e));
    await store.create('chat', 'chat', { rate: { perSecond: 1000, burst: 1000 } }, producer);
    await store.apply('chat', 'post', { author: 'a', text: 'first' }, viewer());
    pts = 1033;
    await rejection(store.apply('chat', 'post', { author: 'a', text: '' }, viewer()));
    await store.apply('chat', 'post', { author: 'a', text: 'second' }, viewer());
    expect(events.map((e) => [e.version, e.op, e.pts])).toEqual([
      [1, 'post', 1000],
      [2, 'post', 1033],
    ]);
    expect((events[1].state as ChatState).messages.map((m) => m.text)).toEqual(['first', 'second']);
    expect(events[0].args).toEqual({ author: 'a', text: 'first' });
  });

  it('200 concurrent bidders on one auction: exactly the valid bids are accepted, versions gap-free, nothing lost on restore', async () => {
    const path = await tempJournal();
    const store = await SharedObjectStore.open(path, { clientRate: { perSecond: 100, burst: 100 } });
    await store.create('lot', 'auction', { recentBids: 200 }, producer);
    await store.apply('lot', 'open', { startPrice: 100, minIncrement: 5 }, producer);
    const events: ObjectChangedEvent[] = [];
    store.on('changed', (e) => events.push(e));

    // Rising amounts with noise, so many bids arrive too low (deterministic pseudo-random).
    let seed = 42;
    const rand = () => (seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31;
    const bids = Array.from({ length: 200 }, (_, i) => ({ bidder: `bidder-${i}`, amount: 90 + i * 4 + Math.floor(rand() * 30) }));
    const results = await Promise.allSettled(bids.map((b, i) => store.apply('lot', 'bid', b, viewer(`client-${i}`))));

    // The store serializes in call order: simulate that order to know which bids are valid.
    let current: number | undefined;
    const expected = bids.map((b) => {
      const ok = current === undefined ? b.amount >= 100 : b.amount >= current + 5;
      if (ok) current = b.amount;
      return ok;
    });
    expect(results.map((r) => r.status === 'fulfilled')).toEqual(expected);
    for (const r of results) if (r.status === 'rejected') expect((r.reason as ObjectRejection).reason).toBe('bid_too_low');

    const accepted = results.flatMap((r) => (r.status === 'fulfilled' ? [r.value.version] : []));
    const n = expected.filter(Boolean).length;
    expect(n).toBeGreaterThan(50);
    expect(n).toBeLessThan(190);
    expect(accepted).toEqual(Array.from({ length: n }, (_, i) => i + 2));
    expect(events.map((e) => e.version)).toEqual(accepted);
    const final = store.get('lot');
    expect(final.version).toBe(n + 1);
    expect((final.state as AuctionState).current?.amount).toBe(current);
    expect((final.state as AuctionState).bidCount).toBe(n);
    // Group commit: far fewer syncs than ops.
    expect(store.journalStats?.commits).toBeLessThan(20);
    await store.close();

    const restored = await SharedObjectStore.open(path);
    expect(restored.get('lot')).toEqual(final);
    await restored.close();
  });

  it('restores every object type exactly as it was, from ops and from a compacted journal', async () => {
    const path = await tempJournal();
    const c = clock();
    const store = await SharedObjectStore.open(path, { now: c.now });
    await store.create('chat', 'chat', {}, producer);
    await store.create('poll', 'poll', { showResults: false }, producer);
    await store.create('bets', 'bets', {}, producer);
    await store.create('board', 'chalkboard', {}, producer);
    await store.create('map', 'gps', {}, producer);
    await store.create('kv', 'kv', {}, producer);
    await store.create('gone', 'kv', {}, producer);
    await store.apply('chat', 'post', { author: 'a', text: 'hello' }, viewer());
    await store.apply('poll', 'open', { question: 'q?', options: ['x', 'y'] }, producer);
    await store.apply('poll', 'vote', { voter: 'v', option: 1 }, viewer());
    await store.apply('bets', 'openMarket', { market: 'm', selections: [{ id: 'a', name: 'A', odds: 2 }, { id: 'b', name: 'B', odds: 3 }] }, producer);
    await store.apply('bets', 'placeBet', { bettor: 'z', market: 'm', selection: 'b', stake: 5 }, viewer());
    await store.apply('board', 'stroke', { points: [[0, 0], [1, 1]] }, guest());
    await store.apply('map', 'update', { trackId: 't', lat: 1, lon: 2 }, guest());
    await store.apply('kv', 'set', { key: 'k', value: [1, { a: null }] }, producer);
    await store.delete('gone', producer);
    const before = store.list().map((o) => store.get(o.id));
    await store.close();

    const replayed = await SharedObjectStore.open(path, { now: c.now });
    expect(replayed.list().map((o) => replayed.get(o.id))).toEqual(before);
    // The voter set survives, so the same voter is still refused.
    expect((await rejection(replayed.apply('poll', 'vote', { voter: 'v', option: 0 }, viewer()))).reason).toBe('already_voted');
    await replayed.compact();
    await replayed.apply('chat', 'post', { author: 'b', text: 'after compaction' }, viewer());
    const after = replayed.list().map((o) => replayed.get(o.id));
    await replayed.close();

    const compacted = await SharedObjectStore.open(path, { now: c.now });
    expect(compacted.list().map((o) => compacted.get(o.id))).toEqual(after);
    expect(compacted.journalStats?.records).toBe(7);
    expect((await rejection(compacted.apply('poll', 'vote', { voter: 'v', option: 0 }, viewer()))).reason).toBe('already_voted');
    await compacted.close();
  });
});

describe('object and overlay commands', () => {
  it('validates params, takes role and client id from the caller, and runs overlay commands for the producer', async () => {
    const c = clock();
    const store = new SharedObjectStore({ now: c.now });
    const graphics = new GraphicsLayer({ objects: store });
    const targets = { store, graphics };
    expect(isObjectCommand('object.op')).toBe(true);
    expect(isObjectCommand('layout.set')).toBe(false);
    await runObjectCommand('object.create', { id: 'chat', type: 'chat', options: { rate: { perSecond: 1, burst: 1 } } }, targets, { role: 'producer' });
    await expect(runObjectCommand('object.create', { id: 'x', type: 'nope' }, targets, { role: 'producer' })).rejects.toMatchObject({ code: 'invalid_params' });
    // A guest claiming another client id is rate-limited as itself.
    await runObjectCommand('object.op', { id: 'chat', op: 'post', args: { author: 'g', text: 'one' }, clientId: 'someone-else' }, targets, { role: 'guest', clientId: 'g1' });
    await expect(
      runObjectCommand('object.op', { id: 'chat', op: 'post', args: { author: 'g', text: 'two' }, clientId: 'another' }, targets, { role: 'guest', clientId: 'g1' }),
    ).rejects.toMatchObject({ reason: 'rate_limited' });
    const got = (await runObjectCommand('object.get', { id: 'chat' }, targets, { role: 'viewer' })) as { version: number };
    expect(got.version).toBe(1);
    expect(await runObjectCommand('object.list', {}, targets, { role: 'viewer' })).toEqual([{ id: 'chat', type: 'chat', version: 1 }]);
    await expect(runObjectCommand('overlay.add', { id: 'c', kind: 'chat', object: 'chat' }, targets, { role: 'guest', clientId: 'g1' })).rejects.toMatchObject({ code: 'unauthorized' });
    await runObjectCommand('overlay.add', { id: 'c', kind: 'chat', object: 'chat' }, targets, { role: 'producer' });
    await runObjectCommand('overlay.hide', { id: 'c', fadeMs: 0 }, targets, { role: 'producer' });
    expect(((await runObjectCommand('overlay.list', {}, targets, { role: 'producer' })) as { visible: boolean }[])[0].visible).toBe(false);
    await expect(runObjectCommand('overlay.show', { id: 'missing' }, targets, { role: 'producer' })).rejects.toMatchObject({ code: 'not_found' });
    await runObjectCommand('overlay.remove', { id: 'c' }, targets, { role: 'producer' });
    await runObjectCommand('object.delete', { id: 'chat' }, targets, { role: 'producer' });
    expect(store.list()).toEqual([]);
    graphics.dispose();
  });
});
