/**
 * Shared objects whose truth is in Redis (docs/SHARED-OBJECTS.md "On Redis"), for audiences that
 * one engine cannot hold: any number of processes (the engine, `cutline gateway`s) open one and
 * act on the same objects.
 *
 * Every process keeps each object's state in memory, replayed from the object's Stream of ops
 * (gap-free entry ids 0-<version>) and kept current by the events channel. An op is checked
 * (operationCheck.ts), rate limited on Redis (one budget per client across all processes), queued,
 * and run through rules.ts by whichever process holds the object's short sequencer lease in Redis:
 * it takes the lease, catches up, runs a whole batch of queued ops, and appends them in one
 * compare-and-set script that also releases the lease. Only once Redis answers (with
 * `appendfsync always`, after its fsync) is an op acknowledged. A lost lease or a version that
 * moved refuses the append; the process then reloads the object and tries again, so versions never
 * gap or fork. Changes are emitted coalesced (the latest state at most every `coalesceMs` per
 * object): a hot poll is not sent vote by vote.
 *
 * Redis away: reads keep the last state, ops are refused `unavailable` with a retry hint, and on
 * reconnection every object is reloaded and the `status` event says so.
 */
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import type { ObjectChangedEvent, ObjectSnapshot, ObjectState, ObjectSummary, ObjectType, Rate } from '../../../shared/objects.ts';
import { ProtocolError } from '../../../shared/protocol.ts';
import { TypedEmitter } from '../TypedEmitter.ts';
import type { ObjectStore, ObjectStoreStatus } from './ObjectStore.ts';
import { applyWithinCap, canonicalArgs, checkCreate, checkOpRole, type HeldObject, runRule } from './operationCheck.ts';
import {
  AUDIENCE_KEY,
  COMMIT_SCRIPT,
  CREATE_SCRIPT,
  DELETE_SCRIPT,
  EVENTS_CHANNEL,
  LEASE_SCRIPT,
  objectKeys,
  RATE_SCRIPT,
  REGISTRY_KEY,
  RELEASE_SCRIPT,
  SNAPSHOT_SCRIPT,
} from './redisScripts.ts';
import { ObjectRejection, reject } from './rejections.ts';
import { rulesFor } from './rules.ts';
import type { ApplyContext, ApplyResult, StoreEvents } from './SharedObjectStore.ts';
import { newAudienceKey } from './viewerToken.ts';

export interface RedisStoreOptions {
  url: string;
  pts?: () => number | null;
  now?: () => number;
  clientRate?: Rate;
  maxObjects?: number;
  /** Emit at most one `changed` per object this often (the latest state). Default 100 ms. */
  coalesceMs?: number;
  /** How long a process may hold an object's sequencer lease without committing. */
  leaseMs?: number;
  /** Write a snapshot every this many versions. */
  snapshotEvery?: number;
  /** How long an idempotency key is remembered, in seconds. */
  idempotencyTtlS?: number;
  log?: (line: string) => void;
}

/** An op record as the Stream and the events channel hold it (the journal's, without `t`/`id`). */
interface OpRecord {
  v: number;
  op: string;
  args: unknown;
  at: number;
  by: string;
}

interface Pending {
  op: string;
  canonical: unknown;
  length: number;
  at: number;
  clientId: string;
  idemKey?: string;
  resolve(result: ApplyResult): void;
  reject(error: unknown): void;
}

interface Entry extends HeldObject {
  epoch: string;
  version: number;
  committed: { version: number; state: ObjectState };
  lastChange?: { op: string; args: unknown; at: number };
  pending: Pending[];
  flushing: boolean;
  /** The in-memory state may be ahead of Redis (an append failed midway): reload before the next op. */
  stale: boolean;
  /** Others' changes arrived while this process sequenced it: catch up afterwards. */
  behind?: boolean;
  /** Wakes this process's flush when another process releases the object's lease. */
  leaseFreed?: () => void;
  snapshotAt: number;
}

interface ObjectMeta {
  type: ObjectType;
  options: unknown;
  epoch: string;
}

type ChannelMessage =
  | { kind: 'ops'; id: string; records: OpRecord[] }
  | { kind: 'created'; id: string; meta: ObjectMeta }
  | { kind: 'deleted'; id: string }
  | { kind: 'free'; id: string }
  | { kind: 'audienceKey' };

