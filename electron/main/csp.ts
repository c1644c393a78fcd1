/**
 * The one Content-Security-Policy of the control surface. The renderer's index.html carries the
 * meta version (a test keeps it equal), the desktop app also sends it as a header. No inline or
 * eval'd script anywhere; connections only to the page's origin, WebSockets (the engine's API)
 * and loopback HTTP (the engine's WHEP monitors, later).
 */
const DIRECTIVES: [string, string][] = [
  ['default-src', "'self'"],
  ['script-src', "'self'"],
  ['style-src', "'self'"],
  ['img-src', "'self' data: blob:"],
  ['media-src', "'self' blob: mediastream:"],
  ['connect-src', "'self' ws: wss: http://127.0.0.1:* http://localhost:*"],
  ['font-src', "'self'"],
  ['object-src', "'none'"],
  ['base-uri', "'none'"],
  ['form-action', "'none'"],
];

/** `frame-ancestors` only works in a header (browsers warn about it in a meta tag). */
export function contentSecurityPolicy(delivery: 'meta' | 'header'): string {
  const directives = delivery === 'header' ? [...DIRECTIVES, ['frame-ancestors', "'none'"] as [string, string]] : DIRECTIVES;
  return directives.map(([name, value]) => `${name} ${value}`).join('; ');
}
