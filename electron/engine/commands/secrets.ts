/** Stored keys: binding one kept before keys were tied to their destination (secrets/BoundSecrets.ts). */
import type { HandlerMap } from './context.ts';

export const secretHandlers: HandlerMap<'secret.confirm'> = {
  'secret.confirm': ({ destinationId }, ctx) => {
    const destination = ctx.show.requireDestination(destinationId);
    const result = ctx.secrets.confirm(destination.spec);
    ctx.log(`the stored key for '${destinationId}' is now bound to ${result.boundTo}`);
    return result;
  },
};
