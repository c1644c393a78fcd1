/** What is on program and on preview (studio mode), and taking one to the other. */
import { withMainSource } from '../../../shared/layout.ts';
import { ProtocolError } from '../../../shared/protocol.ts';
import type { Program } from '../program/Program.ts';
import type { CommandContext, HandlerMap } from './context.ts';

/**
 * The program a layout command works on. One program today; with several programs this is where
 * `programId` (default "main") is looked up, so the handlers below do not change.
 */
function programFor(ctx: CommandContext, _params: object): Program {
  return ctx.show.program;
}

export const layoutHandlers: HandlerMap<'layout.set' | 'preview.set' | 'program.take' | 'layout.highlight'> = {
  // Program emits program.layoutChanged itself.
  'layout.set': (layout, ctx) => {
    ctx.show.checkLayoutSources(layout);
    programFor(ctx, layout).setLayout(layout);
    return {};
  },
  'preview.set': (layout, ctx) => {
    ctx.show.checkLayoutSources(layout);
    programFor(ctx, layout).setPreview(layout);
    return {};
  },
  'program.take': (transition, ctx) => {
    const chosen = { ...ctx.show.settings.transition, ...transition };
    programFor(ctx, transition).take(chosen);
    return { transition: chosen };
  },
  'layout.highlight': (params, ctx) => {
    ctx.show.requireSource(params.source);
    const program = programFor(ctx, params);
    const layout = withMainSource(program.layout, params.source);
    if (!layout) throw new ProtocolError('invalid_params', 'a custom layout has no main place to highlight; use layout.set with the placements you want');
    program.setLayout(layout);
    return { layout };
  },
};
