/** The show as a whole: replacing it with a document or a file, and saving it. */
import { mapShowSecrets } from '../showSecrets.ts';
import { loadShowFile, saveShowFile } from '../files/showFiles.ts';
import { checkShow } from '../files/specAccess.ts';
import { parseShow } from '../showFile.ts';
import type { HandlerMap } from './context.ts';
import { removeGuestSource } from './sources.ts';

export const showHandlers: HandlerMap<'show.load' | 'show.save'> = {
  'show.load': async (params, ctx) => {
    const raw = 'path' in params ? await loadShowFile(ctx.media, params.path) : params.show;
    // Everything that can refuse the new show runs before the old one is touched: on failure it stays on air.
    const show = await checkShow(parseShow(raw), ctx.media);
    const prepared = await ctx.show.prepareSources(show);
    const previousToken = ctx.show.settings.webrtc?.programToken;
    await ctx.show.teardown();
    await ctx.show.build(show, prepared);
    const revoked = await ctx.webrtc.showReplaced({
      programTokenChanged: show.webrtc?.programToken !== previousToken,
      guestIds: new Set(show.sources.filter((s) => s.kind === 'guest').map((s) => s.id)),
    });
    for (const id of revoked) await removeGuestSource(ctx, id);
    ctx.events.emit('show.changed', { name: show.name });
    return { name: show.name };
  },
  'show.save': async ({ path }, ctx) => {
    // Show files are meant to be shared and versioned: secrets stay out of them.
    const shareable = mapShowSecrets(ctx.show.document(), () => undefined);
    if (path) await saveShowFile(ctx.media, path, `${JSON.stringify(shareable, null, 2)}\n`);
    return { show: shareable, ...(path ? { path } : {}) };
  },
};
