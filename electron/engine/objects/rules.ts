/**
 * The rules of each shared object type: its internal state, how each operation changes it, and the
 * public view broadcast to clients. Pure and deterministic: an operation sees only the state, its
 * args and {at, clientId}, so replaying the journal rebuilds exactly the same state. Each operation
 * checks everything first and only then mutates, so a rejected operation leaves no trace.
 * Who may send an op (roles) and rate limits are the store's job, not replayed.
 */
import type { z } from 'zod';
import type {
  AuctionBid,
  AuctionBidRecord,
  AuctionOpen,
  AuctionState,
  BetMarketState,
  BetRecord,
  BetsMarket,
  BetsOpenMarket,
  BetsPlaceBet,
  BetsSetOdds,
  BetsSettle,
  BetsState,
  ChalkboardState,
  ChalkboardStroke,
  ChalkStroke,
  ChatMessage,
  ChatPost,
  ChatRemove,
  ChatState,
  GpsRemoveTrack,
  GpsState,
  GpsTrack,
  GpsUpdate,
  KvDelete,
  KvSet,
  KvState,
  ObjectOptions,
  ObjectType,
  PollOpen,
  PollState,
  PollVote,
} from '../../../shared/objects.ts';
import { reject } from './rejections.ts';

export interface OpContext {
  /** Engine wall clock (ms since epoch) when the op was accepted; recorded in the journal. */
  at: number;
  clientId: string;
}

type OpFn<S, O> = (state: S, args: never, ctx: OpContext, options: O) => void;

export interface TypeRules<S, O, P> {
  init(options: O): S;
  ops: Record<string, OpFn<S, O>>;
  /** A fresh public snapshot: nothing in it is mutated by later ops. */
  view(state: S, options: O): P;
  /** JSON-safe form for journal snapshots, and back. */
  save(state: S): unknown;
  load(saved: unknown): S;
}

function rules<S, O, P>(r: TypeRules<S, O, P>): TypeRules<S, O, P> {
  return r;
}
const plain = <S>() => ({
  save: (s: S): unknown => s,
  load: (saved: unknown): S => saved as S,
});
const EPSILON = 1e-9;
const keepLast = <T>(list: T[], max: number): void => {
  if (list.length > max) list.splice(0, list.length - max);
};
const round4 = (v: number) => Math.round(v * 10_000) / 10_000;
const money = (n: number, currency: string) => `${currency}${Number.isInteger(n) ? n : n.toFixed(2)}`;

// ---- chat -------------------------------------------------------------------------------------

interface ChatInternal {
  messages: ChatMessage[];
  total: number;
  nextSeq: number;
}
const chat = rules<ChatInternal, ObjectOptions<'chat'>, ChatState>({
  init: () => ({ messages: [], total: 0, nextSeq: 1 }),
  ops: {
    post: (s, a: z.infer<typeof ChatPost>, ctx, o) => {
      if (a.text.length > o.maxTextLength)
        reject('invalid_params', 'text_too_long', `Message is ${a.text.length} characters; this chat allows ${o.maxTextLength}. Shorten it.`);
      // Who posted, for moderation (object.blockClient); the producer's own posts need no name.
      s.messages.push({
        seq: s.nextSeq++,
        author: a.author,
        ...(a.selfChosen ? { selfChosen: true as const } : {}),
        text: a.text,
        at: ctx.at,
        ...(ctx.clientId && ctx.clientId !== 'producer' ? { from: ctx.clientId } : {}),
      });
      s.total++;
      keepLast(s.messages, o.maxMessages);
    },
    remove: (s, a: z.infer<typeof ChatRemove>) => {
      const i = s.messages.findIndex((m) => m.seq === a.seq);
      if (i < 0) reject('not_found', 'unknown_message', `No message ${a.seq} in this chat (it may have scrolled out).`);
      s.messages.splice(i, 1);
    },
    clear: (s) => {
      s.messages = [];
    },
  },
  view: (s) => ({ messages: s.messages.slice(), total: s.total }),
  ...plain<ChatInternal>(),
});

// ---- poll -------------------------------------------------------------------------------------

