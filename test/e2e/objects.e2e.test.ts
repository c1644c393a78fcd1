/**
 * Shared objects end to end, through the real engine and real transports (issue 6's Proof):
 *  - 200 clients (HTTP and WebSocket) bid on one auction at once through ApiServer;
 *  - `cutline serve` SIGKILLed (its whole process group) mid-burst keeps every acknowledged change;
 *  - a poll overlay's bars change in the recording within one frame of the change's pts, and its
 *    panel blends (translucent, rounded, faded in) instead of stamping a box;
 *  - the SEI reaches an RTMP server's viewers (node-media-server, pulled by Debian's ffmpeg) on the
 *    frame where the bars change;
 *  - bad input and a flooding client are refused with a reason while the others go on.
 * The numbers it measures are printed (bids/s, object.op latency, frames from change to picture).
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { AuctionState, ChatState, ObjectChangedEvent, ObjectSnapshot, PollState } from '../../shared/objects.ts';
import type { EventMessage } from '../../shared/protocol.ts';
import { Engine } from '../../electron/engine/Engine.ts';
import { overlayBox } from '../../electron/engine/graphics/GraphicsLayer.ts';
import { pollLayout } from '../../electron/engine/graphics/renderers.ts';
import type { SharedObjectStore } from '../../electron/engine/objects/SharedObjectStore.ts';
import { FlvDemuxer, TAG_VIDEO } from '../../electron/engine/media/flv.ts';
import { CUTLINE_SEI_UUID, readCutlineSei, type TimedDataRecord } from '../../electron/engine/media/timedMetadata.ts';
import { ApiServer } from '../../electron/engine/server/ApiServer.ts';
import { OverlaySpec } from '../../shared/objects.ts';
import { colorDistance, hexRgb, pullRtmp, type RgbImage } from '../helpers/media.ts';
import {
  type ApiClient,
  barFill,
  type CommandReply,
  decodeFramesCropped,
  httpClient,
  percentile,
  pixel,
  probeFramesSei,
  startServe,
  traceUserDataSei,
  type WsApiClient,
  wsClient,
} from '../helpers/objects.ts';
import { freePort, type RtmpServer, sleep, startNodeMediaServer, waitUntil } from '../helpers/servers.ts';

const REPO = resolve(import.meta.dirname, '..', '..');
const SMALL_SHOW = {
  output: { width: 320, height: 180, fps: 15, videoBitrateKbps: 300 },
  sources: [{ id: 'cam', kind: 'testPattern', color: '#404850' }],
  layout: { preset: 'solo', sources: ['cam'] },
};
const report: string[] = [];
const note = (line: string) => {
  report.push(line);
  process.stdout.write(`[objects e2e] ${line}\n`);
};

afterAll(() => {
  if (report.length) process.stdout.write(`\n[objects e2e] summary\n${report.map((l) => `  ${l}`).join('\n')}\n`);
});

function changes(events: { event: string; data: unknown }[], id: string): ObjectChangedEvent[] {
  return events.filter((e) => e.event === 'object.changed').map((e) => e.data as ObjectChangedEvent).filter((c) => c.id === id);
}

describe('shared objects over the control API (one engine, real HTTP and WebSocket)', () => {
  let engine: Engine;
  let server: ApiServer;
  let base = '';
  let producer: ApiClient;
  let observer: WsApiClient;
  const dataDir = mkdtempSync(join(tmpdir(), 'cutline-objects-api-'));

  beforeAll(async () => {
    engine = await Engine.create({ log: () => {}, dataDir, show: SMALL_SHOW });
    server = new ApiServer(engine, { port: await freePort() });
    await server.listen();
    base = server.url;
    producer = httpClient(base);
    observer = await wsClient(base);
  });

  afterAll(async () => {
    observer?.close();
    await server?.close();
    await engine?.close();
  });

  it('200 clients bid at once: exactly the valid bids win, versions have no gap, nothing accepted is lost', async () => {
    expect((await producer.command('object.create', { id: 'lot', type: 'auction', options: { currency: '$', recentBids: 200 } })).ok).toBe(true);
    const opened = await producer.command('object.op', { id: 'lot', op: 'open', args: { startPrice: 100, minIncrement: 5, item: 'Signed shirt' } });
    expect(opened).toMatchObject({ ok: true, result: { version: 1 } });

    const clients: ApiClient[] = [];
    for (let i = 0; i < 100; i++) clients.push(httpClient(base));
    clients.push(...(await Promise.all(Array.from({ length: 100 }, () => wsClient(base)))));
    expect(clients.length).toBe(200);

    // Bidders watch the auction (as a player would from the stream) and bid the minimum or a bit
    // more, so many bids collide on the same amount; some bids are wrong on purpose.
    let seenNext = 100;
    const seen = setInterval(() => {
      const last = changes(observer.events, 'lot').at(-1);
      if (last) seenNext = (last.state as AuctionState).nextMinimum;
    }, 5);
    type Sent = { client: number; kind: 'http' | 'ws'; args: Record<string, unknown>; class: 'normal' | 'belowStart' | 'malformed'; reply: CommandReply };
    const sent: Sent[] = [];
    let seed = 42;
    const rand = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    const ROUNDS = 5;
    const t0 = performance.now();
    await Promise.all(
      clients.map(async (client, i) => {
        for (let round = 0; round < ROUNDS; round++) {
          let args: Record<string, unknown> = { bidder: `bidder-${i}`, amount: seenNext + 5 * rand(3) };
          let cls: Sent['class'] = 'normal';
          if (round === 1 && i % 20 === 0) {
            args = { bidder: `bidder-${i}`, amount: 50 };
            cls = 'belowStart';
          } else if (round === 2 && i % 25 === 1) {
            args = { bidder: `bidder-${i}`, amount: -5 };
            cls = 'malformed';
          } else if (round === 3 && i % 33 === 2) {
            args = { amount: seenNext + 100 };
            cls = 'malformed';
          }
          const reply = await client.command('object.op', { id: 'lot', op: 'bid', args });
          sent.push({ client: i, kind: client.kind, args, class: cls, reply });
        }
      }),
    );
    const elapsedS = (performance.now() - t0) / 1000;
    clearInterval(seen);

    const accepted = sent.filter((s) => s.reply.ok).sort((a, b) => (a.reply.result as { version: number }).version - (b.reply.result as { version: number }).version);
    const rejected = sent.filter((s) => !s.reply.ok);
    expect(sent.length).toBe(200 * ROUNDS);
    // Every refusal names its reason, and the wrong-on-purpose bids get the right one.
    for (const s of rejected) expect(['bid_too_low', 'invalid_args'], JSON.stringify(s.reply.error)).toContain(s.reply.error?.reason);
    for (const s of sent.filter((x) => x.class === 'malformed')) expect(s.reply.error?.reason).toBe('invalid_args');
    for (const s of sent.filter((x) => x.class === 'belowStart')) expect(s.reply.error?.reason).toBe('bid_too_low');
    expect(rejected.filter((s) => s.reply.error?.reason === 'bid_too_low').every((s) => /at least/i.test(s.reply.error?.message ?? ''))).toBe(true);

    // Versions of accepted bids are exactly 2..n+1; in that order each beats the last by the increment.
    const versions = accepted.map((s) => (s.reply.result as { version: number }).version);
    expect(versions).toEqual(versions.map((_, k) => k + 2));
    let previous: number | undefined;
    for (const s of accepted) {
      const amount = s.args.amount as number;
      if (previous === undefined) expect(amount).toBeGreaterThanOrEqual(100);
      else expect(amount).toBeGreaterThanOrEqual(previous + 5);
      previous = amount;
    }
    // A well-formed bid refused as too low really was: it could not beat the final price.
    const final = accepted.at(-1)?.args.amount as number;
    const wrongfullyRefused = rejected.filter((s) => s.class === 'normal' && (s.args.amount as number) >= final + 5);
    expect(wrongfullyRefused).toEqual([]);
    expect(final).toBe(Math.max(...sent.filter((s) => s.class === 'normal').map((s) => s.args.amount as number)));
    expect(accepted.length).toBeGreaterThan(20);
    expect(rejected.filter((s) => s.class === 'normal').length).toBeGreaterThan(100);

    // object.get: the final price, the count and every accepted bid in order.
    const lastVersion = accepted.length + 1;
    const got = await producer.command('object.get', { id: 'lot' });
    const snap = got.result as ObjectSnapshot<'auction'>;
    expect(snap.version).toBe(lastVersion);
    expect(snap.state.current?.amount).toBe(final);
    expect(snap.state.bidCount).toBe(accepted.length);
    expect(snap.state.recentBids.map((b) => [b.bidder, b.amount])).toEqual(accepted.slice(-200).map((s) => [s.args.bidder, s.args.amount]));

    // Events: the observer and every bidding WebSocket saw versions 1..n+1, once each, in order,
    // each ok reply's bid among them, each stamped with a program timestamp.
    await waitUntil(() => changes(observer.events, 'lot').at(-1)?.version === lastVersion, 5000, 'observer has the last version');
    const seenByObserver = changes(observer.events, 'lot');
    expect(seenByObserver.map((c) => c.version)).toEqual(Array.from({ length: lastVersion }, (_, k) => k + 1));
    for (const s of accepted) {
      const v = (s.reply.result as { version: number }).version;
      expect(seenByObserver[v - 1]).toMatchObject({ version: v, op: 'bid', args: s.args });
    }
    const pts = seenByObserver.map((c) => c.pts);
    expect(pts.every((p) => typeof p === 'number')).toBe(true);
    expect(pts).toEqual([...(pts as number[])].sort((a, b) => a - b));
    const wsBidders = clients.filter((c): c is WsApiClient => c.kind === 'ws');
    await waitUntil(() => wsBidders.every((c) => changes(c.events, 'lot').at(-1)?.version === lastVersion), 5000, 'every bidder socket has the last version');
    // They connected after `open` (version 1), so each saw 2..n+1.
    for (const c of wsBidders) expect(changes(c.events, 'lot').map((e) => e.version)).toEqual(Array.from({ length: lastVersion - 1 }, (_, k) => k + 2));

    const http = sent.filter((s) => s.kind === 'http').map((s) => s.reply.ms);
    const ws = sent.filter((s) => s.kind === 'ws').map((s) => s.reply.ms);
    note(
      `concurrency: ${sent.length} bids from 200 clients in ${elapsedS.toFixed(2)} s = ${(sent.length / elapsedS).toFixed(0)} bids/s; ` +
        `${accepted.length} accepted, ${rejected.length} refused; object.op latency HTTP p50 ${percentile(http, 50).toFixed(1)} ms / p95 ${percentile(http, 95).toFixed(1)} ms, ` +
        `WS p50 ${percentile(ws, 50).toFixed(1)} ms / p95 ${percentile(ws, 95).toFixed(1)} ms; journal ${JSON.stringify((engine['objects'] as SharedObjectStore).journalStats)}`,
    );
    for (const c of clients) c.close();
  });

  it('refuses bad input with a reason and a status, and a flooding client alone, while the others go on', async () => {
    await producer.command('object.create', { id: 'talk', type: 'chat', options: { maxMessages: 500 } });
    const before = (await producer.command('object.get', { id: 'lot' })).result as ObjectSnapshot<'auction'>;
    const cases: { name: string; params: unknown; status: number; reason?: string; code: string; text: RegExp }[] = [
      { name: 'object.op', params: { id: 'nope', op: 'bid', args: { bidder: 'x', amount: 1e6 } }, status: 404, code: 'not_found', reason: 'unknown_object', text: /No shared object "nope"/ },
      { name: 'object.op', params: { id: 'lot', op: 'vote', args: { voter: 'x', option: 0 } }, status: 400, code: 'invalid_params', reason: 'unknown_op', text: /auction has no operation "vote".*bid/ },
      { name: 'object.op', params: { id: 'lot', op: 'bid', args: { bidder: 'x', amount: 'lots' } }, status: 400, code: 'invalid_params', reason: 'invalid_args', text: /amount/ },
      { name: 'object.op', params: { id: 'talk', op: 'post', args: { author: 'x', text: 'y'.repeat(70_000) } }, status: 413, code: 'payload_too_large', reason: 'payload_too_large', text: /at most 65536/ },
      { name: 'object.op', params: { id: 'talk', op: 'post', args: { author: 'x', text: 'y'.repeat(2000) } }, status: 400, code: 'invalid_params', reason: 'text_too_long', text: /280/ },
      { name: 'object.create', params: { id: 'holo', type: 'hologram' }, status: 400, code: 'invalid_params', text: /type/ },
      { name: 'object.create', params: { id: 'lot', type: 'auction' }, status: 409, code: 'conflict', reason: 'object_exists', text: /already exists/ },
      { name: 'overlay.add', params: { id: 'wrong', kind: 'poll', object: 'lot' }, status: 400, code: 'invalid_params', text: /"lot" is a auction; a poll overlay shows a poll/ },
    ];
    for (const c of cases) {
      const r = await producer.command(c.name, c.params);
      const what = `${c.name} ${JSON.stringify(c.params).slice(0, 80)}`;
      expect(r.ok, what).toBe(false);
      expect(r.status, what).toBe(c.status);
      expect(r.error?.code, what).toBe(c.code);
      if (c.reason) expect(r.error?.reason, what).toBe(c.reason);
      expect(r.error?.message, what).toMatch(c.text);
    }
    // A body over the transport's limit is refused before it is parsed.
    const huge = await fetch(`${base}/api/v1/commands/object.op`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ id: 'talk', op: 'post', args: { author: 'x', text: 'z'.repeat(1_200_000) } }),
    });
    expect(huge.status).toBe(413);
    // Over the WebSocket, an oversized frame closes only that socket (1009), not the others'.
    const big = await wsClient(base);
    const bigSocket = new WebSocket(`${base.replace('http', 'ws')}/api/v1/ws`);
    await new Promise((r) => bigSocket.once('open', r));
    const closeCode = new Promise<number>((r) => bigSocket.once('close', (code) => r(code)));
    bigSocket.send(JSON.stringify({ type: 'request', requestId: 1, command: 'object.op', params: { id: 'talk', op: 'post', args: { author: 'x', text: 'w'.repeat(1_100_000) } } }));
    expect(await closeCode).toBe(1009);
    expect((await big.command('object.get', { id: 'talk' })).ok).toBe(true);
    big.close();

    // A flood: one client (relayed with its clientId, as a bidding site's backend would) posts 60
    // chat lines and sends 100 bids at once; 20 others post and bid normally meanwhile.
    const flood = Promise.all([
      ...Array.from({ length: 60 }, (_, k) => producer.command('object.op', { id: 'talk', op: 'post', clientId: 'flooder', args: { author: 'flooder', text: `spam ${k}` } })),
      ...Array.from({ length: 100 }, (_, k) => producer.command('object.op', { id: 'lot', op: 'bid', clientId: 'flooder-2', args: { bidder: 'flooder-2', amount: before.state.nextMinimum + 10_000 + k * 5 } })),
    ]);
    let nextBid = before.state.nextMinimum + 1_000_000;
    const others = Promise.all(
      Array.from({ length: 20 }, async (_, i) => {
        const client = i % 2 ? httpClient(base) : await wsClient(base);
        const replies: CommandReply[] = [];
        replies.push(await client.command('object.op', { id: 'talk', op: 'post', clientId: `viewer-${i}`, args: { author: `viewer ${i}`, text: `hello from ${i}` } }));
        const amount = nextBid;
        nextBid += 5;
        replies.push(await client.command('object.op', { id: 'lot', op: 'bid', clientId: `viewer-${i}`, args: { bidder: `viewer-${i}`, amount } }));
        client.close();
        return replies;
      }),
    );
    const [floodReplies, otherReplies] = await Promise.all([flood, others]);
    const posts = floodReplies.slice(0, 60);
    const bids = floodReplies.slice(60);
    const postsOk = posts.filter((r) => r.ok).length;
    expect(postsOk).toBeGreaterThanOrEqual(5);
    expect(postsOk).toBeLessThanOrEqual(7);
    for (const r of posts.filter((x) => !x.ok)) expect(r).toMatchObject({ status: 429, error: { code: 'too_many_requests', reason: 'rate_limited' } });
    expect(posts.find((r) => !r.ok)?.error?.message).toMatch(/posting too fast: wait \d/);
    const bidsLimited = bids.filter((r) => r.error?.reason === 'rate_limited').length;
    expect(bidsLimited).toBeGreaterThanOrEqual(55);
    expect(bids.filter((r) => !r.ok).every((r) => ['rate_limited', 'bid_too_low'].includes(r.error?.reason ?? ''))).toBe(true);
    // Nobody else was refused anything.
    for (const r of otherReplies.flat()) expect(r.ok, JSON.stringify(r.error)).toBe(true);

    // The objects hold exactly what was accepted, versions still without a gap.
    const talk = (await producer.command('object.get', { id: 'talk' })).result as ObjectSnapshot<'chat'>;
    expect(talk.state.messages.filter((m) => m.author === 'flooder').length).toBe(postsOk);
    expect(talk.state.messages.filter((m) => m.author.startsWith('viewer ')).length).toBe(20);
    expect(talk.version).toBe(postsOk + 20);
    const lot = (await producer.command('object.get', { id: 'lot' })).result as ObjectSnapshot<'auction'>;
    const acceptedBids = [...floodReplies, ...otherReplies.flat()].filter((r) => r.ok && (r.result as { state: unknown }).state && 'bidCount' in (r.result as { state: object }).state).length;
    expect(lot.version).toBe(before.version + acceptedBids);
    await waitUntil(() => changes(observer.events, 'lot').at(-1)?.version === lot.version, 5000, 'observer caught up');
    expect(changes(observer.events, 'lot').map((c) => c.version)).toEqual(Array.from({ length: lot.version }, (_, k) => k + 1));
    note(`bad input: 8 kinds refused with reasons; flood: ${postsOk}/60 chat posts and ${100 - bidsLimited}/100 bids let through the limiter, 40/40 ops of 20 other clients accepted`);
  });
});

describe('persistence: `cutline serve` SIGKILLed mid-burst', () => {
  it('keeps every acknowledged chat post and bid after a restart on the same --data folder', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cutline-objects-kill-'));
    const showFile = join(dir, 'show.json');
    writeFileSync(showFile, JSON.stringify(SMALL_SHOW));
    const dataDir = join(dir, 'data');
    const args = (port: number) => ['--port', String(port), '--data', dataDir, '--show', showFile];
    const first = await startServe(args(await freePort()), REPO, 60_000);
    const api = httpClient(first.base);
    expect((await api.command('object.create', { id: 'chat', type: 'chat', options: { maxMessages: 1000 } })).ok).toBe(true);
    expect((await api.command('object.create', { id: 'lot', type: 'auction', options: { recentBids: 200 } })).ok).toBe(true);
    expect((await api.command('object.op', { id: 'lot', op: 'open', args: { startPrice: 10, minIncrement: 1 } })).ok).toBe(true);

    type Acked = { op: 'post' | 'bid'; args: Record<string, unknown>; version: number };
    const acked: Acked[] = [];
    let inFlight = 0;
    let lost = 0;
    let amount = 10;
    let stop = false;
    let killedAt = 0;
    let inFlightAtKill = 0;
    const KILL_AFTER = 300;
    // The engine and its ffmpeg children, all at once, like a power cut of the process tree. It is
    // killed on the very reply that makes KILL_AFTER, not by a poll: a poll that wakes late (a
    // loaded machine) let the burst run on to 460+ changes, more bids than the auction's
    // recentBids window of 200 holds, and the oldest acknowledged bids then "went missing" from
    // the window although they were restored (bidCount counted them).
    const killNow = () => {
      const pid = first.child.pid as number;
      const kids = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
      process.kill(pid, 'SIGKILL');
      for (const kid of kids) {
        try {
          process.kill(kid, 'SIGKILL');
        } catch {}
      }
      stop = true;
      killedAt = acked.length; // replies already on the wire may still arrive: they count as acknowledged
      inFlightAtKill = inFlight - 1; // the request just answered is still counted
    };
    const worker = async (w: number) => {
      for (let k = 0; !stop; k++) {
        const isPost = k % 2 === 0;
        const args = isPost ? { author: `w${w}`, text: `w${w}-m${k}` } : { bidder: `w${w}`, amount: amount++ };
        inFlight++;
        try {
          const r = await api.command('object.op', { id: isPost ? 'chat' : 'lot', op: isPost ? 'post' : 'bid', args });
          if (r.ok) acked.push({ op: isPost ? 'post' : 'bid', args, version: (r.result as { version: number }).version });
          if (!stop && acked.length >= KILL_AFTER) killNow();
        } catch {
          lost++;
          return;
        } finally {
          inFlight--;
        }
      }
    };
    const workers = Array.from({ length: 16 }, (_, w) => worker(w));
    await waitUntil(() => stop, 30_000, `${KILL_AFTER} acknowledged changes (the kill)`);
    await Promise.all(workers);
    expect(inFlightAtKill).toBeGreaterThan(0);

    const second = await startServe(args(await freePort()), REPO, 60_000);
    try {
      const api2 = httpClient(second.base);
      const chat = (await api2.command('object.get', { id: 'chat' })).result as ObjectSnapshot<'chat'>;
      const lot = (await api2.command('object.get', { id: 'lot' })).result as ObjectSnapshot<'auction'>;
      const posts = acked.filter((a) => a.op === 'post');
      const bids = acked.filter((a) => a.op === 'bid');
      expect(chat.version).toBeGreaterThanOrEqual(Math.max(...posts.map((p) => p.version)));
      const texts = new Map((chat.state as ChatState).messages.map((m) => [m.text, m.seq]));
      const missingPosts = posts.filter((p) => !texts.has(p.args.text as string));
      expect(missingPosts).toEqual([]);
      // Each post keeps its place: version n is the n-th message (seq n).
      for (const p of posts) expect(texts.get(p.args.text as string)).toBe(p.version);
      expect((chat.state as ChatState).total).toBe(chat.version);
      expect(lot.version).toBeGreaterThanOrEqual(Math.max(...bids.map((b) => b.version)));
      // Every bid is checked by name below: that needs them all inside the auction's recentBids window.
      expect(lot.version - 1, 'bids restored (must fit the recentBids window of 200 for the check below)').toBeLessThanOrEqual(200);
      const restoredBids = new Map((lot.state as AuctionState).recentBids.map((b) => [`${b.bidder}:${b.amount}`, b]));
      const missingBids = bids.filter((b) => !restoredBids.has(`${b.args.bidder}:${b.args.amount}`));
      expect(missingBids).toEqual([]);
      expect((lot.state as AuctionState).bidCount).toBe(lot.version - 1);
      // And it goes on from there without a gap.
      const more = await api2.command('object.op', { id: 'chat', op: 'post', args: { author: 'after', text: 'back again' } });
      expect(more).toMatchObject({ ok: true, result: { version: chat.version + 1 } });
      const unacked = chat.version - posts.length + (lot.version - 1 - bids.length);
      note(
        `persistence: SIGKILL after ${killedAt} acknowledged changes (${acked.length} with replies already on the wire) with ${inFlightAtKill} in flight; restart restored chat v${chat.version}, auction v${lot.version}: ` +
          `all ${posts.length} acked posts and ${bids.length} acked bids present, ${unacked} more that were written but not yet acknowledged, ${lost} requests cut off`,
      );
    } finally {
      second.child.kill('SIGTERM');
      await new Promise((r) => second.child.once('exit', r));
    }
  });
});

describe('burn-in and timed metadata: a poll overlay on a recording and on an RTMP server', () => {
  const WIDTH = 640;
  const HEIGHT = 360;
  const FPS = 15;
  const BG = '#3aa655';
  const ACCENT = '#f2b705';
  const dir = mkdtempSync(join(tmpdir(), 'cutline-objects-av-'));
  const pulled = join(dir, 'pulled.flv');
  let rtmp: RtmpServer;
  let engine: Engine;
  let recording = '';
  const events: EventMessage[] = [];
  const spec = OverlaySpec.parse({ id: 'pollov', kind: 'poll', object: 'pp', x: 0.3, y: 0.1, width: 0.6, height: 0.8, fadeMs: 400, accent: ACCENT });
  const box = overlayBox(spec, WIDTH, HEIGHT);
  const MARGIN = 16;
  const crop = { x: box.x - MARGIN, y: box.y - MARGIN, w: box.w + MARGIN * 2, h: box.h + MARGIN * 2 };
  const VOTES = [0, 1, 1, 1, 0, 1];

  beforeAll(async () => {
    rtmp = await startNodeMediaServer();
    engine = await Engine.create({
      log: () => {},
      show: {
        output: { width: WIDTH, height: HEIGHT, fps: FPS, videoBitrateKbps: 1500, keyframeIntervalS: 2 },
        sources: [{ id: 'cam', kind: 'testPattern', color: BG, label: 'cam' }],
        layout: { preset: 'solo', sources: ['cam'] },
        destinations: [
          { id: 'rec', kind: 'recording', path: `${dir}/` },
          { id: 'server', kind: 'rtmp', url: `${rtmp.url}/live`, streamKey: 'objects-key-1' },
        ],
      },
    });
    engine.onAnyEvent((m) => events.push(m));
    await engine.dispatch('destination.startAll', {});
    await waitUntil(() => engine.getState().destinations.every((d) => d.state === 'live'), 20_000, 'destinations live');
    const puller = pullRtmp(`${rtmp.url}/live/objects-key-1`, pulled);
    recording = engine.getDestination('rec')?.filePath as string;
    await sleep(1500);
    await engine.dispatch('object.create', { id: 'pp', type: 'poll' });
    await engine.dispatch('object.op', { id: 'pp', op: 'open', args: { question: 'Who wins tonight?', options: ['Red', 'Blue'] } });
    await engine.dispatch('overlay.add', spec);
    await sleep(1500);
    for (const option of VOTES) {
      await engine.dispatch('object.op', { id: 'pp', op: 'vote', args: { voter: `v${Math.random()}`, option }, clientId: `voter-${option}-${Math.random()}` });
      await sleep(700);
    }
    await sleep(1000);
    await engine.dispatch('destination.stopAll', {});
    await puller.stop();
  }, 90_000);

  afterAll(async () => {
    await engine?.close();
    await rtmp?.stop();
  });

  const pollChanges = () => events.filter((m) => m.event === 'object.changed').map((m) => m.data as ObjectChangedEvent).filter((c) => c.id === 'pp');
  const voteChanges = () => pollChanges().filter((c) => c.op === 'vote');

  /** Reads a file the way a player developer would: frames, their SEI, the bars on each frame. */
  async function analyse(file: string) {
    const [frames, sei, pictures] = await Promise.all([probeFramesSei(file), traceUserDataSei(file), decodeFramesCropped(file, crop)]);
    expect(pictures.length, 'every frame decoded once').toBe(frames.length);
    expect(sei.length, 'ffprobe and the H.264 trace see the same SEI messages').toBe(frames.reduce((n, f) => n + f.userDataSei, 0));
    // Which frame each SEI message rides on (decode order = presentation order: no B-frames).
    const seiFrame: number[] = [];
    frames.forEach((f, i) => {
      for (let k = 0; k < f.userDataSei; k++) seiFrame.push(i);
    });
    const recordFrame = new Map<number, number>();
    const records: TimedDataRecord[] = [];
    sei.forEach((m, k) => {
      if (m.uuid !== CUTLINE_SEI_UUID.toString('hex')) return;
      const parsed = JSON.parse(m.payload.toString('utf8')) as TimedDataRecord | TimedDataRecord[];
      for (const r of Array.isArray(parsed) ? parsed : [parsed]) {
        records.push(r);
        if (r.object === 'pp') recordFrame.set(r.version, seiFrame[k]);
      }
    });
    const L = pollLayout(box.w, box.h, { options: [{}, {}] } as PollState, true);
    const accent = hexRgb(ACCENT);
    const fills = pictures.map((img) =>
      L.rows.map((row) => barFill(img, { x: MARGIN + L.barX, y: MARGIN + row.barY, w: L.barW, h: row.barH }, accent)),
    );
    return { frames, records, recordFrame, pictures, fills };
  }

  /** For each vote: the frame carrying its SEI and the first frame whose bars show its percentages. */
  function syncOf(a: Awaited<ReturnType<typeof analyse>>) {
    const out: { version: number; seiFrame: number; shownFrame: number; percents: number[] }[] = [];
    let from = 0;
    for (const change of voteChanges()) {
      const percents = (change.state as PollState).options.map((o) => o.percent);
      const seiFrame = a.recordFrame.get(change.version);
      expect(seiFrame, `SEI for version ${change.version}`).toBeDefined();
      const matches = (i: number) => a.fills[i].every((f, k) => Math.abs(f - percents[k] / 100) < 0.05);
      let shownFrame = -1;
      for (let i = from; i < a.fills.length; i++) {
        if (matches(i) && (i + 1 >= a.fills.length || matches(i + 1))) {
          shownFrame = i;
          break;
        }
      }
      expect(shownFrame, `bars at ${percents.join('/')} % for version ${change.version}`).toBeGreaterThan(-1);
      out.push({ version: change.version, seiFrame: seiFrame as number, shownFrame, percents });
      from = shownFrame + 1;
    }
    return out;
  }

  it('each vote changes the bars in the recording within one frame of its pts, on the frame carrying its SEI', async () => {
    const votes = voteChanges();
    expect(votes.map((c) => (c.state as PollState).options.map((o) => o.percent))).toEqual([
      [100, 0],
      [50, 50],
      [33, 67],
      [25, 75],
      [40, 60],
      [33, 67],
    ]);
    const a = await analyse(recording);
    const sync = syncOf(a);
    // The SEI sits on the frame the engine stamped: recording time = pts - (a constant start offset).
    const offsets = votes.map((c) => Math.round(a.frames[a.recordFrame.get(c.version) as number].ptsS * 1000) - (c.pts as number));
    for (const o of offsets) expect(Math.abs(o - offsets[0])).toBeLessThanOrEqual(1);
    for (const s of sync) expect(Math.abs(s.shownFrame - s.seiFrame), JSON.stringify(s)).toBeLessThanOrEqual(1);
    // Before the change frame the bars still showed the previous percentages.
    for (const [k, s] of sync.entries()) {
      if (k === 0 || s.seiFrame < 2) continue;
      const prev = sync[k - 1].percents;
      expect(a.fills[s.seiFrame - 2].every((f, j) => Math.abs(f - prev[j] / 100) < 0.05)).toBe(true);
    }
    note(`burn-in (recording): frames from SEI/pts to bars changed: ${sync.map((s) => s.shownFrame - s.seiFrame).join(', ')} (1 frame = ${(1000 / FPS).toFixed(0)} ms)`);
    // The sidecar beside the recording has the same changes, stamped with the time of the frame
    // that carries them in this file.
    const sidecar = readFileSync(recording.replace(/\.mkv$/, '.data.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as TimedDataRecord)
      .filter((r) => r.object === 'pp');
    for (const change of votes) {
      const line = sidecar.find((r) => r.version === change.version);
      expect(line, `sidecar line for version ${change.version}`).toBeDefined();
      const frame = a.frames[a.recordFrame.get(change.version) as number];
      expect(Math.abs((line as TimedDataRecord).pts - frame.ptsS * 1000)).toBeLessThanOrEqual(1000 / FPS);
    }
  });

  it("the poll panel blends into the picture: translucent, rounded corners, faded in, no box", async () => {
    const a = await analyse(recording);
    const bg = hexRgb(BG);
    const panel = hexRgb('#101521');
    const expected = panel.map((c, k) => 0.8 * c + 0.2 * bg[k]);
    const firstVote = a.recordFrame.get(voteChanges()[0].version) as number;
    const img: RgbImage = a.pictures[firstVote - 2];
    // Outside the overlay: the source untouched.
    expect(colorDistance(pixel(img, 4, crop.h / 2), bg)).toBeLessThan(25);
    // Inside the panel (above the title): 80 % panel over the source, not an opaque dark box.
    const inside = pixel(img, MARGIN + box.w / 2, MARGIN + 5);
    expect(colorDistance(inside, expected)).toBeLessThan(20);
    expect(colorDistance(inside, panel)).toBeGreaterThan(20);
    // The very corner of the box lies outside the rounded panel: the source shows there.
    expect(colorDistance(pixel(img, MARGIN + 1, MARGIN + 1), bg)).toBeLessThan(30);
    // Around the rounded corner, edge pixels take in-between values (anti-aliased), not a step.
    const span0 = colorDistance(bg, expected);
    const corner = Array.from({ length: 100 }, (_, k) => pixel(img, MARGIN + (k % 10), MARGIN + Math.floor(k / 10)));
    const between = corner.filter((p) => colorDistance(p, bg) > span0 * 0.15 && colorDistance(p, expected) > span0 * 0.15);
    expect(between.length).toBeGreaterThanOrEqual(4);
    // Fade-in: the panel went through intermediate opacities over several frames.
    const series = a.pictures.map((p) => pixel(p, MARGIN + box.w / 2, MARGIN + 5));
    const span = colorDistance(bg, expected);
    const fading = series.filter((p) => colorDistance(p, bg) > span * 0.15 && colorDistance(p, expected) > span * 0.15).length;
    expect(fading).toBeGreaterThanOrEqual(2);
    note(`alpha: panel ${inside.map((v) => v.toFixed(0)).join(',')} vs expected blend ${expected.map((v) => v.toFixed(0)).join(',')}, ${between.length} in-between corner pixels, ${fading} fade-in frames`);
  });

  it('the SEI reaches an RTMP server viewer on the frame where the bars change (ffprobe, ffmpeg trace, FLV parse)', async () => {
    const a = await analyse(pulled);
    const votes = voteChanges();
    // Debian's ffprobe lists the side data; ffmpeg's H.264 parser shows Cutline's UUID and the JSON.
    expect(a.frames.some((f) => f.userDataSei > 0)).toBe(true);
    for (const c of votes) {
      const r = a.records.find((x) => x.object === 'pp' && x.version === c.version);
      expect(r, `record v${c.version}`).toMatchObject({ object: 'pp', op: 'vote', version: c.version, state: c.state });
    }
    // The FLV the server served carries the same records on video tags at the same timestamps.
    const demuxer = new FlvDemuxer();
    const tags = demuxer.push(readFileSync(pulled));
    const inFlv = new Map<number, number>();
    for (const tag of tags.filter((t) => t.type === TAG_VIDEO))
      for (const payload of readCutlineSei(tag.payload)) {
        const parsed = JSON.parse(payload.toString('utf8')) as TimedDataRecord | TimedDataRecord[];
        for (const r of Array.isArray(parsed) ? parsed : [parsed]) if (r.object === 'pp') inFlv.set(r.version, tag.timestamp);
      }
    for (const c of votes) {
      const frame = a.recordFrame.get(c.version) as number;
      expect(Math.abs((inFlv.get(c.version) ?? -1) - a.frames[frame].ptsS * 1000)).toBeLessThanOrEqual(1);
    }
    const sync = syncOf(a);
    for (const s of sync) expect(Math.abs(s.shownFrame - s.seiFrame), JSON.stringify(s)).toBeLessThanOrEqual(1);
    note(`timed metadata (RTMP via node-media-server): ${votes.length} vote records found by ffprobe side data + trace_headers + FLV parse; frames from SEI to bars changed: ${sync.map((s) => s.shownFrame - s.seiFrame).join(', ')}`);
  });

});
