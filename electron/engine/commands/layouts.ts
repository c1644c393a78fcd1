/** What is on program and on preview (studio mode), and taking one to the other. */
import type { HandlerMap } from './context.ts';

export const layoutHandlers: HandlerMap<'layout.set' | 'preview.set' | 'program.take'> = {
  // Program emits program.layoutChanged itself.
  'layout.set': (layout, ctx) => {
    ctx.show.checkLayoutSources(layout);
    ctx.show.program.setLayout(layout);
    return {};
  },
  'preview.set': (layout, ctx) => {
    ctx.show.checkLayoutSources(layout);
    ctx.show.program.setPreview(layout);
    return {};
  },
  'program.take': (transition, ctx) => {
    const chosen = { ...ctx.show.settings.transition, ...transition };
    ctx.show.program.take(chosen);
    return { transition: chosen };
  },
};
