/**
 * Bench (issue #14): audience-scale interaction on this machine, loopback only. A real
 * redis-server (AOF, appendfsync always), two `cutline gateway` processes, optionally an engine
 * (`cutline serve --objects-redis`, which mixes a program meanwhile), and N viewer WebSockets
 * with one JWT each, spread over the gateways.
 *
 *  1. Poll: trivia rounds of `--round-ms` on one poll; every viewer votes once per round at a
 *     random moment, so viewers / round seconds valid votes arrive per second, for `--seconds`.
 *     Checked: every acknowledged vote is in the Stream exactly once per round, versions gap-free;
 *     measured: ack latency p50/p99, and when every viewer got the final state after the last vote.
 *  2. Auction: `--bidders` of the viewers bid the next minimum (plus 0-2 increments) as fast as
 *     their answers come back, for `--auction-s`. Checked: final price = highest accepted bid, no
 *     accepted bid below the previous + increment, versions gap-free.
 * Prints CPU per 1,000 viewers for a gateway and ops/s per Redis core. Run under the media lock:
 *
 *   flock /tmp/cutline-media.lock npx tsx bench/audience.ts --viewers 10000 --seconds 60 [--round-ms 2000]
 *     [--bidders 2000] [--auction-s 20] [--no-engine] [--appendfsync always|everysec]
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import WebSocket from 'ws';
import { RedisObjectStore } from '../electron/engine/objects/RedisObjectStore.ts';
import { objectKeys } from '../electron/engine/objects/redisScripts.ts';
import { CLI } from '../test/helpers/cutlineServe.ts';
import { type GatewayProcess, startGatewayProcess, viewerToken } from '../test/helpers/gateway.ts';
import { startRedis } from '../test/helpers/redis.ts';
import { freePort, sleep } from '../test/helpers/servers.ts';
import { readProc } from './lib/proc.ts';
import { percentile } from './lib/stats.ts';

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? (process.argv[i + 1] as string) : fallback;
}
const VIEWERS = Number(arg('viewers', '10000'));
const SECONDS = Number(arg('seconds', '60'));
const ROUND_MS = Number(arg('round-ms', '2000'));
const BIDDERS = Math.min(VIEWERS, Number(arg('bidders', '2000')));
const AUCTION_S = Number(arg('auction-s', '20'));
const WITH_ENGINE = !process.argv.includes('--no-engine');
/** `always` is what durability needs (docs/SHARED-OBJECTS.md); `everysec` shows what fsync costs. */
const APPENDFSYNC = arg('appendfsync', 'always') as 'always' | 'everysec';
const producer = { role: 'producer' as const };

function maxOf(values: number[]): number {
  return values.reduce((a, b) => (b > a ? b : a), Number.NEGATIVE_INFINITY);
}

function cpuS(pid: number | undefined): number {
  const p = pid ? readProc(pid) : undefined;
  return p ? p.userS + p.sysS : 0;
}

interface Viewer {
  ws: WebSocket;
  sub: string;
  pending: Map<number, (text: string) => void>;
  nextId: number;
  /** Latest poll version this viewer was told of, and when. */
  pollVersion: number;
  pollAt: number;
  lotNext: number;
}

const VERSION = /"version":(\d+)/;
const NEXT_MIN = /"nextMinimum":(\d+(?:\.\d+)?)/;

