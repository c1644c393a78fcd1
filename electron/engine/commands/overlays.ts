/** Overlays: the graphics drawn over the program (images, lower thirds, clocks, data overlays). Producer only. */
import { ProtocolError } from '../../../shared/protocol.ts';
import { MAIN_PROGRAM_ID, SHOW_LIMITS } from '../../../shared/show.ts';
import { checkOverlay } from '../files/specAccess.ts';
import type { GraphicsLayer } from '../graphics/GraphicsLayer.ts';
import type { Caller } from '../objects/ObjectCommands.ts';
import type { HandlerMap } from './context.ts';
import type { ObjectsContext } from './objects.ts';

/** The overlay layer of program `programId`: main's is the engine's; others' are their own. */
function graphics(ctx: ObjectsContext, caller: Caller, programId: string): GraphicsLayer {
  if (caller.role !== 'producer') throw new ProtocolError('unauthorized', 'Only the producer can change overlays.');
  if (programId !== MAIN_PROGRAM_ID) {
    if (!ctx.programGraphics) throw new ProtocolError('not_found', `no program with id "${programId}"`);
    return ctx.programGraphics(programId);
  }
  if (!ctx.graphics) throw new ProtocolError('failed', 'No program is running to show overlays on.');
  return ctx.graphics;
}

export const overlayHandlers: HandlerMap<'overlay.add' | 'overlay.update' | 'overlay.show' | 'overlay.hide' | 'overlay.remove' | 'overlay.list' | 'overlay.thumbnail', ObjectsContext> = {
  'overlay.add': ({ programId, ...spec }, ctx, caller) => {
    // The same caps as a show file: as many overlays, image files only inside the media folders.
    const layer = graphics(ctx, caller, programId);
    if (layer.list().length >= SHOW_LIMITS.overlays && !layer.list().some((o) => o.id === spec.id))
      throw new ProtocolError('conflict', `a show has at most ${SHOW_LIMITS.overlays} overlays: remove one first`);
    return layer.add(ctx.media ? checkOverlay(spec, ctx.media) : spec);
  },
  'overlay.update': ({ programId, ...changes }, ctx, caller) => {
    const layer = graphics(ctx, caller, programId);
    return layer.update(ctx.media ? checkOverlay(changes, ctx.media) : changes);
  },
  'overlay.show': ({ id, fadeMs, programId }, ctx, caller) => graphics(ctx, caller, programId).show(id, fadeMs),
  'overlay.hide': ({ id, fadeMs, programId }, ctx, caller) => graphics(ctx, caller, programId).hide(id, fadeMs),
  'overlay.remove': ({ id, programId }, ctx, caller) => {
    graphics(ctx, caller, programId).remove(id);
    return {};
  },
  'overlay.list': ({ programId }, ctx, caller) => graphics(ctx, caller, programId).list(),
  'overlay.thumbnail': ({ id, programId }, ctx, caller) => graphics(ctx, caller, programId).thumbnail(id),
};
