/** The engine as a whole: its state and what its ffmpeg can do. */
import type { HandlerMap } from './context.ts';

export const stateHandlers: HandlerMap<'state.get' | 'probe.get'> = {
  'state.get': (_params, ctx) => ctx.getState(),
  'probe.get': (_params, ctx) => ctx.probe,
};