interface PollInternal {
  status: PollState['status'];
  question: string;
  options: string[];
  counts: number[];
  voters: Map<string, number>;
  revealed: boolean;
  correct?: number;
}
/** Whole percentages that add up to 100 (largest remainder), so the overlay never shows 99% or 101%. */
export function percentages(counts: number[]): number[] {
  const total = counts.reduce((a, b) => a + b, 0);
  if (total === 0) return counts.map(() => 0);
  const exact = counts.map((c) => (c * 100) / total);
  const out = exact.map(Math.floor);
  let left = 100 - out.reduce((a, b) => a + b, 0);
  const order = exact.map((e, i) => [e - Math.floor(e), i] as const).sort((a, b) => b[0] - a[0]);
  for (const [, i] of order) {
    if (left <= 0) break;
    out[i]++;
    left--;
  }
  return out;
}
const idlePoll = (): PollInternal => ({ status: 'idle', question: '', options: [], counts: [], voters: new Map(), revealed: false });
const poll = rules<PollInternal, ObjectOptions<'poll'>, PollState>({
  init: idlePoll,
  ops: {
    open: (s, a: z.infer<typeof PollOpen>) => {
      if (s.status === 'open') reject('conflict', 'poll_already_open', 'The poll is already open: close or reset it first.');
      s.status = 'open';
      s.question = a.question;
      s.options = a.options;
      s.counts = a.options.map(() => 0);
      s.voters = new Map();
      s.revealed = false;
      s.correct = a.correct;
    },
    vote: (s, a: z.infer<typeof PollVote>) => {
      if (s.status !== 'open') reject('conflict', 'poll_not_open', 'Voting is closed: the poll is not open.');
      if (a.option >= s.options.length)
        reject('invalid_params', 'unknown_option', `Option ${a.option} does not exist: choose 0 to ${s.options.length - 1}.`);
      if (s.voters.has(a.voter)) reject('conflict', 'already_voted', `${a.voter} has already voted in this poll.`);
      s.voters.set(a.voter, a.option);
      s.counts[a.option]++;
    },
    close: (s) => {
      if (s.status !== 'open') reject('conflict', 'poll_not_open', 'The poll is not open.');
      s.status = 'closed';
    },
    reveal: (s) => {
      if (s.status === 'idle') reject('conflict', 'poll_idle', 'There is no poll to reveal: open one first.');
      s.revealed = true;
    },
    reset: (s) => {
      Object.assign(s, idlePoll(), { correct: undefined });
    },
  },
  view: (s, o) => {
    const pct = percentages(s.counts);
    const state: PollState = {
      status: s.status,
      question: s.question,
      options: s.options.map((text, i) => ({ text, votes: s.counts[i], percent: pct[i] })),
      total: s.voters.size,
      showResults: o.showResults,
      revealed: s.revealed,
    };
    if (s.revealed && s.correct !== undefined) state.correct = s.correct;
    return state;
  },
  save: (s) => ({ ...s, voters: [...s.voters] }),
  load: (saved) => {
    const s = saved as Omit<PollInternal, 'voters'> & { voters: [string, number][] };
    return { ...s, voters: new Map(s.voters) };
  },
});

// ---- bets -------------------------------------------------------------------------------------

interface BetsInternal {
  markets: BetMarketState[];
  recentBets: BetRecord[];
}
function market(s: BetsInternal, id: string): BetMarketState {
  const m = s.markets.find((x) => x.id === id);
  if (!m) reject('not_found', 'unknown_market', `No market "${id}": open it first.`);
  return m;
}
function selection(m: BetMarketState, id: string) {
  const sel = m.selections.find((x) => x.id === id);
  if (!sel) reject('not_found', 'unknown_selection', `Market "${m.id}" has no selection "${id}" (it has ${m.selections.map((x) => x.id).join(', ')}).`);
  return sel;
}
const bets = rules<BetsInternal, ObjectOptions<'bets'>, BetsState>({
  init: () => ({ markets: [], recentBets: [] }),
  ops: {
    openMarket: (s, a: z.infer<typeof BetsOpenMarket>) => {
      const i = s.markets.findIndex((x) => x.id === a.market);
      if (i >= 0 && s.markets[i].status !== 'settled')
        reject('conflict', 'market_exists', `Market "${a.market}" exists and is not settled: settle it, or use another id.`);
      const m: BetMarketState = {
        id: a.market,
        name: a.name ?? a.market,
        status: 'open',
        selections: a.selections.map((x) => ({ id: x.id, name: x.name, odds: x.odds, stake: 0, bets: 0 })),
        totalStake: 0,
        bets: 0,
      };
      if (i >= 0) s.markets[i] = m;
      else s.markets.push(m);
    },
    placeBet: (s, a: z.infer<typeof BetsPlaceBet>, ctx, o) => {
      const m = market(s, a.market);
      if (m.status !== 'open') reject('conflict', 'market_closed', `Market "${m.name}" is ${m.status}: bets are only taken on open markets.`);
      const sel = selection(m, a.selection);
      if (a.stake < o.minStake) reject('invalid_params', 'stake_too_low', `The least stake is ${money(o.minStake, o.currency)}.`);
      if (a.stake > o.maxStake) reject('invalid_params', 'stake_too_high', `The largest stake is ${money(o.maxStake, o.currency)}.`);
      sel.stake += a.stake;
      sel.bets++;
      m.totalStake += a.stake;
      m.bets++;
      s.recentBets.push({ bettor: a.bettor, ...(a.selfChosen ? { selfChosen: true as const } : {}), market: m.id, selection: sel.id, stake: a.stake, odds: sel.odds, at: ctx.at });
      keepLast(s.recentBets, o.recentBets);
    },
    closeMarket: (s, a: z.infer<typeof BetsMarket>) => {
      const m = market(s, a.market);
      if (m.status !== 'open') reject('conflict', 'market_closed', `Market "${m.name}" is already ${m.status}.`);
      m.status = 'closed';
    },
    setOdds: (s, a: z.infer<typeof BetsSetOdds>) => {
      const m = market(s, a.market);
      if (m.status === 'settled') reject('conflict', 'market_settled', `Market "${m.name}" is settled: its odds are final.`);
      selection(m, a.selection).odds = a.odds;
    },
    settleMarket: (s, a: z.infer<typeof BetsSettle>) => {
      const m = market(s, a.market);
      if (m.status === 'settled') reject('conflict', 'market_settled', `Market "${m.name}" is already settled.`);
      selection(m, a.winner);
      m.status = 'settled';
      m.winner = a.winner;
    },
  },
  view: (s, o) => ({
    currency: o.currency,
    markets: s.markets.map((m) => ({ ...m, selections: m.selections.map((x) => ({ ...x })) })),
    recentBets: s.recentBets.slice(),
  }),
  ...plain<BetsInternal>(),
});

