/** The engine as a whole: its state and what its ffmpeg can do. */
import { probeCandidate } from '../ffmpeg/probeCandidate.ts';
import type { HandlerMap } from './context.ts';

export const stateHandlers: HandlerMap<'state.get' | 'probe.get' | 'probe.run'> = {
  'state.get': (_params, ctx) => ctx.getState(),
  'probe.get': (_params, ctx) => ctx.probe,
  'probe.run': ({ ffmpegPath }, ctx) => probeCandidate(ffmpegPath ?? ctx.ffmpeg.path, ctx.show.settings.output.encoder),
};