const MAX_BATCH = 500;
/** How often each process checks it has missed nothing on the events channel. */
const RECONCILE_MS = 2000;
/** Longest wait for a busy lease before asking again (a release message may be lost). */
const LEASE_POLL_MS = 50;
const RETRY_AFTER_S = 2;
const PRODUCER = 'producer';

function unavailable(what: string): ProtocolError {
  return new ObjectRejection('unavailable', 'objects_offline', `Shared objects are offline (${what}): retry in ${RETRY_AFTER_S} s with the same idempotencyKey.`);
}

export class RedisObjectStore extends TypedEmitter<StoreEvents> implements ObjectStore {
  private readonly objects = new Map<string, Entry>();
  private readonly redis: Redis;
  private readonly subscriber: Redis;
  private pts: () => number | null;
  private readonly now: () => number;
  private readonly clientRate: Rate;
  private readonly maxObjects: number;
  private readonly coalesceMs: number;
  private readonly leaseMs: number;
  private readonly snapshotEvery: number;
  private readonly idempotencyTtlS: number;
  private readonly log: (line: string) => void;
  /** Who holds a lease: unique per store, so a stale lease of a dead process is never mistaken for ours. */
  private readonly owner = `${process.pid}-${randomBytes(6).toString('hex')}`;
  private viewerKey: string | undefined;
  private online = false;
  private closed = false;
  private readonly dirty = new Set<string>();
  private coalesceTimer: NodeJS.Timeout | undefined;
  private resyncing: Promise<void> | undefined;
  private reconcileTimer: NodeJS.Timeout | undefined;

  private constructor(options: RedisStoreOptions) {
    super();
    this.pts = options.pts ?? (() => null);
    this.now = options.now ?? Date.now;
    this.clientRate = options.clientRate ?? { perSecond: 20, burst: 40 };
    this.maxObjects = options.maxObjects ?? 256;
    this.coalesceMs = options.coalesceMs ?? 100;
    this.leaseMs = options.leaseMs ?? 2000;
    this.snapshotEvery = options.snapshotEvery ?? 2000;
    this.idempotencyTtlS = options.idempotencyTtlS ?? 24 * 3600;
    this.log = options.log ?? ((line) => process.stderr.write(`${line}\n`));
    // No offline queue and no resending: an op either reaches Redis now or is refused `unavailable`.
    const connection = { enableOfflineQueue: false, maxRetriesPerRequest: 0, autoResendUnfulfilledCommands: false, retryStrategy: (n: number) => Math.min(100 * n, 1000), lazyConnect: true };
    this.redis = new Redis(options.url, connection);
    this.subscriber = new Redis(options.url, { ...connection, enableOfflineQueue: true, autoResubscribe: true });
    for (const client of [this.redis, this.subscriber]) client.on('error', () => {}); // 'close'/'ready' carry the story
    this.redis.defineCommand('cutlineCreate', { numberOfKeys: 4, lua: CREATE_SCRIPT });
    this.redis.defineCommand('cutlineDelete', { numberOfKeys: 4, lua: DELETE_SCRIPT });
    this.redis.defineCommand('cutlineSnapshot', { numberOfKeys: 1, lua: SNAPSHOT_SCRIPT });
    this.redis.defineCommand('cutlineRate', { numberOfKeys: 1, lua: RATE_SCRIPT });
    this.redis.defineCommand('cutlineRelease', { numberOfKeys: 1, lua: RELEASE_SCRIPT });
    // Key counts vary with the batch's idempotency keys: the count goes first (EVALSHA, not EVAL).
    this.redis.defineCommand('cutlineLease', { lua: LEASE_SCRIPT });
    this.redis.defineCommand('cutlineCommit', { lua: COMMIT_SCRIPT });
  }

