/**
 * The authoritative, versioned shared objects (chat, poll, bets, auction, chalkboard, gps, kv).
 *
 * An operation is checked (role, rate limit, args, the type's rules) and applied synchronously, so
 * concurrent callers are serialized in call order and each accepted one takes the next version:
 * versions have no gaps. It is then written to the journal, and only once that is durable does
 * apply() resolve and `changed` fire (in version order), stamped with the program timestamp of the
 * next frame. get() and events show only durable states. Without a journal (tests, previews) the
 * same path runs with nothing written.
 */
import {
  type ClientRole,
  type ObjectChangedEvent,
  type ObjectCreatedEvent,
  type ObjectDeletedEvent,
  type ObjectSnapshot,
  type ObjectState,
  type ObjectSummary,
  ObjectType,
  type Rate,
  roleAllows,
} from '../../../shared/objects.ts';
import { TypedEmitter } from '../TypedEmitter.ts';
import { Journal, type JournalOptions, type JournalRecord } from './Journal.ts';
import type { ObjectStore, ObjectStoreStatus } from './ObjectStore.ts';
import { newAudienceKey } from './viewerToken.ts';
import { applyWithinCap, canonicalArgs, checkCreate, checkOpRole, runRule } from './operationCheck.ts';
import { RateLimiter } from './RateLimiter.ts';
import { ObjectRejection, reject } from './rejections.ts';
import { type AnyRules, rulesFor } from './rules.ts';

export interface ApplyContext {
  /** Rate-limit key and journal attribution; transports set it from the connection. */
  clientId?: string;
  role: ClientRole;
  /** A producer relaying a named client's op (object.op's clientId): that client's rate limits apply. */
  onBehalf?: boolean;
}

export interface ApplyResult {
  version: number;
  state: ObjectState;
}

export interface StoreEvents {
  changed: ObjectChangedEvent;
  /** The backend went away or came back (Redis only; the journal is always online). */
  status: { backend: 'journal' | 'redis'; online: boolean };
  /** The audience key was rotated: every viewer JWT signed with the old one is cut off. */
  audienceKeyRotated: Record<string, never>;
  created: ObjectCreatedEvent;
  deleted: ObjectDeletedEvent;
}

export interface StoreOptions {
  /** Program timestamp (ms) of the next frame to be composed; null while no program runs. */
  pts?: () => number | null;
  /** Wall clock for timestamps in states, auction deadlines and rate limits. */
  now?: () => number;
  /** Every op from one non-producer client, across all objects. */
  clientRate?: Rate;
  maxObjects?: number;
  /** Rewrite the journal as snapshots (at open, and while running) when it holds more records than this. */
  compactAfter?: number;
}

export interface OpenStoreOptions extends StoreOptions, JournalOptions {}

interface Entry {
  id: string;
  type: ObjectType;
  options: unknown;
  rules: AnyRules;
  /** Internal state, including ops not yet durable. */
  state: unknown;
  version: number;
  /** Last durable version and its public state: what get() and events show. */
  committed?: { version: number; state: ObjectState };
  chatRate?: RateLimiter;
  /** Length of the public state as JSON after the last op (undefined = not measured yet). */
  stateBytes?: number;
}

const PRODUCER = 'producer';
const MAX_IDEMPOTENCY_KEYS = 10_000;

export class SharedObjectStore extends TypedEmitter<StoreEvents> implements ObjectStore {
  private readonly objects = new Map<string, Entry>();
  private pts: () => number | null;
  private readonly now: () => number;
  private readonly clientRate: RateLimiter;
  private readonly maxObjects: number;
  private readonly compactAfter: number;
  private compacting = false;
  private closed = false;
  /** Bytes of a torn last journal line dropped at open (a crash mid-write): the engine warns. */
  tornBytes = 0;
  /** The viewer-JWT key lives in memory here: an engine restart makes a new one (Redis keeps its own). */
  private viewerKey: string | undefined;
  readonly status: ObjectStoreStatus = { backend: 'journal', online: true };
  /** Recent idempotency keys and their results, oldest first. */
  private readonly idempotent = new Map<string, Promise<ApplyResult>>();

  /** An in-memory store; use SharedObjectStore.open() for one backed by a journal. */
  constructor(
    options: StoreOptions = {},
    private readonly journal?: Journal,
  ) {
    super();
    this.pts = options.pts ?? (() => null);
    this.now = options.now ?? Date.now;
    this.clientRate = new RateLimiter(options.clientRate ?? { perSecond: 20, burst: 40 }, this.now);
    this.maxObjects = options.maxObjects ?? 256;
    this.compactAfter = options.compactAfter ?? 50_000;
  }

