/**
 * Who calls an object or overlay command, and the identity rules that follow from it. The
 * handlers are commands/objects.ts and commands/overlays.ts (the engine's dispatcher runs them);
 * runObjectCommand runs one against a bare store and graphics layer, validating its params with
 * the same schemas the command table publishes.
 */
import { type ClientRole, OBJECT_COMMANDS, type ObjectCommandName } from '../../../shared/objects.ts';
import { ProtocolError } from '../../../shared/protocol.ts';
import { describeZodError } from '../../../shared/show.ts';
import type { CommandHandler } from '../commands/context.ts';
import { type ObjectsContext, type ObjectTokens, objectHandlers } from '../commands/objects.ts';
import { overlayHandlers } from '../commands/overlays.ts';
import type { MediaAccess } from '../files/MediaAccess.ts';
import type { GraphicsLayer } from '../graphics/GraphicsLayer.ts';
import { ObjectRejection } from './rejections.ts';
import type { ObjectStore } from './ObjectStore.ts';

export interface Caller {
  role: ClientRole;
  /** Set by the transport for guests and viewers (connection id, guest token id, ...). */
  clientId?: string;
  /** A name the transport knows for this client (a guest's label): its chat posts, bids and bets carry it. */
  name?: string;
}

export type { ObjectTokens } from '../commands/objects.ts';

/** Names a viewer may not give itself: the audience would take them for the show's own. */
const RESERVED_NAMES = new Set(['producer', 'host', 'moderator', 'admin', 'administrator', 'cutline', 'system']);
export function isReservedName(name: string): boolean {
  return RESERVED_NAMES.has(name.toLowerCase().replace(/[^a-z]/g, ''));
}

/**
 * A guest or viewer cannot speak for someone else: a vote counts for its client id (so "once per
 * voter" is once per client); its posts, bids and bets carry the name its token gives (a guest's
 * label, a token's label) or, when the token gives none, the name it typed marked `selfChosen` —
 * never one of the show's own names. Producers (and automation relaying for a named client) are
 * taken at their word.
 */
export function bindIdentity(op: string, args: unknown, caller: Caller): unknown {
  if (caller.role === 'producer' || args === null || typeof args !== 'object' || Array.isArray(args)) return args;
  const bound: Record<string, unknown> = { ...(args as Record<string, unknown>) };
  if (caller.clientId && (op === 'vote' || 'voter' in bound)) bound.voter = caller.clientId;
  delete bound.selfChosen;
  for (const key of ['author', 'bidder', 'bettor']) {
    if (!(key in bound)) continue;
    if (caller.name) bound[key] = caller.name.slice(0, 64);
    else {
      if (typeof bound[key] === 'string' && isReservedName(bound[key]))
        throw new ObjectRejection('invalid_params', 'reserved_name', `"${bound[key]}" is the show's own name: choose another name.`);
      bound.selfChosen = true;
    }
  }
  return bound;
}

export function isObjectCommand(name: string): name is ObjectCommandName {
  return Object.hasOwn(OBJECT_COMMANDS, name);
}

export interface ObjectTargets {
  store: ObjectStore;
  graphics?: GraphicsLayer;
  tokens?: ObjectTokens;
  media?: MediaAccess;
}

/** Validates `params` and runs the command; throws ProtocolError (ObjectRejection for object ops). */
export async function runObjectCommand(name: ObjectCommandName, params: unknown, targets: ObjectTargets, caller: Caller): Promise<unknown> {
  const parsed = OBJECT_COMMANDS[name].params.safeParse(params ?? {});
  if (!parsed.success) throw new ProtocolError('invalid_params', `${name}: ${describeZodError(parsed.error)}`);
  const handler = (objectHandlers[name as keyof typeof objectHandlers] ?? overlayHandlers[name as keyof typeof overlayHandlers]) as CommandHandler<ObjectCommandName, ObjectsContext>;
  const ctx: ObjectsContext = { objects: targets.store, ...(targets.graphics ? { graphics: targets.graphics } : {}), ...(targets.tokens ? { objectTokens: targets.tokens } : {}), ...(targets.media ? { media: targets.media } : {}) };
  return handler(parsed.data as never, ctx, caller);
}