  /** Connects, loads every object and follows changes. Fails when Redis cannot be reached at start. */
  static async open(options: RedisStoreOptions): Promise<RedisObjectStore> {
    const store = new RedisObjectStore(options);
    try {
      await store.redis.connect();
      await store.subscriber.connect();
      await store.subscriber.subscribe(EVENTS_CHANNEL);
      await store.resync();
    } catch (error) {
      store.redis.disconnect();
      store.subscriber.disconnect();
      throw new ProtocolError('unavailable', `Cannot reach Redis at ${redactUrl(options.url)} (${(error as Error).message}): start redis-server or fix --objects-redis.`);
    }
    store.online = true;
    store.subscriber.on('message', (_channel: string, message: string) => store.onChannel(message));
    store.redis.on('close', () => store.setOnline(false));
    // Back online: whatever was published meanwhile was missed, so everything is reloaded first.
    store.redis.on('ready', () => {
      store.resync().then(
        () => store.setOnline(true),
        (error: Error) => store.log(`objects: reloading from Redis failed (${error.message}); retrying on the next reconnection`),
      );
    });
    // Pub/sub drops what a slow or reconnecting subscriber misses: reconcile now and then.
    store.subscriber.on('ready', () => void store.resync().catch(() => {}));
    store.reconcileTimer = setInterval(() => {
      if (store.online) store.resync().catch(() => {});
    }, RECONCILE_MS);
    store.reconcileTimer.unref();
    return store;
  }

  get status(): ObjectStoreStatus {
    return { backend: 'redis', online: this.online };
  }

  get currentAudienceKey(): string | undefined {
    return this.viewerKey;
  }

  setPtsProvider(pts: () => number | null): void {
    this.pts = pts;
  }

  async audienceKey(rotate: boolean): Promise<string> {
    this.checkUsable();
    try {
      if (!rotate) {
        const existing = await this.redis.get(AUDIENCE_KEY);
        if (existing) return (this.viewerKey = existing);
        // Two processes making the first key at once agree on one (NX).
        await this.redis.set(AUDIENCE_KEY, newAudienceKey(), 'NX');
      } else {
        await this.redis.set(AUDIENCE_KEY, newAudienceKey());
        await this.redis.publish(EVENTS_CHANNEL, JSON.stringify({ kind: 'audienceKey' }));
      }
      this.viewerKey = (await this.redis.get(AUDIENCE_KEY)) ?? undefined;
    } catch (error) {
      throw unavailable((error as Error).message);
    }
    if (!this.viewerKey) throw unavailable('the audience key vanished');
    return this.viewerKey;
  }

  // ---- reads: the last durable state this process knows ----

  get(id: string): ObjectSnapshot {
    const snap = this.peek(id);
    if (!snap) reject('not_found', 'unknown_object', `No shared object "${id}". object.list shows the ones that exist.`);
    return snap;
  }

  peek(id: string): ObjectSnapshot | undefined {
    const entry = this.objects.get(id);
    if (!entry) return undefined;
    return { id, type: entry.type, version: entry.committed.version, state: entry.committed.state };
  }

  list(): ObjectSummary[] {
    return [...this.objects.values()].map((e) => ({ id: e.id, type: e.type, version: e.committed.version }));
  }

  // ---- writes ----

  async create(id: string, type: ObjectType, options: unknown, ctx: ApplyContext): Promise<ObjectSnapshot> {
    this.checkUsable();
    const checked = checkCreate(type, options, ctx.role);
    const meta: ObjectMeta = { type: checked.type, options: checked.options, epoch: `${this.now().toString(36)}${randomBytes(3).toString('hex')}` };
    const keys = objectKeys(id);
    const metaJson = JSON.stringify(meta);
    let answer: string;
    try {
      answer = await (this.redis as unknown as Scripts).cutlineCreate(REGISTRY_KEY, keys.version, keys.ops, keys.snap, id, metaJson, this.maxObjects, JSON.stringify({ kind: 'created', id, meta }), EVENTS_CHANNEL);
    } catch (error) {
      throw unavailable((error as Error).message);
    }
    if (answer === 'exists') reject('conflict', 'object_exists', `A shared object "${id}" already exists: delete it first or use another id.`);
    if (answer === 'full') reject('conflict', 'too_many_objects', `At most ${this.maxObjects} shared objects: delete one first.`);
    const entry = this.adopt(id, meta);
    return { id, type: entry.type, version: 0, state: entry.committed.state };
  }

  async delete(id: string, ctx: ApplyContext): Promise<void> {
    this.checkUsable();
    if (ctx.role !== 'producer') reject('unauthorized', 'forbidden', 'Only the producer can delete shared objects.');
    const keys = objectKeys(id);
    let removed: number;
    try {
      removed = await (this.redis as unknown as Scripts).cutlineDelete(REGISTRY_KEY, keys.version, keys.ops, keys.snap, id, JSON.stringify({ kind: 'deleted', id }), EVENTS_CHANNEL);
    } catch (error) {
      throw unavailable((error as Error).message);
    }
    if (!removed) reject('not_found', 'unknown_object', `No shared object "${id}".`);
    this.forget(id);
  }

