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
}

export function isObjectCommand(name: string): name is ObjectCommandName {
  return Object.hasOwn(OBJECT_COMMANDS, name);
}

/** Validates `params` and runs the command; throws ProtocolError (ObjectRejection for object ops). */
export async function runObjectCommand(
  name: ObjectCommandName,
  params: unknown,
  targets: { store: SharedObjectStore; graphics?: GraphicsLayer },
  caller: Caller,
): Promise<unknown> {
  const parsed = OBJECT_COMMANDS[name].params.safeParse(params ?? {});
  if (!parsed.success) throw new ProtocolError('invalid_params', `${name}: ${describeZodError(parsed.error)}`);
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
      return store.apply(p.id, p.op, p.args, { role: caller.role, clientId, onBehalf });
    }
    case 'object.get':
      return store.get((parsed.data as ObjectCommandParams<'object.get'>).id);
    case 'object.list':
      return store.list();
    case 'object.delete':
      await store.delete((parsed.data as ObjectCommandParams<'object.delete'>).id, ctx);
      return {};
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
