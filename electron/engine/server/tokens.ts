/**
 * How a client shows its token, the same on every endpoint that takes one (the control API, the
 * objects socket): `Authorization: Bearer <token>`, the WebSocket subprotocol `cutline.token.<base64url>`, or `?token=` where a browser cannot set
 * headers (WebSocket). Compared in constant time.
 */
import { timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { presentedToken as headerToken } from './requestGuard.ts';

export function presentedToken(req: IncomingMessage, url: URL): string {
  // Header or subprotocol first: a token in the query string ends up in proxy logs (kept for old links).
  return headerToken(req.headers) ?? url.searchParams.get('token') ?? '';
}

export function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}
