/**
 * Remote guests: invite links and withdrawing them. The WebRTC gateway holds invites and peer
 * sessions; the guest's source is the show's, so these handlers add and remove it themselves
 * (calls go down: handler → gateway, handler → show; the gateway never calls back into commands).
 */
import { ProtocolError } from '../../../shared/protocol.ts';
import { describeZodError, SourceSpec } from '../../../shared/show.ts';
import type { CommandContext, HandlerMap } from './context.ts';
import { addSource, removeGuestSource } from './sources.ts';

/** The source of a guest who is invited or publishes: a `guest` source like any other. */
export async function addGuestSource(ctx: CommandContext, id: string, label: string): Promise<void> {
  const spec = SourceSpec.safeParse({ kind: 'guest', id, label });
  if (!spec.success) throw new ProtocolError('invalid_params', `guest source: ${describeZodError(spec.error)}`);
  await addSource(ctx, spec.data);
}

export const guestHandlers: HandlerMap<'guest.invite' | 'guest.revoke'> = {
  'guest.invite': async (params, ctx) => {
    const { id, label } = ctx.webrtc.prepareInvite(params);
    if (!ctx.show.sources.has(id)) await addGuestSource(ctx, id, label);
    return ctx.webrtc.inviteLink(id);
  },
  'guest.revoke': async ({ id }, ctx) => {
    await ctx.webrtc.revoke(id);
    await removeGuestSource(ctx, id);
    return { id, revoked: true };
  },
};
