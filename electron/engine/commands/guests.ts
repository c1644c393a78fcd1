/** Remote guests: invite links and withdrawing them (the WebRTC gateway holds the sessions). */
import type { HandlerMap } from './context.ts';

export const guestHandlers: HandlerMap<'guest.invite' | 'guest.revoke'> = {
  'guest.invite': (params, ctx) => ctx.webrtc.invite(params),
  'guest.revoke': async ({ id }, ctx) => {
    await ctx.webrtc.revoke(id);
    return { id, revoked: true };
  },
};
