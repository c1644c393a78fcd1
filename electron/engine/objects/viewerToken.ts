/**
 * Per-viewer identity for audiences: a JWT (HS256) that the producer's or integrator's own site
 * mints for each viewer with the show's audience key (`object.audienceKey`). Claims: `sub` (the
 * viewer's id: their voter/bidder identity and rate-limit key), optional `name` (what their posts,
 * bids and bets carry), `exp` (seconds since the epoch). Only HS256 is accepted (never `none`,
 * never an asymmetric alg a forger could confuse with a key), the signature is compared in constant
 * time, and every refusal says why. node:crypto only: no JWT library.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

export interface ViewerClaims {
  sub: string;
  name?: string;
  exp: number;
}

export type ViewerTokenCheck = { ok: true; claims: ViewerClaims } | { ok: false; why: string };

/** Longest token accepted: a header, three short claims and a signature fit in far less. */
const MAX_TOKEN_LENGTH = 2048;
/** A viewer id is a rate-limit key and a voter identity: short and printable. */
const MAX_SUB_LENGTH = 128;
/** Clocks of the minting site and the gateway may differ a little. */
const CLOCK_SKEW_S = 30;

/** 32 random bytes, base64url: the HMAC key viewer tokens are signed with. */
export function newAudienceKey(): string {
  return randomBytes(32).toString('base64url');
}

/** Looks like a JWT (three base64url parts) rather than an issued or guest token. */
export function isJwtShaped(token: string): boolean {
  return /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/.test(token);
}

function sign(input: string, key: string): Buffer {
  return createHmac('sha256', key).update(input).digest();
}

/** Mints a viewer token (tests, the bench, and what an integrator's site does: docs/SHARED-OBJECTS.md). */
export function mintViewerToken(claims: ViewerClaims, key: string): string {
  const header = Buffer.from(JSON.stringify({ alg: 'HS256', typ: 'JWT' })).toString('base64url');
  const payload = Buffer.from(JSON.stringify(claims)).toString('base64url');
  return `${header}.${payload}.${sign(`${header}.${payload}`, key).toString('base64url')}`;
}

function decodePart(part: string): Record<string, unknown> | undefined {
  try {
    const value = JSON.parse(Buffer.from(part, 'base64url').toString('utf8')) as unknown;
    return value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/** Checks a viewer token against the audience key at `nowS` (seconds since the epoch). */
export function verifyViewerToken(token: string, key: string | undefined, nowS = Date.now() / 1000): ViewerTokenCheck {
  if (!key) return { ok: false, why: 'this show has no audience key yet: the producer makes one with object.audienceKey' };
  if (token.length > MAX_TOKEN_LENGTH) return { ok: false, why: `viewer token longer than ${MAX_TOKEN_LENGTH} characters` };
  const parts = token.split('.');
  if (parts.length !== 3 || !isJwtShaped(token)) return { ok: false, why: 'malformed viewer token: expected a JWT (header.payload.signature)' };
  const [headerPart, payloadPart, signaturePart] = parts as [string, string, string];
  const header = decodePart(headerPart);
  if (!header) return { ok: false, why: 'malformed viewer token: the header is not base64url JSON' };
  if (header.alg !== 'HS256') return { ok: false, why: `viewer token signed with alg "${String(header.alg)}": only HS256 is accepted` };
  const expected = sign(`${headerPart}.${payloadPart}`, key);
  const given = Buffer.from(signaturePart, 'base64url');
  if (given.length !== expected.length || !timingSafeEqual(given, expected))
    return { ok: false, why: "viewer token signature does not match the show's audience key (forged, or signed with an old key)" };
  const claims = decodePart(payloadPart);
  if (!claims) return { ok: false, why: 'malformed viewer token: the payload is not base64url JSON' };
  const { sub, name, exp } = claims;
  if (typeof sub !== 'string' || sub.length === 0 || sub.length > MAX_SUB_LENGTH) return { ok: false, why: `viewer token needs a "sub" claim of 1..${MAX_SUB_LENGTH} characters` };
  if (name !== undefined && (typeof name !== 'string' || name.length > 64)) return { ok: false, why: 'viewer token "name" must be a string of at most 64 characters' };
  if (typeof exp !== 'number' || !Number.isFinite(exp)) return { ok: false, why: 'viewer token needs an "exp" claim (seconds since the epoch)' };
  if (exp + CLOCK_SKEW_S < nowS) return { ok: false, why: `viewer token expired at ${new Date(exp * 1000).toISOString()}: get a new one from the site that gave it` };
  return { ok: true, claims: { sub, exp, ...(typeof name === 'string' && name ? { name } : {}) } };
}