function connect(url: string, token: string, sub: string): Promise<Viewer> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { headers: { Authorization: `Bearer ${token}` }, perMessageDeflate: false });
    const viewer: Viewer = { ws, sub, pending: new Map(), nextId: 1, pollVersion: 0, pollAt: 0, lotNext: 0 };
    ws.on('message', (data) => {
      const text = String(data);
      if (text.startsWith('{"type":"hello"')) return resolve(viewer);
      if (text.startsWith('{"type":"response"')) {
        const id = Number(/"requestId":(\d+)/.exec(text)?.[1]);
        const done = viewer.pending.get(id);
        viewer.pending.delete(id);
        done?.(text);
        return;
      }
      // Events: read only what the bench needs, without parsing every one.
      if (text.includes('"id":"poll"')) {
        const v = Number(VERSION.exec(text)?.[1] ?? 0);
        if (v > viewer.pollVersion) {
          viewer.pollVersion = v;
          viewer.pollAt = performance.now();
        }
      } else if (text.includes('"id":"lot"')) {
        const next = Number(NEXT_MIN.exec(text)?.[1] ?? 0);
        if (next > viewer.lotNext) viewer.lotNext = next;
      }
    });
    ws.once('error', reject);
  });
}

function request(v: Viewer, params: unknown): Promise<string> {
  return new Promise((resolve) => {
    const requestId = v.nextId++;
    v.pending.set(requestId, resolve);
    v.ws.send(JSON.stringify({ type: 'request', requestId, command: 'object.op', params }));
  });
}

