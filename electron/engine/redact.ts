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

/** Masks credentials and well-known secret query parameters in a URL without knowing the secret. */
export function redactUrl(url: string): string {
  return url
    .replace(/\/\/([^/@\s:]+):([^/@\s]+)@/, '//$1:****@')
    .replace(/([?&](?:key|token|passphrase|streamkey|secret|auth)=)([^&\s]+)/gi, (_m, k: string, v: string) => `${k}${maskSecret(v)}`);
}