// ---- auction ----------------------------------------------------------------------------------

type AuctionInternal = Omit<AuctionState, 'currency' | 'nextMinimum'>;
const idleAuction = (): AuctionInternal => ({ status: 'idle', item: '', startPrice: 0, minIncrement: 0, current: null, bidCount: 0, recentBids: [] });
function nextMinimum(s: AuctionInternal): number {
  return s.current ? s.current.amount + s.minIncrement : s.startPrice;
}
const auction = rules<AuctionInternal, ObjectOptions<'auction'>, AuctionState>({
  init: idleAuction,
  ops: {
    open: (s, a: z.infer<typeof AuctionOpen>, ctx) => {
      if (s.status === 'open') reject('conflict', 'auction_already_open', 'The auction is already open: close or reset it first.');
      Object.assign(s, idleAuction(), {
        status: 'open',
        item: a.item ?? '',
        startPrice: a.startPrice,
        minIncrement: a.minIncrement,
        openedAt: ctx.at,
        endsAt: a.durationMs === undefined ? undefined : ctx.at + a.durationMs,
        winner: undefined,
      });
    },
    bid: (s, a: z.infer<typeof AuctionBid>, ctx, o) => {
      if (s.status !== 'open') reject('conflict', 'auction_not_open', `Bidding is ${s.status === 'closed' ? 'closed' : 'not open yet'}.`);
      if (s.endsAt !== undefined && ctx.at >= s.endsAt) reject('conflict', 'auction_ended', 'Bidding time is over.');
      const min = nextMinimum(s);
      if (a.amount + EPSILON < min) {
        const why = s.current
          ? `the current bid is ${money(s.current.amount, o.currency)} and the minimum increment ${money(s.minIncrement, o.currency)}`
          : `the start price is ${money(s.startPrice, o.currency)}`;
        reject('conflict', 'bid_too_low', `Bid at least ${money(min, o.currency)}: ${why}.`);
      }
      const bid: AuctionBidRecord = { bidder: a.bidder, ...(a.selfChosen ? { selfChosen: true as const } : {}), amount: a.amount, at: ctx.at };
      s.current = bid;
      s.bidCount++;
      s.recentBids.push(bid);
      keepLast(s.recentBids, o.recentBids);
    },
    close: (s) => {
      if (s.status !== 'open') reject('conflict', 'auction_not_open', 'The auction is not open.');
      s.status = 'closed';
      if (s.current) s.winner = s.current;
    },
    reset: (s) => {
      for (const key of Object.keys(s)) delete (s as unknown as Record<string, unknown>)[key];
      Object.assign(s, idleAuction());
    },
  },
  view: (s, o) => {
    const state: AuctionState = { ...s, currency: o.currency, nextMinimum: nextMinimum(s), recentBids: s.recentBids.slice() };
    for (const key of ['openedAt', 'endsAt', 'winner'] as const) if (state[key] === undefined) delete state[key];
    return state;
  },
  ...plain<AuctionInternal>(),
});