async function startEngine(redisUrl: string): Promise<ChildProcess | undefined> {
  if (!WITH_ENGINE) return undefined;
  const port = await freePort();
  const child = spawn(process.execPath, [CLI, 'serve', '--port', String(port), '--data', mkdtempSync(join(tmpdir(), 'cutline-bench-')), '--objects-redis', redisUrl], { stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise<void>((resolve) => child.stdout?.on('data', (c: Buffer) => String(c).includes('serving on') && resolve()));
  return child;
}

async function main(): Promise<void> {
  const redis = await startRedis({ appendfsync: APPENDFSYNC });
  console.log(`redis-server with appendfsync ${APPENDFSYNC}`);
  const store = await RedisObjectStore.open({ url: redis.url, log: () => {} });
  const key = await store.audienceKey(false);
  const gateways: GatewayProcess[] = [await startGatewayProcess(redis.url), await startGatewayProcess(redis.url)];
  const engine = await startEngine(redis.url);
  await store.create('poll', 'poll', {}, producer);
  await store.create('lot', 'auction', { recentBids: 10 }, producer);

  const t0 = performance.now();
  const viewers: Viewer[] = [];
  for (let i = 0; i < VIEWERS; i += 250) {
    const batch = [];
    for (let j = i; j < Math.min(VIEWERS, i + 250); j++) batch.push(connect((gateways[j % 2] as GatewayProcess).wsUrl, viewerToken(key, `v${j}`, 3600), `v${j}`));
    viewers.push(...(await Promise.all(batch)));
  }
  console.log(`${VIEWERS} viewers connected over 2 gateways in ${((performance.now() - t0) / 1000).toFixed(1)} s${WITH_ENGINE ? ' (engine running)' : ''}`);

  // ---- 1. poll rounds ----
  const rounds = Math.max(1, Math.round((SECONDS * 1000) / ROUND_MS));
  const acks: number[] = [];
  const ackedPerRound: number[] = [];
  const refusals = new Map<string, number>();
  let lastAckAt = 0;
  let lastVersion = 0;
  const cpu0 = { g: gateways.map((g) => cpuS(g.child.pid)), r: cpuS(redis.pid()), e: cpuS(engine?.pid), b: cpuS(process.pid), t: performance.now() };
  for (let round = 0; round < rounds; round++) {
    const roundStart = performance.now();
    if (round > 0) await store.apply('poll', 'reset', {}, producer);
    await store.apply('poll', 'open', { question: `Round ${round + 1}?`, options: ['a', 'b', 'c', 'd'] }, producer);
    let acked = 0;
    const votes = viewers.map(async (v, i) => {
      await sleep(Math.random() * (ROUND_MS * 0.85));
      const sent = performance.now();
      const reply = await request(v, { id: 'poll', op: 'vote', args: { voter: v.sub, option: i % 4 } });
      const at = performance.now();
      if (reply.includes('"ok":true')) {
        acked += 1;
        acks.push(at - sent);
        const version = Number(VERSION.exec(reply)?.[1] ?? 0);
        if (version > lastVersion) {
          lastVersion = version;
          lastAckAt = at;
        }
      } else {
        const reason = /"reason":"([a-z_]+)"/.exec(reply)?.[1] ?? /"code":"([a-z_]+)"/.exec(reply)?.[1] ?? 'other';
        refusals.set(reason, (refusals.get(reason) ?? 0) + 1);
      }
    });
    await Promise.all(votes);
    ackedPerRound.push(acked);
    const left = ROUND_MS - (performance.now() - roundStart);
    if (left > 0) await sleep(left);
  }
  const pollWallS = (performance.now() - cpu0.t) / 1000;
  const cpu1 = { g: gateways.map((g) => cpuS(g.child.pid)), r: cpuS(redis.pid()), e: cpuS(engine?.pid), b: cpuS(process.pid) };
  await sleep(1500);
  const lags = viewers.map((v) => (v.pollVersion >= lastVersion ? v.pollAt - lastAckAt : Number.POSITIVE_INFINITY));
  const missing = lags.filter((l) => !Number.isFinite(l)).length;

  // Check the Stream: per round (between opens), each voter once, and as many votes as acknowledged.
  const client = new Redis(redis.url);
  const entries = (await client.xrange(objectKeys('poll').ops, '-', '+')) as [string, string[]][];
  const recs = entries.map(([, f]) => JSON.parse(f[1] as string) as { v: number; op: string; by: string });
  const gapFree = recs.every((r, i) => r.v === i + 1);
  const perRound: number[] = [];
  let seen = new Set<string>();
  let doubled = 0;
  for (const r of recs) {
    if (r.op === 'open') {
      perRound.push(0);
      seen = new Set();
    } else if (r.op === 'vote') {
      if (seen.has(r.by)) doubled += 1;
      seen.add(r.by);
      perRound[perRound.length - 1] = (perRound.at(-1) ?? 0) + 1;
    }
  }
  const countedExactly = perRound.length === ackedPerRound.length && perRound.every((n, i) => n === ackedPerRound[i]);
  const totalAcked = ackedPerRound.reduce((a, b) => a + b, 0);
  const gatewayCpu = cpu1.g.map((c, i) => ((c - (cpu0.g[i] ?? 0)) / pollWallS) * 100);
  const redisCpuS = cpu1.r - cpu0.r;
  // Redis work per vote: the rate-limit script, plus the batch's lease and append (amortized).
  const redisCalls = Number((await client.info('stats')).match(/total_commands_processed:(\d+)/)?.[1] ?? 0);
  console.log('\n## Poll');
  console.log(`${rounds} rounds of ${ROUND_MS} ms, ${VIEWERS} voters each: ${totalAcked} votes acknowledged in ${pollWallS.toFixed(1)} s = ${(totalAcked / pollWallS).toFixed(0)} valid votes/s`);
  console.log(`refused: ${JSON.stringify(Object.fromEntries(refusals))}`);
  console.log(`counted exactly once per round: ${countedExactly} (stream ${perRound.reduce((a, b) => a + b, 0)} votes, ${doubled} doubled); versions gap-free: ${gapFree} (${recs.length})`);
  console.log(`ack latency p50 ${percentile(acks, 50).toFixed(0)} ms, p99 ${percentile(acks, 99).toFixed(0)} ms, max ${maxOf(acks).toFixed(0)} ms`);
  const finite = lags.filter(Number.isFinite);
  console.log(`final state reached every viewer: ${missing === 0} (${missing} missing); after the last vote p50 ${percentile(finite, 50).toFixed(0)} ms, p99 ${percentile(finite, 99).toFixed(0)} ms, max ${maxOf(finite).toFixed(0)} ms`);
  console.log(`gateway CPU ${gatewayCpu.map((c) => `${c.toFixed(0)}%`).join(' / ')} of one core for ${VIEWERS / 2} viewers each = ${gatewayCpu.map((c) => (c / (VIEWERS / 2000)).toFixed(1)).join(' / ')}% per 1,000 viewers (at ${(totalAcked / pollWallS / 2).toFixed(0)} votes/s each)`);
  console.log(`redis CPU ${((redisCpuS / pollWallS) * 100).toFixed(0)}% of one core = ${(totalAcked / redisCpuS).toFixed(0)} votes per Redis core-second (${redisCalls} commands in all)${engine ? `; engine CPU ${(((cpu1.e - cpu0.e) / pollWallS) * 100).toFixed(0)}%` : ''}; the bench's own viewers ${(((cpu1.b - cpu0.b) / pollWallS) * 100).toFixed(0)}%`);
  const roundsLong = ackedPerRound.length ? pollWallS / ackedPerRound.length : 0;
  console.log(`a round took ${(roundsLong * 1000).toFixed(0)} ms on average (planned ${ROUND_MS}: longer means the votes of a round were still being acknowledged)`);

  // ---- 2. auction ----
  await store.apply('lot', 'open', { startPrice: 1, minIncrement: 1 }, producer);
  const bidders = viewers.slice(0, BIDDERS);
  const deadline = performance.now() + AUCTION_S * 1000;
  let attempts = 0;
  let accepted = 0;
  let highest = 0;
  const bidAcks: number[] = [];
  await Promise.all(
    bidders.map(async (v) => {
      await sleep(Math.random() * 200);
      while (performance.now() < deadline) {
        const amount = Math.max(1, v.lotNext) + Math.floor(Math.random() * 3);
        const sent = performance.now();
        const reply = await request(v, { id: 'lot', op: 'bid', args: { bidder: v.sub, amount } });
        attempts += 1;
        const next = Number(NEXT_MIN.exec(reply)?.[1] ?? 0);
        if (next > v.lotNext) v.lotNext = next;
        if (reply.includes('"ok":true')) {
          accepted += 1;
          bidAcks.push(performance.now() - sent);
          highest = Math.max(highest, amount);
        } else if (reply.includes('rate_limited')) await sleep(200);
        else await sleep(20 + Math.random() * 80);
      }
    }),
  );
  const lotEntries = (await client.xrange(objectKeys('lot').ops, '-', '+')) as [string, string[]][];
  const bids = lotEntries.map(([, f]) => JSON.parse(f[1] as string) as { v: number; op: string; args: { amount?: number } });
  let monotone = true;
  let prev = 0;
  for (const b of bids.filter((b) => b.op === 'bid')) {
    if ((b.args.amount ?? 0) < (prev === 0 ? 1 : prev + 1)) monotone = false;
    prev = b.args.amount ?? 0;
  }
  await sleep(300);
  const finalPrice = (store.peek('lot')?.state as { current?: { amount: number } | null } | undefined)?.current?.amount;
  console.log('\n## Auction');
  console.log(`${BIDDERS} bidders for ${AUCTION_S} s: ${attempts} bids (${(attempts / AUCTION_S).toFixed(0)}/s), ${accepted} accepted (${(accepted / AUCTION_S).toFixed(0)}/s); ack p50 ${percentile(bidAcks, 50).toFixed(0)} ms, p99 ${percentile(bidAcks, 99).toFixed(0)} ms`);
  console.log(`final price ${finalPrice} = highest accepted bid ${highest}: ${finalPrice === highest}; every accepted bid ≥ previous + increment: ${monotone}; versions gap-free: ${bids.every((b, i) => b.v === i + 1)} (${bids.length})`);

  client.disconnect();
  for (const v of viewers) v.ws.terminate();
  engine?.kill('SIGTERM');
  for (const g of gateways) await g.kill();
  await store.close();
  await redis.stop();
  process.exit(0);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
