/**
 * Shared objects and graphics overlays: the zod schemas for object types, their options and
 * operations, the overlay specs, the commands that drive both, and the shape of `object.changed`.
 * Browser-safe (no node: imports): the renderer, the guest page and the viewer page render the same
 * public states the engine broadcasts. docs/SHARED-OBJECTS.md describes all of this for people.
 */
import { z } from 'zod';
import { Id } from './ids.ts';
import { withProgramId } from './programScope.ts';

// ---- Object types, roles ----------------------------------------------------------------------

export const OBJECT_TYPES = ['chat', 'poll', 'bets', 'auction', 'chalkboard', 'gps', 'kv'] as const;
export const ObjectType = z.enum(OBJECT_TYPES);
export type ObjectType = z.infer<typeof ObjectType>;

/** Who sends an operation. The transport decides it (local UI / API token = producer, guest link = guest). */
export const ClientRole = z.enum(['viewer', 'guest', 'producer']);
export type ClientRole = z.infer<typeof ClientRole>;
const ROLE_RANK: Record<ClientRole, number> = { viewer: 0, guest: 1, producer: 2 };
export function roleAllows(role: ClientRole, minRole: ClientRole): boolean {
  return ROLE_RANK[role] >= ROLE_RANK[minRole];
}

/** Longest JSON text accepted as an operation's args (a long chalkboard stroke fits). */
export const MAX_ARGS_BYTES = 64 * 1024;
/** Largest public state of one object, as JSON: an op that would grow it beyond is refused. */
export const MAX_STATE_BYTES = 512 * 1024;
/** Most points a chalkboard keeps over all its strokes (points are stored to 4 decimals). */
export const MAX_CHALK_POINTS = 25_000;