  /** Opens the journal at `path`, restores every object at its last version, and keeps journaling there. */
  static async open(path: string, options: OpenStoreOptions = {}): Promise<SharedObjectStore> {
    const { journal, records, tornBytes } = await Journal.open(path, options);
    const store = new SharedObjectStore(options, journal);
    store.tornBytes = tornBytes;
    try {
      store.replay(records, path);
      if (records.length > store.compactAfter) await store.compact();
    } catch (error) {
      await journal.close();
      throw error;
    }
    return store;
  }

  async audienceKey(rotate: boolean): Promise<string> {
    const rotated = rotate && this.viewerKey !== undefined;
    if (rotate || !this.viewerKey) this.viewerKey = newAudienceKey();
    if (rotated) this.emit('audienceKeyRotated', {});
    return this.viewerKey;
  }

  get currentAudienceKey(): string | undefined {
    return this.viewerKey;
  }

  /** The engine injects the program clock once the program runs. */
  setPtsProvider(pts: () => number | null): void {
    this.pts = pts;
  }

  get journalStats() {
    return this.journal?.stats;
  }

  async create(id: string, type: ObjectType, options: unknown, ctx: ApplyContext): Promise<ObjectSnapshot> {
    this.checkOpen();
    const checked = checkCreate(type, options, ctx.role);
    if (this.objects.has(id)) reject('conflict', 'object_exists', `A shared object "${id}" already exists: delete it first or use another id.`);
    if (this.objects.size >= this.maxObjects) reject('conflict', 'too_many_objects', `At most ${this.maxObjects} shared objects: delete one first.`);
    const record: JournalRecord = { t: 'create', id, type: checked.type, options: checked.options, at: this.now(), by: ctx.clientId ?? PRODUCER };
    const entry = this.createEntry(id, checked.type, checked.options);
    this.objects.set(id, entry);
    const view = entry.rules.view(entry.state, entry.options) as ObjectState;
    await this.persist(record);
    entry.committed ??= { version: 0, state: view };
    const snapshot: ObjectSnapshot = { id, type: entry.type, version: 0, state: view };
    this.emit('created', { ...snapshot, pts: this.pts() });
    return snapshot;
  }

  /**
   * Applies one operation. Resolves with the new version and public state once it is durable;
   * rejects with an ObjectRejection (code + reason) when a rule refuses it, leaving nothing changed.
   */
  async apply(id: string, op: string, args: unknown, ctx: ApplyContext & { idempotencyKey?: string }): Promise<ApplyResult> {
    if (ctx.idempotencyKey === undefined) return this.applyOnce(id, op, args, ctx);
    // The journal engine keeps recent keys in memory (a restart forgets them; Redis keeps its own).
    const key = `${id}\n${ctx.clientId ?? ctx.role}\n${ctx.idempotencyKey}`;
    const known = this.idempotent.get(key);
    if (known) return known;
    const result = this.applyOnce(id, op, args, ctx);
    this.idempotent.set(key, result);
    result.catch(() => this.idempotent.delete(key));
    if (this.idempotent.size > MAX_IDEMPOTENCY_KEYS) this.idempotent.delete(this.idempotent.keys().next().value as string);
    return result;
  }

  private async applyOnce(id: string, op: string, args: unknown, ctx: ApplyContext): Promise<ApplyResult> {
    this.checkOpen();
    const clientId = ctx.clientId ?? (ctx.role === 'producer' ? PRODUCER : 'anonymous');
    const entry = this.objects.get(id);
    if (!entry) reject('not_found', 'unknown_object', `No shared object "${id}". object.list shows the ones that exist.`);
    checkOpRole(entry, op, ctx.role);
    // Producers are exempt, except when they relay a named client's op (a bidding site's backend).
    const limited = ctx.role !== 'producer' || ctx.onBehalf === true;
    if (limited && !this.clientRate.take(clientId))
      reject('too_many_requests', 'rate_limited', `Too many operations from ${clientId}: wait ${this.clientRate.retryAfterS(clientId).toFixed(1)} s.`);

    const { canonical, length } = canonicalArgs(entry, op, args);

    if (entry.chatRate && op === 'post' && limited && !entry.chatRate.take(clientId))
      reject('too_many_requests', 'rate_limited', `You are posting too fast: wait ${entry.chatRate.retryAfterS(clientId).toFixed(1)} s.`);

    const at = this.now();
    const state = applyWithinCap(entry, op, canonical, length, at, clientId);
    const version = ++entry.version;
    await this.persist({ t: 'op', id, v: version, op, args: canonical, at, by: clientId });
    if (!entry.committed || entry.committed.version < version) entry.committed = { version, state };
    this.compactIfLong();
    this.emit('changed', { id, type: entry.type, version, op, args: canonical, state, pts: this.pts(), at });
    return { version, state };
  }