  async apply(id: string, op: string, args: unknown, ctx: ApplyContext & { idempotencyKey?: string }): Promise<ApplyResult> {
    this.checkUsable();
    const clientId = ctx.clientId ?? (ctx.role === 'producer' ? PRODUCER : 'anonymous');
    const entry = this.objects.get(id);
    if (!entry) reject('not_found', 'unknown_object', `No shared object "${id}". object.list shows the ones that exist.`);
    checkOpRole(entry, op, ctx.role);
    const limited = ctx.role !== 'producer' || ctx.onBehalf === true;
    if (limited) await this.takeBudget(`client:${clientId}`, this.clientRate, `Too many operations from ${clientId}`);
    const { canonical, length } = canonicalArgs(entry, op, args);
    if (limited && entry.type === 'chat' && op === 'post') await this.takeBudget(`chat:${id}:${clientId}`, (entry.options as { rate: Rate }).rate, 'You are posting too fast');
    return new Promise<ApplyResult>((resolve, rejectOp) => {
      const pending: Pending = { op, canonical, length, at: this.now(), clientId, resolve, reject: rejectOp };
      if (ctx.idempotencyKey) pending.idemKey = ctx.idempotencyKey;
      entry.pending.push(pending);
      if (!entry.flushing) void this.flush(entry);
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.coalesceTimer);
    clearInterval(this.reconcileTimer);
    for (const entry of this.objects.values()) for (const p of entry.pending.splice(0)) p.reject(new ObjectRejection('internal', 'store_closed', 'The shared-object store is closed.'));
    this.redis.disconnect();
    this.subscriber.disconnect();
  }

  // ---- the sequencer ----

  private async flush(entry: Entry): Promise<void> {
    entry.flushing = true;
    try {
      while (entry.pending.length > 0 && !this.closed) {
        const batch = entry.pending.splice(0, MAX_BATCH);
        await this.commitBatch(entry, batch);
      }
    } finally {
      entry.flushing = false;
    }
    if ((entry.behind || entry.stale) && !this.closed) {
      entry.behind = false;
      await this.catchUp(entry).catch(() => {});
    }
  }

  private async commitBatch(entry: Entry, batch: Pending[]): Promise<void> {
    const keys = objectKeys(entry.id);
    const scripts = this.redis as unknown as Scripts;
    const todo = batch;
    while (todo.length > 0) {
      if (this.closed) return todo.forEach((p) => p.reject(new ObjectRejection('internal', 'store_closed', 'The shared-object store is closed.')));
      const idemKeys = todo.map((p) => (p.idemKey ? keys.idem(entry.epoch, p.clientId, p.idemKey) : undefined));
      const declared = [...new Set(idemKeys.filter((k): k is string => k !== undefined))];
      let lease: number[];
      try {
        lease = await scripts.cutlineLease(2 + declared.length, keys.lease, keys.version, ...declared, this.owner, this.leaseMs);
      } catch (error) {
        return todo.forEach((p) => p.reject(unavailable((error as Error).message)));
      }
      if (lease[0] === -1) return todo.forEach((p) => p.reject(new ObjectRejection('not_found', 'unknown_object', `Shared object "${entry.id}" was deleted.`)));
      if (lease[0] === 0) {
        // Another process is sequencing this object: wait until it says the lease is free (its
        // append or release is published), or LEASE_POLL_MS at most; more ops queue meanwhile.
        await new Promise<void>((r) => {
          const timer = setTimeout(done, LEASE_POLL_MS);
          function done() {
            clearTimeout(timer);
            r();
          }
          entry.leaseFreed = done;
        });
        entry.leaseFreed = undefined;
        continue;
      }
      try {
        await this.catchUp(entry, lease[1] as number);
      } catch (error) {
        await scripts.cutlineRelease(keys.lease, this.owner, EVENTS_CHANNEL, JSON.stringify({ kind: 'free', id: entry.id })).catch(() => {});
        return todo.forEach((p) => p.reject(unavailable((error as Error).message)));
      }
      // Ops whose idempotency key is already applied are answered, not run again.
      const seen = new Map(declared.map((k, i) => [k, lease[2 + i] as number]));
      const fresh: Pending[] = [];
      const firstOfKey = new Map<string, Pending>();
      todo.forEach((p, i) => {
        const key = idemKeys[i];
        const appliedAt = key !== undefined ? (seen.get(key) ?? -1) : -1;
        const first = key !== undefined ? firstOfKey.get(key) : undefined;
        if (appliedAt >= 0) p.resolve({ version: appliedAt, state: entry.committed.state });
        else if (first) follow(first, p);
        else {
          if (key !== undefined) firstOfKey.set(key, p);
          fresh.push(p);
        }
      });
      const results = this.runBatch(entry, fresh);
      const accepted = results.filter((r) => r.accepted);
      if (accepted.length === 0) {
        await scripts.cutlineRelease(keys.lease, this.owner, EVENTS_CHANNEL, JSON.stringify({ kind: 'free', id: entry.id })).catch(() => {});
        for (const r of results) r.settle();
        return;
      }
      const argv: (string | number)[] = [this.owner, entry.version, accepted.length, EVENTS_CHANNEL, JSON.stringify(entry.id), this.idempotencyTtlS];
      const commitKeys: string[] = [keys.lease, keys.version, keys.ops];
      for (const r of accepted) {
        argv.push(JSON.stringify(r.record));
        const k = r.pending.idemKey ? keys.idem(entry.epoch, r.pending.clientId, r.pending.idemKey) : undefined;
        if (k) commitKeys.push(k);
        argv.push(k ? commitKeys.length : 0);
      }
      let reply: number[];
      try {
        reply = await scripts.cutlineCommit(commitKeys.length, ...commitKeys, ...argv);
      } catch (error) {
        // Not known whether Redis applied it: the state is reloaded before the next op, and the
        // client retries with its idempotency key, which tells.
        entry.stale = true;
        return todo.forEach((p) => p.reject(unavailable(`${(error as Error).message}; not known whether it was applied`)));
      }
      if (reply[0] !== 1) {
        // The lease expired under us and someone else moved on: our in-memory run is void.
        entry.stale = true;
        this.log(`objects: "${entry.id}" moved to version ${reply[1]} while this process sequenced it; reloading and retrying`);
        continue;
      }
      entry.version = reply[1] as number;
      const last = accepted[accepted.length - 1] as BatchResult;
      entry.committed = { version: entry.version, state: last.state as ObjectState };
      entry.lastChange = { op: last.record.op, args: last.record.args, at: last.record.at };
      for (const r of results) r.settle();
      this.markChanged(entry);
      if (entry.version - entry.snapshotAt >= this.snapshotEvery) this.snapshot(entry);
      return;
    }
  }

  /** Runs the batch's rules on the in-memory state, in order; each result settles once committed. */
  private runBatch(entry: Entry, batch: Pending[]): BatchResult[] {
    let version = entry.version;
    return batch.map((p) => {
      try {
        const state = applyWithinCap(entry, p.op, p.canonical, p.length, p.at, p.clientId);
        version += 1;
        const record: OpRecord = { v: version, op: p.op, args: p.canonical, at: p.at, by: p.clientId };
        const v = version;
        return { accepted: true, pending: p, record, state, settle: () => p.resolve({ version: v, state }) };
      } catch (error) {
        return { accepted: false, pending: p, record: undefined as never, state: undefined, settle: () => p.reject(error) };
      }
    });
  }

  // ---- following Redis ----

  /** Brings `entry` up to `target` (or whatever the Stream holds) from the Stream; reloads when stale. */
  private async catchUp(entry: Entry, target?: number): Promise<void> {
    if (entry.stale) {
      const meta = { type: entry.type, options: entry.options, epoch: entry.epoch };
      const fresh = await this.load(entry.id, meta);
      Object.assign(entry, { state: fresh.state, version: fresh.version, stateBytes: undefined, stale: false, committed: fresh.committed, snapshotAt: fresh.snapshotAt });
      this.markChanged(entry);
      return;
    }
    if (target !== undefined && target <= entry.version) return;
    const before = entry.version;
    await this.replayStream(entry);
    if (entry.version > before) this.markChanged(entry);
  }

  private async replayStream(entry: HeldObject & { version: number; committed?: Entry['committed']; lastChange?: Entry['lastChange'] }): Promise<void> {
    const keys = objectKeys(entry.id);
    for (;;) {
      const page = (await this.redis.xrange(keys.ops, `0-${entry.version + 1}`, '+', 'COUNT', 5000)) as [string, string[]][];
      for (const [, fields] of page) this.applyRecord(entry, JSON.parse(fields[1] as string) as OpRecord);
      if (page.length < 5000) break;
    }
  }

  private applyRecord(entry: HeldObject & { version: number; committed?: Entry['committed']; lastChange?: Entry['lastChange'] }, record: OpRecord): void {
    if (record.v !== entry.version + 1) return;
    runRule(entry, record.op, record.args, record.at, record.by);
    entry.version = record.v;
    entry.stateBytes = undefined;
    entry.committed = { version: record.v, state: entry.rules.view(entry.state, entry.options) as ObjectState };
    entry.lastChange = { op: record.op, args: record.args, at: record.at };
  }

  /** One object from its snapshot and the Stream after it. */
  private async load(id: string, meta: ObjectMeta): Promise<Entry> {
    const rules = rulesFor(meta.type);
    const keys = objectKeys(id);
    const entry: Entry = {
      id, type: meta.type, options: meta.options, epoch: meta.epoch, rules, state: rules.init(meta.options), version: 0,
      committed: { version: 0, state: rules.view(rules.init(meta.options), meta.options) as ObjectState },
      pending: [], flushing: false, stale: false, snapshotAt: 0,
    };
    const snap = await this.redis.get(keys.snap);
    if (snap) {
      const saved = JSON.parse(snap) as { v: number; epoch: string; data: unknown };
      if (saved.epoch === meta.epoch) {
        entry.state = rules.load(saved.data);
        entry.version = saved.v;
        entry.snapshotAt = saved.v;
      }
    }
    await this.replayStream(entry);
    entry.committed = { version: entry.version, state: rules.view(entry.state, entry.options) as ObjectState };
    return entry;
  }

  /** Reconciles every object with Redis: new ones loaded, deleted ones dropped, the rest caught up. */
  private resync(): Promise<void> {
    this.resyncing ??= (async () => {
      try {
        const registry = await this.redis.hgetall(REGISTRY_KEY);
        for (const id of [...this.objects.keys()]) if (!(id in registry)) this.forget(id);
        for (const [id, json] of Object.entries(registry)) {
          const meta = JSON.parse(json) as ObjectMeta;
          const known = this.objects.get(id);
          if (known && known.epoch === meta.epoch) {
            if (!known.flushing) await this.catchUp(known);
          } else {
            if (known) this.forget(id);
            const entry = await this.load(id, meta);
            this.objects.set(id, entry);
            this.emit('created', { id, type: entry.type, version: entry.version, state: entry.committed.state, pts: this.pts() });
          }
        }
        this.viewerKey = (await this.redis.get(AUDIENCE_KEY)) ?? this.viewerKey;
      } finally {
        this.resyncing = undefined;
      }
    })();
    return this.resyncing;
  }

  private onChannel(message: string): void {
    let parsed: ChannelMessage;
    try {
      parsed = JSON.parse(message) as ChannelMessage;
    } catch {
      return;
    }
    if (parsed.kind === 'audienceKey') {
      const before = this.viewerKey;
      this.redis.get(AUDIENCE_KEY).then((key) => {
        this.viewerKey = key ?? undefined;
        if (key !== before) this.emit('audienceKeyRotated', {});
      }, () => {});
      return;
    }
    if (parsed.kind === 'created') {
      const known = this.objects.get(parsed.id);
      if (!known || known.epoch !== parsed.meta.epoch) this.adopt(parsed.id, parsed.meta);
      return;
    }
    if (parsed.kind === 'free') {
      this.objects.get(parsed.id)?.leaseFreed?.();
      return;
    }
    if (parsed.kind === 'deleted') {
      this.forget(parsed.id);
      return;
    }
    const entry = this.objects.get(parsed.id);
    // Our own appends come back too (already applied); a sequencing process catches up itself.
    if (!entry) return;
    // An append releases the lease (COMMIT_SCRIPT): a flush waiting for it goes now, not after
    // LEASE_POLL_MS (it used to wake only on "free", which is sent when nothing was appended).
    entry.leaseFreed?.();
    if (entry.flushing || entry.stale) {
      entry.behind = true;
      return;
    }
    const first = parsed.records[0];
    if (!first || first.v <= entry.version) return;
    if (first.v === entry.version + 1) {
      for (const record of parsed.records) this.applyRecord(entry, record);
      this.markChanged(entry);
    } else void this.catchUp(entry).catch(() => {});
  }

  private adopt(id: string, meta: ObjectMeta): Entry {
    const rules = rulesFor(meta.type);
    const state = rules.init(meta.options);
    const view = rules.view(state, meta.options) as ObjectState;
    const entry: Entry = { id, type: meta.type, options: meta.options, epoch: meta.epoch, rules, state, version: 0, committed: { version: 0, state: view }, pending: [], flushing: false, stale: false, snapshotAt: 0 };
    this.forget(id, false);
    this.objects.set(id, entry);
    this.emit('created', { id, type: entry.type, version: 0, state: view, pts: this.pts() });
    return entry;
  }

  private forget(id: string, announce = true): void {
    const entry = this.objects.get(id);
    if (!entry) return;
    this.objects.delete(id);
    this.dirty.delete(id);
    for (const p of entry.pending.splice(0)) p.reject(new ObjectRejection('not_found', 'unknown_object', `Shared object "${id}" was deleted.`));
    if (announce) this.emit('deleted', { id, pts: this.pts() });
  }

  private snapshot(entry: Entry): void {
    entry.snapshotAt = entry.version;
    const json = `{"v":${entry.version},"epoch":${JSON.stringify(entry.epoch)},"data":${JSON.stringify(entry.rules.save(entry.state))}}`;
    (this.redis as unknown as Scripts).cutlineSnapshot(objectKeys(entry.id).snap, entry.version, json).catch(() => {});
  }

  // ---- fan-out: the latest state per object, at most every coalesceMs ----

  private markChanged(entry: Entry): void {
    this.dirty.add(entry.id);
    this.coalesceTimer ??= setTimeout(() => this.emitChanges(), this.coalesceMs);
  }

  private emitChanges(): void {
    this.coalesceTimer = undefined;
    const ids = [...this.dirty];
    this.dirty.clear();
    for (const id of ids) {
      const entry = this.objects.get(id);
      if (!entry || entry.committed.version === 0) continue;
      const change = entry.lastChange ?? { op: '', args: {}, at: this.now() };
      const event: ObjectChangedEvent = { id, type: entry.type, version: entry.committed.version, op: change.op, args: change.args, state: entry.committed.state, pts: this.pts(), at: change.at };
      this.emit('changed', event);
    }
  }

  // ---- limits and health ----

  private async takeBudget(key: string, rate: Rate, what: string): Promise<void> {
    let reply: number[];
    try {
      reply = (await (this.redis as unknown as Scripts).cutlineRate(`cutline:rate:${key}`, rate.perSecond, rate.burst)) as number[];
    } catch (error) {
      throw unavailable((error as Error).message);
    }
    if (reply[0] !== 1) reject('too_many_requests', 'rate_limited', `${what}: wait ${((reply[1] as number) / 1000).toFixed(1)} s.`);
  }

  private checkUsable(): void {
    if (this.closed) reject('internal', 'store_closed', 'The shared-object store is closed.');
    if (!this.online || this.redis.status !== 'ready') throw unavailable('Redis cannot be reached');
  }

  private setOnline(online: boolean): void {
    if (this.online === online || this.closed) return;
    this.online = online;
    this.log(online ? 'objects: Redis is back; shared objects are online again' : 'objects: Redis cannot be reached; shared objects are offline (overlays keep their last state)');
    this.emit('status', { backend: 'redis', online });
  }
}

/** A second copy of one idempotency key in a batch gets the first one's answer. */
function follow(first: Pending, copy: Pending): void {
  const { resolve, reject: refuse } = first;
  first.resolve = (result) => {
    resolve(result);
    copy.resolve(result);
  };
  first.reject = (error) => {
    refuse(error);
    copy.reject(error);
  };
}

interface BatchResult {
  accepted: boolean;
  pending: Pending;
  record: OpRecord;
  state: ObjectState | undefined;
  settle(): void;
}

interface Scripts {
  cutlineCreate(...args: (string | number)[]): Promise<string>;
  cutlineDelete(...args: (string | number)[]): Promise<number>;
  cutlineSnapshot(...args: (string | number)[]): Promise<number>;
  cutlineRate(...args: (string | number)[]): Promise<number[]>;
  cutlineRelease(...args: (string | number)[]): Promise<number>;
  cutlineLease(...args: (string | number)[]): Promise<number[]>;
  cutlineCommit(...args: (string | number)[]): Promise<number[]>;
}

/** A Redis URL without its password, for messages and logs. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return 'the configured Redis URL';
  }
}