const Name = z.string().trim().min(1).max(64);
const Key = z.string().regex(/^[A-Za-z0-9_.:-]{1,128}$/, 'use 1-128 letters, digits, "_", ".", ":" or "-"');
/** #rgb, #rrggbb or #rrggbbaa. */
export const Color = z.string().regex(/^#([0-9a-fA-F]{3}|[0-9a-fA-F]{6}|[0-9a-fA-F]{8})$/, 'use #rrggbb or #rrggbbaa');
const Money = z.number().finite().min(0).max(1e12);
const Rate = z
  .object({
    /** Tokens added per second. */
    perSecond: z.number().min(0.01).max(1000),
    /** Bucket size: how many may come at once. */
    burst: z.number().int().min(1).max(10_000),
  })
  .strict();
export type Rate = z.infer<typeof Rate>;

// ---- Options (object.create) ------------------------------------------------------------------

export const ChatOptions = z
  .object({
    /** Messages kept in the state (older ones stay in the journal). */
    maxMessages: z.number().int().min(1).max(1000).default(100),
    maxTextLength: z.number().int().min(1).max(2000).default(280),
    /** Per client (producers are exempt). */
    rate: Rate.default({ perSecond: 1, burst: 5 }),
  })
  .strict();
export const PollOptions = z
  .object({
    /** false = trivia: percentages stay hidden until `reveal`. */
    showResults: z.boolean().default(true),
  })
  .strict();
export const BetsOptions = z
  .object({
    currency: z.string().max(8).default(''),
    minStake: Money.default(0),
    maxStake: Money.default(1_000_000),
    /** Latest bets kept in the state for display. */
    recentBets: z.number().int().min(0).max(200).default(20),
  })
  .strict();
export const AuctionOptions = z
  .object({
    currency: z.string().max(8).default(''),
    /** Latest bids kept in the state for display. */
    recentBids: z.number().int().min(0).max(200).default(10),
  })
  .strict();
export const ChalkboardOptions = z
  .object({
    /** Strokes kept; the oldest are dropped beyond this. */
    maxStrokes: z.number().int().min(1).max(10_000).default(2000),
    /** Points kept over all strokes; the oldest strokes are dropped beyond this. */
    maxPoints: z.number().int().min(100).max(MAX_CHALK_POINTS).default(20_000),
  })
  .strict();
export const GpsOptions = z
  .object({
    maxTracks: z.number().int().min(1).max(1000).default(200),
    /** Positions kept per track for its trail. */
    trailLength: z.number().int().min(1).max(1000).default(100),
  })
  .strict();
export const KvOptions = z
  .object({
    maxKeys: z.number().int().min(1).max(10_000).default(256),
    /** Lowest role allowed to set/delete keys. */
    writeRole: ClientRole.default('producer'),
  })
  .strict();

export const OBJECT_OPTIONS = {
  chat: ChatOptions,
  poll: PollOptions,
  bets: BetsOptions,
  auction: AuctionOptions,
  chalkboard: ChalkboardOptions,
  gps: GpsOptions,
  kv: KvOptions,
} as const satisfies Record<ObjectType, z.ZodType>;
export type ObjectOptions<T extends ObjectType> = z.infer<(typeof OBJECT_OPTIONS)[T]>;

// ---- Operations -------------------------------------------------------------------------------

const NoArgs = z.object({}).strict();

/** `selfChosen`: the name is what the client typed, not one its token gives (set by the engine for viewers). */
const SelfChosen = z.boolean().optional();
export const ChatPost = z.object({ author: Name, text: z.string().trim().min(1).max(2000), selfChosen: SelfChosen }).strict();
export const ChatRemove = z.object({ seq: z.number().int().min(0) }).strict();

export const PollOpen = z
  .object({
    question: z.string().trim().min(1).max(200),
    options: z.array(z.string().trim().min(1).max(80)).min(2).max(10),
    /** Trivia: index of the right answer, shown on `reveal`. */
    correct: z.number().int().min(0).max(9).optional(),
  })
  .strict()
  .refine((p) => p.correct === undefined || p.correct < p.options.length, { message: 'correct must index one of the options', path: ['correct'] });
/** `option` is the index of the chosen option (0-based). */
export const PollVote = z.object({ voter: Name, option: z.number().int().min(0).max(9) }).strict();

const Odds = z.number().finite().min(1.01).max(10_000);
export const Selection = z.object({ id: Id, name: z.string().trim().min(1).max(60), odds: Odds }).strict();
export const BetsOpenMarket = z
  .object({
    market: Id,
    name: z.string().trim().min(1).max(80).optional(),
    selections: z.array(Selection).min(2).max(50),
  })
  .strict()
  .refine((p) => new Set(p.selections.map((s) => s.id)).size === p.selections.length, { message: 'selection ids must be unique', path: ['selections'] });
export const BetsPlaceBet = z.object({ bettor: Name, market: Id, selection: Id, stake: Money.refine((v) => v > 0, 'must be > 0'), selfChosen: SelfChosen }).strict();
export const BetsMarket = z.object({ market: Id }).strict();
export const BetsSetOdds = z.object({ market: Id, selection: Id, odds: Odds }).strict();
export const BetsSettle = z.object({ market: Id, winner: Id }).strict();

export const AuctionOpen = z
  .object({
    startPrice: Money,
    minIncrement: Money.refine((v) => v > 0, 'must be > 0'),
    item: z.string().trim().min(1).max(120).optional(),
    /** Bidding ends this long after `open` (bids after that are rejected); absent = until `close`. */
    durationMs: z.number().int().min(1000).max(86_400_000).optional(),
  })
  .strict();
export const AuctionBid = z.object({ bidder: Name, amount: Money.refine((v) => v > 0, 'must be > 0'), selfChosen: SelfChosen }).strict();

/** Points are fractions of the board (0,0 top-left .. 1,1 bottom-right). */
export const ChalkboardStroke = z
  .object({
    points: z.array(z.tuple([z.number().min(0).max(1), z.number().min(0).max(1)])).min(1).max(2000),
    color: Color.default('#ffffff'),
    /** Line width as a fraction of the board's height. */
    width: z.number().min(0.001).max(0.2).default(0.006),
  })
  .strict();

export const GpsUpdate = z
  .object({
    trackId: Id,
    lat: z.number().min(-90).max(90),
    lon: z.number().min(-180).max(180),
    label: z.string().trim().max(40).optional(),
    color: Color.optional(),
  })
  .strict();
export const GpsRemoveTrack = z.object({ trackId: Id }).strict();

export const KvSet = z
  .object({ key: Key, value: z.json() })
  .strict()
  .refine((p) => JSON.stringify(p.value).length <= 4096, { message: 'value is longer than 4096 characters as JSON', path: ['value'] });
export const KvDelete = z.object({ key: Key }).strict();

export interface OpDef {
  args: z.ZodType;
  /** Lowest role allowed to send it (kv's writes follow the object's `writeRole` option instead). */
  minRole: ClientRole;
  description: string;
}
function op(args: z.ZodType, minRole: ClientRole, description: string): OpDef {
  return { args, minRole, description };
}

/** Every operation of every type, with its args schema and who may send it. */
export const OBJECT_OPS = {
  chat: {
    post: op(ChatPost, 'viewer', 'Post a message (length and per-client rate limited).'),
    remove: op(ChatRemove, 'producer', 'Remove one message by its seq (moderation).'),
    clear: op(NoArgs, 'producer', 'Remove every message.'),
  },
  poll: {
    open: op(PollOpen, 'producer', 'Start a poll (or trivia question); clears the previous votes.'),
    vote: op(PollVote, 'viewer', 'Vote for an option (index); once per voter, only while open.'),
    close: op(NoArgs, 'producer', 'Stop accepting votes.'),
    reveal: op(NoArgs, 'producer', 'Show the results (and the right answer, for trivia).'),
    reset: op(NoArgs, 'producer', 'Back to idle: no question, no votes.'),
  },
  bets: {
    openMarket: op(BetsOpenMarket, 'producer', 'Open a market with its selections and odds (a settled one may be reopened afresh).'),
    placeBet: op(BetsPlaceBet, 'viewer', 'Bet a stake on a selection of an open market, at its current odds.'),
    closeMarket: op(BetsMarket, 'producer', 'Stop taking bets on a market.'),
    setOdds: op(BetsSetOdds, 'producer', 'Change the odds of a selection (not once settled).'),
    settleMarket: op(BetsSettle, 'producer', 'Settle a market with its winning selection.'),
  },
  auction: {
    open: op(AuctionOpen, 'producer', 'Open bidding at a start price with a minimum increment.'),
    bid: op(AuctionBid, 'viewer', 'Bid: at least the start price, then the current bid plus the minimum increment; only while open.'),
    close: op(NoArgs, 'producer', 'Close bidding; the current bid wins.'),
    reset: op(NoArgs, 'producer', 'Back to idle, bids cleared.'),
  },
  chalkboard: {
    stroke: op(ChalkboardStroke, 'guest', 'Draw a stroke (polyline) on the board.'),
    clear: op(NoArgs, 'producer', 'Wipe the board.'),
  },
  gps: {
    update: op(GpsUpdate, 'guest', 'Move a track to a new position (creates the track).'),
    removeTrack: op(GpsRemoveTrack, 'producer', 'Remove a track.'),
    clear: op(NoArgs, 'producer', 'Remove every track.'),
  },
  kv: {
    set: op(KvSet, 'viewer', 'Set a key to a JSON value (role checked against the writeRole option).'),
    delete: op(KvDelete, 'viewer', 'Delete a key (role checked against the writeRole option).'),
  },
} as const satisfies Record<ObjectType, Record<string, OpDef>>;
export type OpName<T extends ObjectType> = keyof (typeof OBJECT_OPS)[T] & string;

export function opDef(type: ObjectType, name: string): OpDef | undefined {
  const ops: Record<string, OpDef> = OBJECT_OPS[type];
  return Object.hasOwn(ops, name) ? ops[name] : undefined;
}

// ---- Public states (what object.get returns and object.changed carries) -----------------------

export interface ChatMessage {
  seq: number;
  author: string;
  /** The author typed this name; no token vouches for it. */
  selfChosen?: true;
  text: string;
  /** Who posted it, as the objects socket knows them (absent for the producer): what `object.blockClient` takes. */
  from?: string;
  /** Engine wall clock, ms since epoch. */
  at: number;
}
export interface ChatState {
  messages: ChatMessage[];
  /** Messages ever posted (including removed and dropped ones). */
  total: number;
}
export interface PollOptionState {
  text: string;
  votes: number;
  /** Whole percent of all votes (0 when nobody voted). */
  percent: number;
}
export interface PollState {
  status: 'idle' | 'open' | 'closed';
  question: string;
  options: PollOptionState[];
  total: number;
  showResults: boolean;
  revealed: boolean;
  /** Only once revealed. */
  correct?: number;
  /** Viewers and guests of a `showResults: false` poll before reveal: votes and percent read 0. */
  resultsHidden?: boolean;
}
export interface BetSelectionState {
  id: string;
  name: string;
  odds: number;
  stake: number;
  bets: number;
}
export interface BetMarketState {
  id: string;
  name: string;
  status: 'open' | 'closed' | 'settled';
  selections: BetSelectionState[];
  totalStake: number;
  bets: number;
  winner?: string;
}
export interface BetRecord {
  bettor: string;
  selfChosen?: true;
  market: string;
  selection: string;
  stake: number;
  odds: number;
  at: number;
}
export interface BetsState {
  currency: string;
  markets: BetMarketState[];
  recentBets: BetRecord[];
}
export interface AuctionBidRecord {
  bidder: string;
  selfChosen?: true;
  amount: number;
  at: number;
}
export interface AuctionState {
  status: 'idle' | 'open' | 'closed';
  item: string;
  currency: string;
  startPrice: number;
  minIncrement: number;
  current: AuctionBidRecord | null;
  /** The least amount the next bid must reach (while open). */
  nextMinimum: number;
  bidCount: number;
  recentBids: AuctionBidRecord[];
  openedAt?: number;
  /** Wall-clock end of bidding when opened with durationMs. */
  endsAt?: number;
  /** Set when closed with at least one bid. */
  winner?: AuctionBidRecord;
}
export interface ChalkStroke {
  seq: number;
  points: [number, number][];
  color: string;
  width: number;
}
export interface ChalkboardState {
  /** Increments on every clear, so a renderer knows to start over. */
  epoch: number;
  strokes: ChalkStroke[];
}
export interface GpsTrack {
  id: string;
  label: string;
  color?: string;
  lat: number;
  lon: number;
  at: number;
  /** Earlier positions, oldest first, [lat, lon]; the current one last. */
  trail: [number, number][];
}
export interface GpsState {
  tracks: GpsTrack[];
}
export interface KvState {
  entries: Record<string, unknown>;
}
export interface ObjectStates {
  chat: ChatState;
  poll: PollState;
  bets: BetsState;
  auction: AuctionState;
  chalkboard: ChalkboardState;
  gps: GpsState;
  kv: KvState;
}
export type ObjectState = ObjectStates[ObjectType];

export interface ObjectSnapshot<T extends ObjectType = ObjectType> {
  id: string;
  type: T;
  version: number;
  state: ObjectStates[T];
}
export interface ObjectSummary {
  id: string;
  type: ObjectType;
  version: number;
}

/** Payload of the `object.changed` event: one accepted operation. */
export interface ObjectChangedEvent {
  id: string;
  type: ObjectType;
  /** Exactly one more than the previous change of this object: gaps mean a missed event. */
  version: number;
  op: string;
  args: unknown;
  /** Public state after the operation. */
  state: ObjectState;
  /** Program timestamp (ms) of the first frame showing the change; null when no program runs. */
  pts: number | null;
  /** Engine wall clock when it was accepted, ms since epoch. */
  at: number;
}
export interface ObjectCreatedEvent {
  id: string;
  type: ObjectType;
  version: number;
  state: ObjectState;
  pts: number | null;
}
export interface ObjectDeletedEvent {
  id: string;
  pts: number | null;
}

// ---- Overlays ---------------------------------------------------------------------------------

const Fraction = z.number().min(0).max(1);
const Size = z.number().min(0.005).max(1);

/** Placement and fade fields every overlay has; the box is in fractions of the canvas. */
function common(x: number, y: number, width: number, height: number) {
  return {
    id: Id,
    x: Fraction.default(x),
    y: Fraction.default(y),
    width: Size.default(width),
    height: Size.default(height),
    /** Higher is drawn on top; equal z keeps the order of adding. */
    z: z.number().int().min(-1000).max(1000).default(0),
    visible: z.boolean().default(true),
    /** Cued: drawn on the preview monitor (not on program) so the producer sees it before showing it. */
    onPreview: z.boolean().default(false),
    /** Fade in on show, out on hide. */
    fadeMs: z.number().int().min(0).max(10_000).default(300),
    opacity: Fraction.default(1),
  };
}
/** Colours shared by the templates: panel, text and accent. */
const theme = {
  background: Color.default('#101521cc'),
  color: Color.default('#ffffff'),
  accent: Color.default('#f2b705'),
};

export const ImageOverlay = z
  .object({
    ...common(0.82, 0.04, 0.14, 0.14),
    kind: z.literal('image'),
    /** A file path (engine side) or a data: URL (PNG, JPEG, WebP). */
    src: z.string().min(1).max(12_000_000),
    /** contain = whole image inside the box; cover = fill the box, cropping; stretch = distort. */
    fit: z.enum(['contain', 'cover', 'stretch']).default('contain'),
  })
  .strict();
export const TextOverlay = z
  .object({
    ...common(0.05, 0.05, 0.5, 0.08),
    kind: z.literal('text'),
    text: z.string().max(500),
    align: z.enum(['left', 'center', 'right']).default('left'),
    bold: z.boolean().default(true),
    color: theme.color,
    /** Absent = no panel, just the text (with a soft shadow). */
    background: Color.optional(),
  })
  .strict();
export const LowerThirdOverlay = z
  .object({
    ...common(0.05, 0.74, 0.5, 0.13),
    kind: z.literal('lowerThird'),
    name: z.string().max(80),
    title: z.string().max(120).default(''),
    ...theme,
  })
  .strict();
export const ClockOverlay = z
  .object({
    ...common(0.84, 0.04, 0.12, 0.06),
    kind: z.literal('clock'),
    format: z.enum(['24h', '12h']).default('24h'),
    seconds: z.boolean().default(true),
    /** IANA zone (e.g. "Europe/Paris"); absent = the engine's local zone. */
    timeZone: z.string().max(64).optional(),
    ...theme,
  })
  .strict();
export const CountdownOverlay = z
  .object({
    ...common(0.84, 0.04, 0.12, 0.06),
    kind: z.literal('countdown'),
    /** Counts down to this time (ISO 8601 or ms since epoch)... */
    until: z.union([z.string().datetime({ offset: true }), z.number().int().min(0)]).optional(),
    /** ...or for this long from when the overlay was added or last updated. */
    durationMs: z.number().int().min(0).max(86_400_000 * 7).optional(),
    label: z.string().max(40).default(''),
    /** Shown at zero. */
    endText: z.string().max(40).default('00:00'),
    ...theme,
  })
  .strict()
  .refine((o) => (o.until === undefined) !== (o.durationMs === undefined), 'give either until or durationMs');
export const TickerOverlay = z
  .object({
    ...common(0, 0.92, 1, 0.06),
    kind: z.literal('ticker'),
    items: z.array(z.string().max(300)).min(1).max(50),
    /** Left label on the band, e.g. "LIVE"; empty = none. */
    label: z.string().max(20).default(''),
    /** Scroll speed in canvas widths per second. */
    speed: z.number().min(0).max(2).default(0.08),
    ...theme,
  })
  .strict();

function dataOverlay<K extends string>(kind: K, x: number, y: number, width: number, height: number) {
  return {
    ...common(x, y, width, height),
    kind: z.literal(kind),
    /** Id of the shared object shown. */
    object: Id,
    title: z.string().max(80).optional(),
    ...theme,
  };
}
export const ChatOverlay = z.object({ ...dataOverlay('chat', 0.68, 0.3, 0.3, 0.45), maxMessages: z.number().int().min(1).max(30).default(6) }).strict();
export const PollOverlay = z.object(dataOverlay('poll', 0.6, 0.2, 0.36, 0.4)).strict();
export const BetsOverlay = z
  .object({ ...dataOverlay('bets', 0.6, 0.15, 0.36, 0.5), /** One market; absent = as many as fit. */ market: Id.optional() })
  .strict();
export const AuctionOverlay = z.object(dataOverlay('auction', 0.62, 0.62, 0.34, 0.28)).strict();
export const ChalkboardOverlay = z
  .object({ ...dataOverlay('chalkboard', 0, 0, 1, 1), background: Color.default('#00000000') })
  .strict();
export const GpsOverlay = z
  .object({
    ...dataOverlay('gps', 0.66, 0.05, 0.3, 0.4),
    /** Map extent; absent = fit every track. */
    bounds: z
      .object({ minLat: z.number().min(-90).max(90), maxLat: z.number().min(-90).max(90), minLon: z.number().min(-180).max(180), maxLon: z.number().min(-180).max(180) })
      .strict()
      .refine((b) => b.maxLat > b.minLat && b.maxLon > b.minLon, 'max must exceed min')
      .optional(),
  })
  .strict();

/** The entries of a `kv` object as a score table ("HOME 2", "AWAY 1"), in `keys` order. */
export const ScoreboardOverlay = z
  .object({
    ...dataOverlay('scoreboard', 0.04, 0.05, 0.26, 0.16),
    /** Which keys, in this order; absent = every key in the object's order (up to 8 rows). */
    keys: z.array(Key).min(1).max(8).optional(),
  })
  .strict();

export const OverlaySpec = z.discriminatedUnion('kind', [
  ImageOverlay,
  TextOverlay,
  LowerThirdOverlay,
  ClockOverlay,
  CountdownOverlay,
  TickerOverlay,
  ChatOverlay,
  PollOverlay,
  BetsOverlay,
  AuctionOverlay,
  ChalkboardOverlay,
  GpsOverlay,
  ScoreboardOverlay,
]);
export type OverlaySpec = z.infer<typeof OverlaySpec>;
export type OverlayInput = z.input<typeof OverlaySpec>;
export type OverlayKind = OverlaySpec['kind'];
export const OVERLAY_KINDS = OverlaySpec.options.map((o) => o.shape.kind.value) as OverlayKind[];
/** Overlay kinds that show a shared object, and the object type each needs. */
export const DATA_OVERLAY_TYPES = {
  chat: 'chat',
  poll: 'poll',
  bets: 'bets',
  auction: 'auction',
  chalkboard: 'chalkboard',
  gps: 'gps',
  scoreboard: 'kv',
} as const satisfies Partial<Record<OverlayKind, ObjectType>>;
export function isDataOverlay(spec: OverlaySpec): spec is Extract<OverlaySpec, { object: string }> {
  return Object.hasOwn(DATA_OVERLAY_TYPES, spec.kind);
}

/**
 * `overlay.update`: the id plus any fields of the overlay's kind (not `kind`). The merged result is
 * validated against that kind's schema, so a field another kind has is refused there.
 */
const allFields = Object.assign({}, ...OverlaySpec.options.map((o) => o.shape)) as Record<string, z.ZodType>;
const updateShape: Record<string, z.ZodType> = {};
for (const [key, schema] of Object.entries(allFields)) {
  if (key === 'id' || key === 'kind') continue;
  // Several kinds share a field name with different types (title, background): accept any of them.
  const variants = OverlaySpec.options.map((o) => (o.shape as Record<string, z.ZodType>)[key]).filter((s): s is z.ZodType => s !== undefined);
  const unwrapped = variants.map((s) => (s instanceof z.ZodDefault ? (s.unwrap() as z.ZodType) : s));
  updateShape[key] = (unwrapped.length === 1 ? unwrapped[0] : z.union(unwrapped as [z.ZodType, z.ZodType, ...z.ZodType[]])).optional();
  void schema;
}
export const OverlayUpdate = z.object({ id: Id, ...updateShape }).strict();
export type OverlayUpdate = { id: string } & Partial<Record<string, unknown>>;

export interface OverlayStatus {
  id: string;
  kind: OverlayKind;
  visible: boolean;
  /** Opacity in the last composed frame (fades included). */
  opacity: number;
  /** Why it shows nothing (image failed to load, object missing or of another type). */
  message?: string;
  spec: OverlaySpec;
}

// ---- Commands ---------------------------------------------------------------------------------

export const ObjectCreate = z.discriminatedUnion('type', [
  z.object({ id: Id, type: z.literal('chat'), options: ChatOptions.default(ChatOptions.parse({})) }).strict(),
  z.object({ id: Id, type: z.literal('poll'), options: PollOptions.default(PollOptions.parse({})) }).strict(),
  z.object({ id: Id, type: z.literal('bets'), options: BetsOptions.default(BetsOptions.parse({})) }).strict(),
  z.object({ id: Id, type: z.literal('auction'), options: AuctionOptions.default(AuctionOptions.parse({})) }).strict(),
  z.object({ id: Id, type: z.literal('chalkboard'), options: ChalkboardOptions.default(ChalkboardOptions.parse({})) }).strict(),
  z.object({ id: Id, type: z.literal('gps'), options: GpsOptions.default(GpsOptions.parse({})) }).strict(),
  z.object({ id: Id, type: z.literal('kv'), options: KvOptions.default(KvOptions.parse({})) }).strict(),
]);
export type ObjectCreate = z.infer<typeof ObjectCreate>;
export type ObjectCreateInput = z.input<typeof ObjectCreate>;

export const ObjectOp = z
  .object({
    id: Id,
    op: z.string().min(1).max(32),
    args: z.unknown().default({}),
    /** Who sends it: the rate-limit key. Transports set it for guests and viewers (a client cannot choose it). */
    clientId: z.string().min(1).max(128).optional(),
    /** Sent again with a retry, the op is applied once: the same key from the same client returns the first result. */
    idempotencyKey: z.string().regex(/^[A-Za-z0-9_.:-]{1,64}$/, 'use 1-64 letters, digits, "_", ".", ":" or "-"').optional(),
  })
  .strict();
export type ObjectOp = z.infer<typeof ObjectOp>;
/** object.audienceKey: the key viewer JWTs are signed with; `rotate` makes a new one. */
export const ObjectAudienceKey = z.object({ rotate: z.boolean().optional() }).strict();

const ById = z.object({ id: Id }).strict();
const Empty = z.object({}).strict();

/** A token the producer hands out for the objects WebSocket (`/objects/ws`, token as Bearer header or subprotocol). */
export const ObjectIssueToken = z
  .object({
    /** viewer: vote, post, bid, bet; guest: also draw and move GPS tracks. Never producer. */
    role: z.enum(['viewer', 'guest']).default('viewer'),
    /** For the producer's list; a guest token's label is also the name its chat posts and bids carry. */
    label: z.string().trim().min(1).max(64).optional(),
    /**
     * The views (public programs) a viewer holding it may watch on the viewer page; absent = every
     * public view, now and later (docs/WEBRTC.md, "Views").
     */
    views: z.array(Id).min(1).max(8).optional(),
  })
  .strict();
export const ObjectRevokeToken = z
  .object({ id: z.string().min(1).max(64).optional(), token: z.string().min(1).max(128).optional() })
  .strict()
  .refine((p) => p.id !== undefined || p.token !== undefined, 'give the token\'s id or the token itself');
export interface ObjectTokenInfo {
  id: string;
  role: 'viewer' | 'guest';
  label?: string;
  /** The views it may watch (absent = every public view). */
  views?: string[];
  createdAt: string;
  /** Open WebSocket connections using it now. */
  connections: number;
}
export interface IssuedObjectToken extends ObjectTokenInfo {
  token: string;
  /** ws(s)://…/objects/ws, without the token: send it as `Authorization: Bearer` or the `cutline.token.<base64url>` subprotocol. */
  wsUrl: string;
}
/** Block a guest or viewer on the objects socket: one client (connection or guest) or every holder of a token. */
export const ObjectBlockClient = z
  .object({
    /** A client id as chat messages carry it (`from`): a guest's id, `token:<id>`, or `token:<id>:<n>` for one viewer connection. */
    clientId: z.string().min(1).max(128).optional(),
    /** An objects token's id (`tok-3`): every connection with it, now and later. */
    tokenId: z.string().min(1).max(64).optional(),
    /** Told to the blocked client with the refusal. */
    reason: z.string().trim().max(200).optional(),
  })
  .strict()
  .refine((p) => (p.clientId === undefined) !== (p.tokenId === undefined), 'give a clientId or a tokenId');
export const ObjectUnblockClient = z
  .object({ clientId: z.string().min(1).max(128).optional(), tokenId: z.string().min(1).max(64).optional() })
  .strict()
  .refine((p) => (p.clientId === undefined) !== (p.tokenId === undefined), 'give a clientId or a tokenId');
export interface BlockedClient {
  clientId?: string;
  tokenId?: string;
  reason: string;
  at: string;
}
const ShowHide = z.object({ id: Id, fadeMs: z.number().int().min(0).max(10_000).optional() }).strict();

interface CommandDef<P extends z.ZodType, R extends z.ZodType> {
  params: P;
  result: R;
  description: string;
}
function command<P extends z.ZodType, R extends z.ZodType>(params: P, result: R, description: string): CommandDef<P, R> {
  return { params, result, description };
}

// ---- Results (next to params in the table; the dispatcher checks them) ----

/** An object's public state: its shape depends on the type (ChatState, PollState, ...). */
const ObjectStateResult = z.custom<ObjectState>((v) => typeof v === 'object' && v !== null && !Array.isArray(v), 'an object state');
const ObjectSnapshotResult = z.object({ id: z.string(), type: ObjectType, version: z.number().int().min(0), state: ObjectStateResult });
const ObjectApplied = z.object({ version: z.number().int().min(0), state: ObjectStateResult });
const ObjectSummaryResult = z.object({ id: z.string(), type: ObjectType, version: z.number().int().min(0) });
const TokenInfoResult = z.object({
  id: z.string(),
  role: z.enum(['viewer', 'guest']),
  label: z.string().optional(),
  views: z.array(z.string()).optional(),
  createdAt: z.string(),
  connections: z.number().int().min(0),
});
const IssuedTokenResult = TokenInfoResult.extend({ token: z.string(), wsUrl: z.string() });
const OverlayStatusResult = z.object({
  id: z.string(),
  kind: z.enum(OVERLAY_KINDS as [OverlayKind, ...OverlayKind[]]),
  visible: z.boolean(),
  opacity: z.number(),
  message: z.string().optional(),
  spec: OverlaySpec,
});
const NothingResult = z.object({}).strict();
const BlockedClientResult = z.object({ clientId: z.string().optional(), tokenId: z.string().optional(), reason: z.string(), at: z.string() });
const OverlayThumbnailResult = z.object({ id: z.string(), png: z.string(), width: z.number(), height: z.number() });

/** Merge into the protocol's COMMANDS table; electron/engine/objects/ObjectCommands.ts runs them. */
export const OBJECT_COMMANDS = {
  'object.create': command(ObjectCreate, ObjectSnapshotResult, 'Create a shared object {id, type, options} (producer). Result: {id, type, version: 0, state}.'),
  'object.op': command(
    ObjectOp,
    ObjectApplied,
    'Apply an operation to a shared object. Result: {version, state}; or an error with a reason (bid_too_low, already_voted, market_closed, rate_limited, ...).',
  ),
  'object.get': command(ById, ObjectSnapshotResult, 'One shared object: {id, type, version, state}.'),
  'object.list': command(Empty, z.array(ObjectSummaryResult), 'Every shared object: [{id, type, version}].'),
  'object.delete': command(ById, NothingResult, 'Delete a shared object (producer); overlays showing it go blank.'),
  'object.issueToken': command(
    ObjectIssueToken,
    IssuedTokenResult,
    'Issue a token for the objects WebSocket /objects/ws (producer): {role: viewer|guest, label?, views?} → {id, token, role, label, views, wsUrl, createdAt}. `views` limits which public programs the holder may watch over WHEP (`/views`, default all). Held in memory until revoked or the engine stops.',
  ),
  'object.revokeToken': command(ObjectRevokeToken, z.object({ revoked: z.boolean() }), 'Revoke an objects token by {id} or {token} (producer): its connections are closed, new ones get 401. Result: {revoked}.'),
  'object.blockClient': command(
    ObjectBlockClient,
    z.object({ blocked: z.literal(true) }),
    'Block a guest or viewer on the objects WebSocket (producer): {clientId} (as chat messages carry it in `from`) or {tokenId} (every holder of that token), with an optional reason. Its sockets close (4403, the reason), its requests and new connections are refused with "blocked by the producer: <reason>" (403). Result: {blocked: true}.',
  ),
  'object.unblockClient': command(ObjectUnblockClient, z.object({ unblocked: z.boolean() }), 'Lift a block (producer). Result: {unblocked}.'),
  'object.audienceKey': command(
    ObjectAudienceKey,
    z.object({ key: z.string() }),
    'The audience key (producer): viewer tokens are JWTs (HS256) signed with it, claims {sub, name?, exp}. {rotate: true} makes a new key and cuts every viewer token off. Result: {key}.',
  ),
  'object.listBlocked': command(Empty, z.array(BlockedClientResult), 'The blocked clients and tokens (producer): [{clientId? | tokenId?, reason, at}].'),
  'object.listTokens': command(Empty, z.array(TokenInfoResult), 'The objects tokens issued (producer), without the secrets: [{id, role, label, createdAt, connections}].'),
  'overlay.add': command(withProgramId(OverlaySpec), OverlayStatusResult, 'Add a graphics overlay {id, kind, ...} to program `programId` (default main) (image, text, lowerThird, clock, countdown, ticker, or a data overlay naming an object).'),
  'overlay.update': command(withProgramId(OverlayUpdate), OverlayStatusResult, 'Change fields of an overlay (not its kind); it redraws once.'),
  'overlay.show': command(withProgramId(ShowHide), OverlayStatusResult, 'Fade an overlay in (fadeMs overrides its own).'),
  'overlay.hide': command(withProgramId(ShowHide), OverlayStatusResult, 'Fade an overlay out (fadeMs overrides its own).'),
  'overlay.remove': command(withProgramId(ById), NothingResult, 'Remove an overlay at once.'),
  'overlay.list': command(withProgramId(Empty), z.array(OverlayStatusResult), 'Every overlay with its spec, visibility and current opacity.'),
  'overlay.thumbnail': command(
    withProgramId(ById),
    OverlayThumbnailResult,
    'The overlay drawn by the engine as it would be on a 640×360 program, shown or not: {id, png: "data:image/png;base64,…", width, height} (its box in pixels; place it at the overlay\'s x/y/width/height). For the desk\'s list of graphics.',
  ),
} as const;
export type ObjectCommandName = keyof typeof OBJECT_COMMANDS;
export type ObjectCommandParams<N extends ObjectCommandName> = z.infer<(typeof OBJECT_COMMANDS)[N]['params']>;

/** Merge into the protocol's EventPayloads / EVENT_DESCRIPTIONS. */
export interface ObjectEventPayloads {
  'object.changed': ObjectChangedEvent;
  'object.created': ObjectCreatedEvent;
  'object.deleted': ObjectDeletedEvent;
  'overlay.changed': { overlays: OverlayStatus[] };
  'objects.statusChanged': { backend: 'journal' | 'redis'; online: boolean; message?: string };
}
export const OBJECT_EVENT_DESCRIPTIONS: Record<keyof ObjectEventPayloads, string> = {
  'object.changed': 'A shared object accepted an operation: {id, type, version, op, args, state, pts, at}; versions have no gaps.',
  'object.created': 'A shared object was created (or restored from the journal at start).',
  'object.deleted': 'A shared object was deleted.',
  'overlay.changed': 'Overlays were added, updated, shown, hidden or removed.',
  'objects.statusChanged': 'The shared-object backend (Redis) went away or came back: {backend, online, message?}. While offline, overlays keep the last state and ops are refused `unavailable`.',
};
