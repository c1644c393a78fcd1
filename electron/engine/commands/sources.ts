/** Sources: adding, removing and changing the inputs of the show, and the devices there are. */
import { ProtocolError } from '../../../shared/protocol.ts';
import { describeZodError, SHOW_LIMITS, SourceSpec } from '../../../shared/show.ts';
import { checkSource } from '../files/specAccess.ts';
import { listDevices } from '../sources/devices.ts';
import type { CommandContext, HandlerMap } from './context.ts';

/** Adds and starts a source and tells everyone (source.add; a guest's source on guest.invite). */
export async function addSource(ctx: CommandContext, spec: SourceSpec): Promise<void> {
  await ctx.show.addSource(spec);
  ctx.events.emit('source.added', { id: spec.id });
}

/** Stops and removes a source (program and preview drop it) and tells everyone. */
export async function removeSource(ctx: CommandContext, id: string): Promise<void> {
  await ctx.show.removeSource(id);
  ctx.events.emit('source.removed', { id });
}

/** Removes the guest's source, if the show's source by that id is still that guest's. */
export async function removeGuestSource(ctx: CommandContext, id: string): Promise<void> {
  if (ctx.show.isGuestSource(id)) await removeSource(ctx, id);
}

export const sourceHandlers: HandlerMap<'source.add' | 'source.remove' | 'source.update' | 'device.list'> = {
  'source.add': async (given, ctx) => {
    if (ctx.show.sources.has(given.id)) throw new ProtocolError('conflict', `a source with id "${given.id}" already exists`);
    if (ctx.show.sources.size >= SHOW_LIMITS.sources) throw new ProtocolError('conflict', `a show has at most ${SHOW_LIMITS.sources} sources: remove one first`);
    // Files only inside the media folders, network sources only to allowed schemes and hosts.
    const spec = await checkSource(given, ctx.media);
    await addSource(ctx, spec);
    return { id: spec.id };
  },
  'source.remove': async ({ id }, ctx) => {
    await removeSource(ctx, id);
    return {};
  },
  'source.update': async ({ id, ...changes }, ctx) => {
    const source = ctx.show.requireSource(id);
    const parsed = SourceSpec.safeParse({ ...source.spec, ...changes });
    if (!parsed.success) throw new ProtocolError('invalid_params', `source.update: ${describeZodError(parsed.error)}`);
    const checked = await checkSource(parsed.data, ctx.media);
    try {
      await source.update(checked);
    } catch (error) {
      throw new ProtocolError('failed', (error as Error).message);
    }
    return source.status();
  },
  'device.list': async (_params, ctx) => listDevices(ctx.ffmpeg.path),
};