// ---- chalkboard -------------------------------------------------------------------------------

interface ChalkInternal {
  epoch: number;
  nextSeq: number;
  strokes: ChalkStroke[];
}
const chalkboard = rules<ChalkInternal, ObjectOptions<'chalkboard'>, ChalkboardState>({
  init: () => ({ epoch: 0, nextSeq: 1, strokes: [] }),
  ops: {
    stroke: (s, a: z.infer<typeof ChalkboardStroke>, _ctx, o) => {
      // A ten-thousandth of the board is finer than any screen; it keeps the state (and the SEI) short.
      const points = a.points.map(([x, y]) => [round4(x), round4(y)] as [number, number]);
      s.strokes.push({ seq: s.nextSeq++, points, color: a.color, width: a.width });
      keepLast(s.strokes, o.maxStrokes);
      // Old journals' options have no maxPoints: the default then.
      let total = s.strokes.reduce((n, st) => n + st.points.length, 0);
      while (total > (o.maxPoints ?? 20_000) && s.strokes.length > 1) total -= (s.strokes.shift() as ChalkStroke).points.length;
    },
    clear: (s) => {
      s.epoch++;
      s.strokes = [];
    },
  },
  view: (s) => ({ epoch: s.epoch, strokes: s.strokes.slice() }),
  ...plain<ChalkInternal>(),
});

// ---- gps --------------------------------------------------------------------------------------

interface GpsInternal {
  tracks: Map<string, GpsTrack>;
}
const gps = rules<GpsInternal, ObjectOptions<'gps'>, GpsState>({
  init: () => ({ tracks: new Map() }),
  ops: {
    update: (s, a: z.infer<typeof GpsUpdate>, ctx, o) => {
      const old = s.tracks.get(a.trackId);
      if (!old && s.tracks.size >= o.maxTracks) reject('conflict', 'too_many_tracks', `This map holds at most ${o.maxTracks} tracks: remove one first.`);
      const trail = old ? [...old.trail, [a.lat, a.lon] as [number, number]] : [[a.lat, a.lon] as [number, number]];
      keepLast(trail, o.trailLength);
      // Track records are replaced, never mutated, so a view only copies the list.
      const track: GpsTrack = { id: a.trackId, label: a.label ?? old?.label ?? a.trackId, lat: a.lat, lon: a.lon, at: ctx.at, trail };
      const color = a.color ?? old?.color;
      if (color) track.color = color;
      s.tracks.set(a.trackId, track);
    },
    removeTrack: (s, a: z.infer<typeof GpsRemoveTrack>) => {
      if (!s.tracks.delete(a.trackId)) reject('not_found', 'unknown_track', `No track "${a.trackId}" on this map.`);
    },
    clear: (s) => {
      s.tracks = new Map();
    },
  },
  view: (s) => ({ tracks: [...s.tracks.values()] }),
  save: (s) => ({ tracks: [...s.tracks.values()] }),
  load: (saved) => ({ tracks: new Map((saved as { tracks: GpsTrack[] }).tracks.map((t) => [t.id, t])) }),
});

// ---- kv ---------------------------------------------------------------------------------------

interface KvInternal {
  entries: Map<string, unknown>;
}
const kv = rules<KvInternal, ObjectOptions<'kv'>, KvState>({
  init: () => ({ entries: new Map() }),
  ops: {
    set: (s, a: z.infer<typeof KvSet>, _ctx, o) => {
      if (!s.entries.has(a.key) && s.entries.size >= o.maxKeys) reject('conflict', 'too_many_keys', `This object holds at most ${o.maxKeys} keys.`);
      s.entries.set(a.key, a.value);
    },
    delete: (s, a: z.infer<typeof KvDelete>) => {
      if (!s.entries.delete(a.key)) reject('not_found', 'unknown_key', `No key "${a.key}".`);
    },
  },
  // Object.fromEntries defines own properties, so a key such as "__proto__" stays data.
  view: (s) => ({ entries: Object.fromEntries(s.entries) }),
  save: (s) => [...s.entries],
  load: (saved) => ({ entries: new Map(saved as [string, unknown][]) }),
});

// ---- the table --------------------------------------------------------------------------------

export type AnyRules = TypeRules<unknown, unknown, unknown>;
export const RULES = { chat, poll, bets, auction, chalkboard, gps, kv } as const satisfies Record<ObjectType, unknown>;
export function rulesFor(type: ObjectType): AnyRules {
  return RULES[type] as unknown as AnyRules;
}
