/** A program's output: its settings (size, fps, encoder, bitrate), and watching main live. */
import { ProtocolError } from '../../../shared/protocol.ts';
import { describeZodError, OutputSettings } from '../../../shared/show.ts';
import { MOSAIC_HEIGHT, MOSAIC_SLOTS, MOSAIC_WIDTH, mosaicPreviewRect } from '../../../shared/monitorMosaic.ts';
import { MONITOR_FPS } from '../webrtc/MonitorFeed.ts';
import type { HandlerMap } from './context.ts';

export const outputHandlers: HandlerMap<'output.set' | 'program.monitor'> = {
  'output.set': async ({ programId, ...changes }, ctx) => {
    const current = ctx.show.programs.require(programId).settings;
    const parsed = OutputSettings.safeParse({ ...current, ...changes });
    if (!parsed.success) throw new ProtocolError('invalid_params', `output.set: ${describeZodError(parsed.error)}`);
    await ctx.show.changeOutput(parsed.data, programId);
    ctx.events.emit('show.changed', { name: ctx.show.settings.name });
    return ctx.show.programs.require(programId).settings;
  },
  'program.monitor': (_params, ctx) => {
    const settings = ctx.show.settings;
    const token = settings.webrtc?.programToken;
    if (!token) throw new ProtocolError('failed', 'live program monitoring over WebRTC is off: set webrtc.programToken in the show');
    const { width, height } = settings.output;
    const baseUrl = ctx.httpBaseUrl();
    // One mosaic for the other monitors (shared/monitorMosaic.ts); tiles follow the show's source order.
    // baseUrl lets a page that is not served by the engine (the desktop app) reach the endpoints.
    return { whepPath: '/whep/program', token, ...(baseUrl !== undefined ? { baseUrl } : {}), monitors: { whepPath: '/whep/monitors', width: MOSAIC_WIDTH, height: MOSAIC_HEIGHT, fps: MONITOR_FPS, preview: mosaicPreviewRect(width, height), tiles: [...ctx.show.sources.keys()].flatMap((source, i) => (MOSAIC_SLOTS[i] ? [{ source, ...MOSAIC_SLOTS[i] }] : [])) } };
  },
};
