/** Destinations: where the program goes (RTMP(S), WHIP, SRT, recordings), going live and stopping. */
import { ProtocolError } from '../../../shared/protocol.ts';
import { listPresets } from '../../../shared/destinationPresets.ts';
import { SHOW_LIMITS } from '../../../shared/show.ts';
import { checkDestination } from '../files/specAccess.ts';
import type { HandlerMap } from './context.ts';

type DestinationCommand =
  | 'destination.add'
  | 'destination.remove'
  | 'destination.start'
  | 'destination.stop'
  | 'destination.startAll'
  | 'destination.stopAll'
  | 'destination.presets'
  | 'destination.preflight';

export const destinationHandlers: HandlerMap<DestinationCommand> = {
  'destination.add': (given, ctx) => {
    if (ctx.show.destinations.has(given.id)) throw new ProtocolError('conflict', `a destination with id "${given.id}" already exists`);
    if (ctx.show.destinations.size >= SHOW_LIMITS.destinations) throw new ProtocolError('conflict', `a show has at most ${SHOW_LIMITS.destinations} destinations: remove one first`);
    const spec = checkDestination(given, ctx.media);
    ctx.show.checkDestinationFeed(spec);
    const destination = ctx.show.createDestination(spec);
    ctx.events.emit('destination.added', { id: spec.id });
    return destination.status();
  },
  'destination.remove': async ({ id }, ctx) => {
    await ctx.show.removeDestination(id);
    ctx.events.emit('destination.removed', { id });
    return {};
  },
  'destination.start': ({ id }, ctx) => {
    const destination = ctx.show.requireDestination(id);
    destination.start();
    return destination.status();
  },
  'destination.stop': async ({ id }, ctx) => {
    const destination = ctx.show.requireDestination(id);
    await destination.stop();
    return destination.status();
  },
  'destination.startAll': (_params, ctx) => {
    const started: string[] = [];
    for (const d of ctx.show.destinations.values()) {
      if (d.spec.enabled && !d.running) {
        d.start();
        started.push(d.id);
      }
    }
    return { started };
  },
  'destination.stopAll': async (_params, ctx) => {
    const running = [...ctx.show.destinations.values()].filter((d) => d.running);
    await Promise.all(running.map((d) => d.stop()));
    return { stopped: running.map((d) => d.id) };
  },
  'destination.presets': (_params, ctx) => ({ presets: listPresets(ctx.probe.capabilities, ctx.ffmpeg.path) }),
  'destination.preflight': ({ id }, ctx) => {
    const destination = ctx.show.requireDestination(id);
    const result = destination.checkPreflight();
    ctx.events.emit('destination.stateChanged', destination.status());
    // Show gives every destination a preflight, so there is always a result.
    if (!result) throw new ProtocolError('failed', `destination "${id}" has no preflight check`);
    return result;
  },
};
