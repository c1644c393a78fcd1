/** Sound: gain and mute of a source or the program master, and the meters. */
import type { HandlerMap } from './context.ts';

export const audioHandlers: HandlerMap<'audio.set' | 'meters.subscribe'> = {
  'audio.set': ({ id, gainDb, muted }, ctx) => {
    const program = ctx.show.program;
    if (!id || id === 'program') {
      program.setMaster({ gainDb, muted });
      return { id: 'program', ...program.master };
    }
    const source = ctx.show.requireSource(id);
    source.setLevel({ gainDb, muted });
    ctx.events.emit('source.stateChanged', source.status());
    return { id, gainDb: source.gainDb, muted: source.muted };
  },
  // The subscription itself is per client: protocol sessions keep it (server/ProtocolSession.ts).
  'meters.subscribe': ({ enabled }) => ({ enabled }),
};
