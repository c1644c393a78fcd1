/**
 * What the engine, the objects socket and the graphics need of a shared-object store, whichever
 * backend holds the truth: the embedded journal (SharedObjectStore, the default) or Redis
 * (RedisObjectStore, for audiences beyond one machine: docs/SHARED-OBJECTS.md "On Redis").
 * Both run the same rules (rules.ts) and the same checks (operationCheck.ts).
 */
import type { ObjectSnapshot, ObjectState, ObjectSummary, ObjectType } from '../../../shared/objects.ts';
import type { TypedEmitter } from '../TypedEmitter.ts';
import type { ApplyContext, ApplyResult, StoreEvents } from './SharedObjectStore.ts';

export interface ObjectStoreStatus {
  backend: 'journal' | 'redis';
  /** False while the backend cannot be reached: reads show the last state, ops are refused `unavailable`. */
  online: boolean;
}

export interface ObjectStore extends Pick<TypedEmitter<StoreEvents>, 'on' | 'off'> {
  create(id: string, type: ObjectType, options: unknown, ctx: ApplyContext): Promise<ObjectSnapshot>;
  /** `idempotencyKey`: the same key from the same client again returns the first result and applies nothing. */
  apply(id: string, op: string, args: unknown, ctx: ApplyContext & { idempotencyKey?: string }): Promise<ApplyResult>;
  delete(id: string, ctx: ApplyContext): Promise<void>;
  get(id: string): ObjectSnapshot;
  peek(id: string): ObjectSnapshot | undefined;
  list(): ObjectSummary[];
  setPtsProvider(pts: () => number | null): void;
  /** The key viewer JWTs are signed with (HS256); `rotate` makes a new one, cutting off every token signed with the old. */
  audienceKey(rotate: boolean): Promise<string>;
  /** The current audience key, if one was made (synchronous: checked on every upgrade). */
  readonly currentAudienceKey: string | undefined;
  readonly status: ObjectStoreStatus;
  close(): Promise<void>;
}

export type { ApplyContext, ApplyResult, ObjectState };
