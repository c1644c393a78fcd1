/**
 * Runs the object.* and overlay.* commands (shared/objects.ts OBJECT_COMMANDS) against a store and
 * a graphics layer, so the engine's dispatcher only delegates. Params are validated here with the
 * same schemas the command table publishes; the caller's role and client id come from the
 * transport, never from the params (a guest cannot claim to be the producer or someone else).
 */
import { type ClientRole, OBJECT_COMMANDS, type ObjectCommandName, type ObjectCommandParams } from '../../../shared/objects.ts';
import { ProtocolError } from '../../../shared/protocol.ts';
import { describeZodError } from '../../../shared/show.ts';
import type { GraphicsLayer } from '../graphics/GraphicsLayer.ts';
import type { SharedObjectStore } from './SharedObjectStore.ts';

export interface Caller {
  role: ClientRole;
  /** Set by the transport for guests and viewers (connection id, guest token id, ...). */
  clientId?: string;
  /** A name the transport knows for this client (a guest's label): its chat posts, bids and bets carry it. */
  name?: string;
}

/** Token issuing for the objects WebSocket (ObjectsGateway). */
export interface ObjectTokens {
  issue(params: ObjectCommandParams<'object.issueToken'>): unknown;
  revoke(params: ObjectCommandParams<'object.revokeToken'>): unknown;
  list(): unknown;
}

/**
 * A guest or viewer cannot speak for someone else: a vote counts for its client id (so "once per
 * voter" is once per client), and when the transport knows its name, its posts, bids and bets
 * carry that name. Producers (and automation relaying for a named client) are taken at their word.
 */
function bindIdentity(op: string, args: unknown, caller: Caller): unknown {
  if (caller.role === 'producer' || args === null || typeof args !== 'object' || Array.isArray(args)) return args;
  const bound: Record<string, unknown> = { ...(args as Record<string, unknown>) };
  if (caller.clientId && (op === 'vote' || 'voter' in bound)) bound.voter = caller.clientId;
  if (caller.name) for (const key of ['author', 'bidder', 'bettor']) if (key in bound) bound[key] = caller.name.slice(0, 64);
  return bound;
}

export function isObjectCommand(name: string): name is ObjectCommandName {
  return Object.hasOwn(OBJECT_COMMANDS, name);
}

export interface ObjectTargets {
  store: SharedObjectStore;
  graphics?: GraphicsLayer;
  tokens?: ObjectTokens;
}

/** Validates `params` and runs the command; throws ProtocolError (ObjectRejection for object ops). */
export async function runObjectCommand(name: ObjectCommandName, params: unknown, targets: ObjectTargets, caller: Caller): Promise<unknown> {
  const parsed = OBJECT_COMMANDS[name].params.safeParse(params ?? {});
  if (!parsed.success) throw new ProtocolError('invalid_params', `${name}: ${describeZodError(parsed.error)}`);
  return runParsedObjectCommand(name, parsed, targets, caller);
}

/** Runs a command whose params already passed its schema (the engine's dispatcher checked them). */
export async function runParsedObjectCommand(name: ObjectCommandName, parsed: { data: ObjectCommandParams<ObjectCommandName> }, targets: ObjectTargets, caller: Caller): Promise<unknown> {
  const { store } = targets;
  const ctx = { role: caller.role, clientId: caller.clientId };
  switch (name) {
    case 'object.create': {
      const p = parsed.data as ObjectCommandParams<'object.create'>;
      return store.create(p.id, p.type, p.options, ctx);
    }
    case 'object.op': {
      const p = parsed.data as ObjectCommandParams<'object.op'>;
      // Only a producer (automation, the control UI) may act on behalf of a named client.
      const clientId = caller.role === 'producer' ? (p.clientId ?? caller.clientId) : caller.clientId;
      // ...and is then held to that client's rate limits, so a relayed flood is refused like a direct one.
      const onBehalf = caller.role === 'producer' && p.clientId !== undefined;
      return store.apply(p.id, p.op, bindIdentity(p.op, p.args, caller), { role: caller.role, clientId, onBehalf });
    }
    case 'object.get':
      return store.get((parsed.data as ObjectCommandParams<'object.get'>).id);
    case 'object.list':
      return store.list();
    case 'object.delete':
      await store.delete((parsed.data as ObjectCommandParams<'object.delete'>).id, ctx);
      return {};
    case 'object.issueToken':
    case 'object.revokeToken':
    case 'object.listTokens': {
      if (caller.role !== 'producer') throw new ProtocolError('unauthorized', 'Only the producer can issue or revoke tokens.');
      const tokens = targets.tokens;
      if (!tokens) throw new ProtocolError('failed', 'This engine has no objects WebSocket to issue tokens for.');
      if (name === 'object.issueToken') return tokens.issue(parsed.data as ObjectCommandParams<'object.issueToken'>);
      if (name === 'object.revokeToken') return tokens.revoke(parsed.data as ObjectCommandParams<'object.revokeToken'>);
      return tokens.list();
    }
  }
  if (caller.role !== 'producer') throw new ProtocolError('unauthorized', 'Only the producer can change overlays.');
  const graphics = targets.graphics;
  if (!graphics) throw new ProtocolError('failed', 'No program is running to show overlays on.');
  switch (name) {
    case 'overlay.add':
      return graphics.add(parsed.data);
    case 'overlay.update':
      return graphics.update(parsed.data);
    case 'overlay.show': {
      const p = parsed.data as ObjectCommandParams<'overlay.show'>;
      return graphics.show(p.id, p.fadeMs);
    }
    case 'overlay.hide': {
      const p = parsed.data as ObjectCommandParams<'overlay.hide'>;
      return graphics.hide(p.id, p.fadeMs);
    }
    case 'overlay.remove':
      graphics.remove((parsed.data as ObjectCommandParams<'overlay.remove'>).id);
      return {};
    case 'overlay.list':
      return graphics.list();
  }
  throw new ProtocolError('unknown_command', `Unknown command ${name as string}.`);
}
