/** What is on program and on preview (studio mode) of each program, and taking one to the other. */
import { withMainSource } from '../../../shared/layout.ts';
import { ProtocolError } from '../../../shared/protocol.ts';
import type { HandlerMap } from './context.ts';

export const layoutHandlers: HandlerMap<'layout.set' | 'preview.set' | 'program.take' | 'layout.highlight'> = {
  // Program emits program.layoutChanged itself.
  'layout.set': ({ programId, ...layout }, ctx) => {
    const program = ctx.show.programs.require(programId);
    ctx.show.checkLayoutSources(layout);
    program.setLayout(layout);
    return {};
  },
  'preview.set': ({ programId, ...layout }, ctx) => {
    const program = ctx.show.programs.require(programId);
    ctx.show.checkLayoutSources(layout);
    program.setPreview(layout);
    return {};
  },
  'program.take': ({ programId, ...transition }, ctx) => {
    const program = ctx.show.programs.require(programId);
    const chosen = { ...ctx.show.programs.settings(programId).transition, ...transition };
    program.take(chosen);
    return { transition: chosen };
  },
  'layout.highlight': ({ programId, source }, ctx) => {
    ctx.show.requireSource(source);
    const program = ctx.show.programs.require(programId);
    const layout = withMainSource(program.layout, source);
    if (!layout) throw new ProtocolError('invalid_params', 'a custom layout has no main place to highlight; use layout.set with the placements you want');
    program.setLayout(layout);
    return { layout };
  },
};
