/**
 * Secrets (stream keys, WHIP tokens, SRT passphrases) must never reach logs, errors, the state API
 * or a process list a user sees. Everything that turns a URL or an ffmpeg command line into text
 * goes through here.
 */

/** `abcd-efgh-ijkl` → `****ijkl`; short secrets are hidden whole. */
export function maskSecret(secret: string | undefined): string {
  if (!secret) return '';
  return secret.length > 8 ? `****${secret.slice(-4)}` : '****';
}

/** Replaces every occurrence of each secret in `text` by its mask. */
export function redactText(text: string, secrets: readonly (string | undefined)[]): string {
  let out = text;
  for (const secret of secrets) {
    if (!secret || secret.length < 3) continue;
    out = out.split(secret).join(maskSecret(secret));
    // ffmpeg sometimes prints URLs percent-encoded.
    const encoded = encodeURIComponent(secret);
    if (encoded !== secret) out = out.split(encoded).join(maskSecret(secret));
  }
  return out;
}

/** Secrets written into a URL: the password of `user:pass@` and well-known query parameters. */
export function urlSecrets(url: string): string[] {
  const secrets: string[] = [];
  const auth = /\/\/[^/@:]+:([^/@]+)@/.exec(url);
  if (auth) secrets.push(auth[1]);
  for (const m of url.matchAll(/[?&](?:key|token|passphrase|streamkey|secret|auth|password)=([^&\s]+)/gi)) secrets.push(m[1]);
  return secrets;
}

/** The stream name of an RTMP URL (`rtmp://host/app/<name>`): for most services it is the stream key. */
export function rtmpPathKey(url: string): string | undefined {
  const m = /^rtmps?:\/\/[^/]+\/[^/?#]+\/([^?#]+)/i.exec(url);
  return m?.[1] ? decodeURIComponent(m[1]) : undefined;
}

/** A URL as the state API and events show it: credentials, secret parameters and an RTMP URL's stream name masked. */
export function maskUrlSecrets(url: string): string {
  const key = /^rtmps?:/i.test(url) ? rtmpPathKey(url) : undefined;
  const masked = redactUrl(url);
  return key ? masked.replace(/^(rtmps?:\/\/[^/]+\/[^/?#]+\/)[^?#]+/i, `$1${maskSecret(key)}`) : masked;
}

/** A URL as a show file keeps it: without credentials, secret parameters or an RTMP URL's stream name (they go to the secret store). */
export function stripUrlSecrets(url: string): string {
  return url
    .replace(/\/\/[^/@\s]+@/, '//')
    .replace(/([?&])(?:key|token|passphrase|streamkey|secret|auth|password)=[^&\s]*&?/gi, '$1')
    .replace(/[?&]$/, '')
    .replace(/^(rtmps?:\/\/[^/]+\/[^/?#]+)\/[^?#]+/i, '$1');
}

/** Masks credentials and well-known secret query parameters in a URL without knowing the secret. */
export function redactUrl(url: string): string {
  return url
    .replace(/\/\/([^/@\s:]+):([^/@\s]+)@/, '//$1:****@')
    .replace(/([?&](?:key|token|passphrase|streamkey|secret|auth)=)([^&\s]+)/gi, (_m, k: string, v: string) => `${k}${maskSecret(v)}`);
}
