/** The show's WebRTC settings (public URL, ICE servers, ports, limits, program token). */
import { ProtocolError } from '../../../shared/protocol.ts';
import { describeZodError, WebRtcSettings } from '../../../shared/show.ts';
import type { HandlerMap } from './context.ts';
import { removeGuestSource } from './sources.ts';

export const webrtcHandlers: HandlerMap<'webrtc.set'> = {
  'webrtc.set': async (changes, ctx) => {
    const parsed = WebRtcSettings.safeParse({ ...ctx.show.settings.webrtc, ...changes });
    if (!parsed.success) throw new ProtocolError('invalid_params', `webrtc.set: ${describeZodError(parsed.error)}`);
    const tokenChanged = parsed.data.programToken !== ctx.show.settings.webrtc?.programToken;
    ctx.show.changeWebRtc(parsed.data);
    if (tokenChanged) {
      const guestIds = new Set([...ctx.show.sources.values()].filter((s) => s.spec.kind === 'guest').map((s) => s.id));
      const revoked = await ctx.webrtc.showReplaced({ programTokenChanged: true, guestIds });
      for (const id of revoked) await removeGuestSource(ctx, id);
    }
    ctx.events.emit('show.changed', { name: ctx.show.settings.name });
    // Secrets masked, as the state API shows them.
    const masked = ctx.getState().show.webrtc;
    if (!masked) throw new ProtocolError('failed', 'webrtc.set: the settings were not kept');
    return masked;
  },
};
