/** Sources: adding, removing and changing the inputs of the show, and the devices there are. */
import { ProtocolError } from '../../../shared/protocol.ts';
import { describeZodError, SourceSpec } from '../../../shared/show.ts';
import { listDevices } from '../sources/devices.ts';
import type { HandlerMap } from './context.ts';

export const sourceHandlers: HandlerMap<'source.add' | 'source.remove' | 'source.update' | 'device.list'> = {
  'source.add': async (spec, ctx) => {
    await ctx.show.addSource(spec);
    ctx.events.emit('source.added', { id: spec.id });
    return { id: spec.id };
  },
  'source.remove': async ({ id }, ctx) => {
    await ctx.show.removeSource(id);
    ctx.events.emit('source.removed', { id });
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
