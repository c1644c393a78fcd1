/**
 * A guest's URLs carry its public id (unguessable), not the source id the producer sees: tests
 * that build a guest path take it from the invite's URLs, as a guest's browser does.
 */
export function guestPublicId(invite: { whipUrl: string }): string {
  const id = new URL(invite.whipUrl).pathname.split('/')[2];
  if (!id) throw new Error(`no guest id in ${invite.whipUrl}`);
  return id;
}
