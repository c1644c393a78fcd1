/**
 * Shared objects (chat, polls, bets, auctions, chalkboard, GPS, key-value): creating, operating,
 * reading, deleting, and the tokens of the objects WebSocket. The caller's role and client id come
 * from the transport, never from the params (a guest cannot claim to be the producer or someone
 * else); the store applies the role rules and rate limits of each operation.
 */
import type { BlockedClient, IssuedObjectToken, ObjectCommandParams, ObjectTokenInfo } from '../../../shared/objects.ts';
import { ProtocolError } from '../../../shared/protocol.ts';
import type { MediaAccess } from '../files/MediaAccess.ts';
import type { GraphicsLayer } from '../graphics/GraphicsLayer.ts';
import { bindIdentity } from '../objects/ObjectCommands.ts';
import type { ObjectStore } from '../objects/ObjectStore.ts';
import type { HandlerMap } from './context.ts';

/** Token issuing for the objects WebSocket (ObjectsGateway). */
export interface ObjectTokens {
  issue(params: ObjectCommandParams<'object.issueToken'>): IssuedObjectToken;
  revoke(params: ObjectCommandParams<'object.revokeToken'>): { revoked: boolean };
  list(): ObjectTokenInfo[];
  block(params: ObjectCommandParams<'object.blockClient'>): { blocked: true };
  unblock(params: ObjectCommandParams<'object.unblockClient'>): { unblocked: boolean };
  listBlocked(): BlockedClient[];
}

/** What object and overlay handlers need (the engine gives all; a bare store works for tests). */
export interface ObjectsContext {
  objects: ObjectStore;
  graphics?: GraphicsLayer;
  /** Another program's overlay layer (overlay.* with programId); throws not_found for an unknown id. */
  programGraphics?(programId: string): GraphicsLayer;
  objectTokens?: ObjectTokens;
  /** The show's program ids (object.issueToken checks its `views`); absent = no check (tests). */
  programIds?(): string[];
  /** Which files overlays may read (image paths); absent = no check (a bare store in tests). */
  media?: MediaAccess;
}

type ObjectCommand =
  | 'object.create'
  | 'object.op'
  | 'object.get'
  | 'object.list'
  | 'object.delete'
  | 'object.issueToken'
  | 'object.revokeToken'
  | 'object.listTokens'
  | 'object.blockClient'
  | 'object.unblockClient'
  | 'object.listBlocked'
  | 'object.audienceKey';

function tokens(ctx: ObjectsContext, caller: { role: string }): ObjectTokens {
  if (caller.role !== 'producer') throw new ProtocolError('unauthorized', 'Only the producer can issue or revoke tokens.');
  if (!ctx.objectTokens) throw new ProtocolError('failed', 'This engine has no objects WebSocket to issue tokens for.');
  return ctx.objectTokens;
}

export const objectHandlers: HandlerMap<ObjectCommand, ObjectsContext> = {
  'object.create': (p, ctx, caller) => ctx.objects.create(p.id, p.type, p.options, { role: caller.role, clientId: caller.clientId }),
  'object.op': (p, ctx, caller) => {
    // Only a producer (automation, the control UI) may act on behalf of a named client...
    const clientId = caller.role === 'producer' ? (p.clientId ?? caller.clientId) : caller.clientId;
    // ...and is then held to that client's rate limits, so a relayed flood is refused like a direct one.
    const onBehalf = caller.role === 'producer' && p.clientId !== undefined;
    return ctx.objects.apply(p.id, p.op, bindIdentity(p.op, p.args, caller), { role: caller.role, clientId, onBehalf, ...(p.idempotencyKey ? { idempotencyKey: p.idempotencyKey } : {}) });
  },
  'object.get': (p, ctx) => ctx.objects.get(p.id),
  'object.list': (_p, ctx) => ctx.objects.list(),
  'object.delete': async (p, ctx, caller) => {
    await ctx.objects.delete(p.id, { role: caller.role, clientId: caller.clientId });
    return {};
  },
  'object.issueToken': (p, ctx, caller) => {
    const issuer = tokens(ctx, caller);
    const known = ctx.programIds?.();
    const unknown = known ? (p.views ?? []).filter((id) => !known.includes(id)) : [];
    // A typo would hand out a token that can watch nothing: say so instead.
    if (unknown.length > 0) throw new ProtocolError('invalid_params', `views: no program ${unknown.map((id) => `"${id}"`).join(', ')}; the show has ${known?.join(', ')}`);
    return issuer.issue(p);
  },
  'object.revokeToken': (p, ctx, caller) => tokens(ctx, caller).revoke(p),
  'object.listTokens': (_p, ctx, caller) => tokens(ctx, caller).list(),
  'object.blockClient': (p, ctx, caller) => tokens(ctx, caller).block(p),
  'object.unblockClient': (p, ctx, caller) => tokens(ctx, caller).unblock(p),
  'object.listBlocked': (_p, ctx, caller) => tokens(ctx, caller).listBlocked(),
  'object.audienceKey': async (p, ctx, caller) => {
    if (caller.role !== 'producer') throw new ProtocolError('unauthorized', 'Only the producer can read or rotate the audience key.');
    return { key: await ctx.objects.audienceKey(p.rotate === true) };
  },
};
