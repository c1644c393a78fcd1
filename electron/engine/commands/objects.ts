/**
 * Shared objects (object.*) and the overlays drawn over the program (overlay.*). The rules —
 * who may do what, identity binding, tokens — live in objects/ObjectCommands.ts, which works on
 * the object store and the graphics layer; this map hands it the engine's.
 */
import type { ObjectCommandName } from '../../../shared/objects.ts';
import type { CommandResult } from '../../../shared/protocol.ts';
import { type ObjectTargets, runParsedObjectCommand } from '../objects/ObjectCommands.ts';
import type { CommandContext, CommandHandler, HandlerMap } from './context.ts';

function targets(ctx: CommandContext): ObjectTargets {
  return { store: ctx.objects, graphics: ctx.graphics, tokens: ctx.objectTokens };
}

function run<N extends ObjectCommandName>(name: N): CommandHandler<N> {
  // ObjectCommands.ts is typed per command family, not per command: the dispatcher checks the result.
  return (params, ctx, caller) => runParsedObjectCommand(name, { data: params }, targets(ctx), caller) as Promise<CommandResult<N>>;
}

export const objectHandlers: HandlerMap<
  'object.create' | 'object.op' | 'object.get' | 'object.list' | 'object.delete' | 'object.issueToken' | 'object.revokeToken' | 'object.listTokens'
> = {
  'object.create': run('object.create'),
  'object.op': run('object.op'),
  'object.get': run('object.get'),
  'object.list': run('object.list'),
  'object.delete': run('object.delete'),
  'object.issueToken': run('object.issueToken'),
  'object.revokeToken': run('object.revokeToken'),
  'object.listTokens': run('object.listTokens'),
};

export const overlayHandlers: HandlerMap<'overlay.add' | 'overlay.update' | 'overlay.show' | 'overlay.hide' | 'overlay.remove' | 'overlay.list'> = {
  'overlay.add': run('overlay.add'),
  'overlay.update': run('overlay.update'),
  'overlay.show': run('overlay.show'),
  'overlay.hide': run('overlay.hide'),
  'overlay.remove': run('overlay.remove'),
  'overlay.list': run('overlay.list'),
};
