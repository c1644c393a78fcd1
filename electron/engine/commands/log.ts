/** The engine's recent messages (the desk's Health panel). */
import type { HandlerMap } from './context.ts';

export const logHandlers: HandlerMap<'log.list'> = {
  'log.list': (params, ctx) => ctx.recentLog.list(params),
};
