/** Sources: adding, removing and changing the inputs of the show, and the devices there are. */
import { ProtocolError } from '../../../shared/protocol.ts';
import { describeZodError, SourceSpec } from '../../../shared/show.ts';
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
  'source.add': async (spec, ctx) => {
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
    try {
      await source.update(parsed.data);
    } catch (error) {
      throw new ProtocolError('failed', (error as Error).message);
    }
    return source.status();
  },
  'device.list': async (_params, ctx) => listDevices(ctx.ffmpeg.path),
};
