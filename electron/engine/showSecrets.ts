/**
 * Every secret a show document can hold, in one place: destination stream keys, WHIP tokens and
 * SRT passphrases, WHEP source tokens, TURN credentials (the show's and each WHIP destination's),
 * the program WHEP token, and secrets written into URLs (an RTMP URL's stream name, `user:pass@`,
 * `?passphrase=`). The state API masks them; saved show files leave them out. A new secret field
 * is added here, once.
 */
import type { ShowDocument } from '../../shared/show.ts';
import { maskUrlSecrets, stripUrlSecrets } from './redact.ts';

/**
 * Applies `hide` to each secret: return a mask to show it masked, or undefined to drop it. URLs
 * follow suit: masked where `hide` masks, stripped of their secrets where it drops.
 */
export function mapShowSecrets(show: ShowDocument, hide: (secret: string) => string | undefined): ShowDocument {
  const url = hide('probe-secret') === undefined ? stripUrlSecrets : maskUrlSecrets;
  const field = <T extends object, K extends keyof T>(obj: T, key: K): T => {
    const value = obj[key];
    if (typeof value !== 'string' || !value) return obj;
    const { [key]: _removed, ...rest } = obj;
    const replaced = hide(value);
    return (replaced === undefined ? rest : { ...rest, [key]: replaced }) as T;
  };
  return {
    ...show,
    sources: show.sources.map((s) => (s.kind === 'whep' ? field({ ...s, url: url(s.url) }, 'token') : s.kind === 'url' ? { ...s, url: url(s.url) } : s)),
    destinations: show.destinations.map((d) => {
      if (d.kind === 'rtmp') return field({ ...d, url: url(d.url) }, 'streamKey');
      if (d.kind === 'whip')
        return field({ ...d, url: url(d.url), ...(d.iceServers ? { iceServers: d.iceServers.map((server) => field(server, 'credential')) } : {}) }, 'token');
      if (d.kind === 'srt') return field({ ...d, url: url(d.url) }, 'passphrase');
      return d;
    }),
    ...(show.webrtc
      ? {
          webrtc: field(
            { ...show.webrtc, iceServers: show.webrtc.iceServers.map((server) => field(server, 'credential')) },
            'programToken',
          ),
        }
      : {}),
  };
}
