/** Overlays: the graphics drawn over the program (images, lower thirds, clocks, data overlays). Producer only. */
import { ProtocolError } from '../../../shared/protocol.ts';
import { SHOW_LIMITS } from '../../../shared/show.ts';
import { checkOverlay } from '../files/specAccess.ts';
import type { GraphicsLayer } from '../graphics/GraphicsLayer.ts';
import type { Caller } from '../objects/ObjectCommands.ts';
import type { HandlerMap } from './context.ts';
import type { ObjectsContext } from './objects.ts';

function graphics(ctx: ObjectsContext, caller: Caller): GraphicsLayer {
  if (caller.role !== 'producer') throw new ProtocolError('unauthorized', 'Only the producer can change overlays.');
  if (!ctx.graphics) throw new ProtocolError('failed', 'No program is running to show overlays on.');
  return ctx.graphics;
}

export const overlayHandlers: HandlerMap<'overlay.add' | 'overlay.update' | 'overlay.show' | 'overlay.hide' | 'overlay.remove' | 'overlay.list' | 'overlay.thumbnail', ObjectsContext> = {
  'overlay.add': (spec, ctx, caller) => {
    // The same caps as a show file: as many overlays, image files only inside the media folders.
    const layer = graphics(ctx, caller);
    if (layer.list().length >= SHOW_LIMITS.overlays && !layer.list().some((o) => o.id === spec.id))
      throw new ProtocolError('conflict', `a show has at most ${SHOW_LIMITS.overlays} overlays: remove one first`);
    return layer.add(ctx.media ? checkOverlay(spec, ctx.media) : spec);
  },
  'overlay.update': (changes, ctx, caller) => {
    const layer = graphics(ctx, caller);
    return layer.update(ctx.media ? checkOverlay(changes, ctx.media) : changes);
  },
  'overlay.show': ({ id, fadeMs }, ctx, caller) => graphics(ctx, caller).show(id, fadeMs),
  'overlay.hide': ({ id, fadeMs }, ctx, caller) => graphics(ctx, caller).hide(id, fadeMs),
  'overlay.remove': ({ id }, ctx, caller) => {
    graphics(ctx, caller).remove(id);
    return {};
  },
  'overlay.list': (_p, ctx, caller) => graphics(ctx, caller).list(),
  'overlay.thumbnail': ({ id }, ctx, caller) => graphics(ctx, caller).thumbnail(id),
};
