/**
 * How a client shows its token, the same on every endpoint that takes one (the control API, the
 * objects socket): `Authorization: Bearer <token>`, or `?token=` where a browser cannot set
 * headers (WebSocket). Compared in constant time.
 */
import { timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

export function presentedToken(req: IncomingMessage, url: URL): string {
  const header = req.headers.authorization ?? '';
  return header.startsWith('Bearer ') ? header.slice(7) : (url.searchParams.get('token') ?? '');
}

export function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}