  async delete(id: string, ctx: ApplyContext): Promise<void> {
    this.checkOpen();
    if (!roleAllows(ctx.role, 'producer')) reject('unauthorized', 'forbidden', 'Only the producer can delete shared objects.');
    if (!this.objects.has(id)) reject('not_found', 'unknown_object', `No shared object "${id}".`);
    this.objects.delete(id);
    await this.persist({ t: 'delete', id, at: this.now(), by: ctx.clientId ?? PRODUCER });
    this.emit('deleted', { id, pts: this.pts() });
  }

  /** The last durable snapshot; throws not_found (a ProtocolError) when there is none. */
  get(id: string): ObjectSnapshot {
    const snap = this.peek(id);
    if (!snap) reject('not_found', 'unknown_object', `No shared object "${id}". object.list shows the ones that exist.`);
    return snap;
  }

  /** Like get(), but undefined when absent: for renderers. */
  peek(id: string): ObjectSnapshot | undefined {
    const entry = this.objects.get(id);
    if (!entry?.committed) return undefined;
    return { id, type: entry.type, version: entry.committed.version, state: entry.committed.state };
  }

  list(): ObjectSummary[] {
    const out: ObjectSummary[] = [];
    for (const e of this.objects.values()) if (e.committed) out.push({ id: e.id, type: e.type, version: e.committed.version });
    return out;
  }

  /** Rewrites the journal as one snapshot per object (ops already queued are kept before it). */
  async compact(): Promise<void> {
    this.checkOpen();
    if (!this.journal) return;
    const at = this.now();
    const records: JournalRecord[] = [...this.objects.values()].map((e) => ({
      t: 'snapshot',
      id: e.id,
      type: e.type,
      options: e.options,
      v: e.version,
      data: JSON.parse(JSON.stringify(e.rules.save(e.state))) as unknown,
      at,
    }));
    await this.journal.rewrite(records);
  }

  /** A long-running show's journal would grow without end: rewrite it as snapshots now and then. */
  private compactIfLong(): void {
    const stats = this.journal?.stats;
    if (!stats || this.compacting || this.closed || stats.records <= this.compactAfter) return;
    this.compacting = true;
    // A failed rewrite fails the journal itself (nothing more is acknowledged), as a failed append does.
    this.compact()
      .catch(() => {})
      .finally(() => {
        this.compacting = false;
      });
  }

  /** Waits for pending writes and closes the journal. Idempotent. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.journal?.close();
  }

  private checkOpen(): void {
    if (this.closed) reject('internal', 'store_closed', 'The shared-object store is closed.');
  }

  private createEntry(id: string, type: ObjectType, options: unknown): Entry {
    const rules = rulesFor(type);
    const entry: Entry = { id, type, options, rules, state: rules.init(options), version: 0 };
    if (type === 'chat') entry.chatRate = new RateLimiter((options as { rate: Rate }).rate, this.now);
    return entry;
  }

  private runOp(entry: Entry, op: string, args: unknown, at: number, clientId: string): void {
    runRule(entry, op, args, at, clientId);
  }

  private async persist(record: JournalRecord): Promise<void> {
    if (!this.journal) return;
    try {
      await this.journal.append(record);
    } catch (error) {
      throw new ObjectRejection('internal', 'journal_failed', `${(error as Error).message}. Nothing more is accepted until the engine restarts.`);
    }
  }

  private replay(records: JournalRecord[], path: string): void {
    records.forEach((r, i) => {
      const where = `${path} record ${i + 1}`;
      if (r.t === 'create' || r.t === 'snapshot') {
        const type = ObjectType.parse(r.type);
        const entry = this.createEntry(r.id, type, r.options);
        if (r.t === 'snapshot') {
          entry.state = entry.rules.load(r.data);
          entry.version = r.v;
        }
        this.objects.set(r.id, entry);
      } else if (r.t === 'delete') {
        this.objects.delete(r.id);
      } else if (r.t === 'op') {
        const entry = this.objects.get(r.id);
        if (!entry) throw new Error(`${where}: an op on "${r.id}", which does not exist there.`);
        if (r.v !== entry.version + 1) throw new Error(`${where}: version ${r.v} of "${r.id}" follows ${entry.version}; the journal has a gap.`);
        try {
          this.runOp(entry, r.op, r.args, r.at, r.by);
        } catch (error) {
          throw new Error(`${where}: replaying ${entry.type}.${r.op} failed: ${(error as Error).message}`);
        }
        entry.version = r.v;
      }
    });
    for (const e of this.objects.values()) e.committed = { version: e.version, state: e.rules.view(e.state, e.options) as ObjectState };
  }
}
