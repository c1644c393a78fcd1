/**
 * Who may reach the control surface (`/api/v1/*`, `/api/v1/ws`, the desk UI): the checks a request
 * passes before the dispatcher sees it, as pure functions over its headers, so each rule is tested
 * alone and the HTTP and WebSocket paths cannot drift apart. docs/SECURITY.md explains them.
 *
 *  - `Host` must name this server (the bound address, localhost, 127.0.0.1, [::1] with our port,
 *    or a name the producer allowed): a DNS-rebinding page reaches us under its own name → 421.
 *  - A browser `Origin` must be one of those hosts too (→ 403), so no other site drives the API.
 *  - A token is required on a non-loopback bind, and on loopback for anything that came through a
 *    proxy (Forwarded / X-Forwarded-*): to a proxy every request is from 127.0.0.1.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { networkInterfaces } from 'node:os';

/** The WebSocket subprotocol the desk speaks; the server always picks it. */
export const WS_PROTOCOL = 'cutline.v1';
/** A browser cannot set headers on a WebSocket: it offers `cutline.token.<base64url(token)>` instead. */
export const WS_TOKEN_PROTOCOL_PREFIX = 'cutline.token.';
/** Shortest API token accepted; `--token auto` makes 32 random bytes. */
export const MIN_TOKEN_LENGTH = 8;

export interface GuardRefusal {
  status: 401 | 403 | 415 | 421;
  code: 'unauthorized' | 'invalid_request';
  message: string;
}

export interface ControlPolicy {
  /** The address the control listener is bound to (`--host`). */
  boundHost: string;
  /** Its port (the real one, after listen). */
  port: number;
  /** Extra names the producer allowed (`--allowed-host`), with or without a port. */
  allowedHosts: readonly string[];
  /** The API token, if any. */
  token: string | undefined;
}

export function isLoopback(host: string): boolean {
  const bare = host.replace(/^\[|\]$/g, '');
  return bare === 'localhost' || bare === '::1' || bare.startsWith('127.') || bare === '::ffff:127.0.0.1';
}

function isWildcard(host: string): boolean {
  return host === '0.0.0.0' || host === '::' || host === '[::]';
}

/** An `--token` / CUTLINE_API_TOKEN value: refused when empty or short, generated for `auto`. */
export function resolveApiToken(given: string | undefined): { token: string | undefined; generated: boolean } {
  if (given === undefined) return { token: undefined, generated: false };
  if (given === 'auto') return { token: randomBytes(32).toString('base64url'), generated: true };
  if (given.trim() === '')
    throw new TokenError('an empty API token would turn authorization off: pass --token auto to generate one, a token of at least 8 characters, or leave --token and CUTLINE_API_TOKEN unset on loopback');
  if (given.length < MIN_TOKEN_LENGTH) throw new TokenError(`the API token is ${given.length} characters; use at least ${MIN_TOKEN_LENGTH} characters, or --token auto to generate one`);
  return { token: given, generated: false };
}

export class TokenError extends Error {}

/** Constant-time: both sides are hashed first, so neither length nor content leaks through timing. */
export function sameToken(given: string, expected: string): boolean {
  const a = createHash('sha256').update(given).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b);
}

/** `host[:port]` → lower-case hostname (brackets kept for IPv6) and port (default 80/443). */
export function splitHost(value: string, defaultPort = 80): { hostname: string; port: number } | undefined {
  const m = /^(\[[0-9a-f:.]+\]|[^:[\]/\s@]+)(?::(\d{1,5}))?$/i.exec(value.trim());
  if (!m) return undefined;
  return { hostname: m[1].toLowerCase(), port: m[2] ? Number(m[2]) : defaultPort };
}

/** The names this server answers to (the Host allow-list), computed once per policy. */
export function hostAllowList(policy: ControlPolicy): { withPort: Set<string>; anyPort: Set<string> } {
  const withPort = new Set<string>();
  const bound = policy.boundHost.includes(':') && !policy.boundHost.startsWith('[') ? `[${policy.boundHost}]` : policy.boundHost;
  const own = ['localhost', '127.0.0.1', '[::1]', bound.toLowerCase()];
  // A wildcard bind is reached by this machine's own addresses; an IP literal cannot be rebound.
  if (isWildcard(policy.boundHost)) {
    for (const list of Object.values(networkInterfaces())) for (const a of list ?? []) own.push(a.family === 'IPv6' ? `[${a.address.toLowerCase()}]` : a.address);
  }
  for (const name of own) withPort.add(`${name}:${policy.port}`);
  const anyPort = new Set<string>();
  for (const name of policy.allowedHosts) {
    const parsed = splitHost(name);
    if (!parsed) continue;
    if (/:\d+$/.test(name.trim())) withPort.add(`${parsed.hostname}:${parsed.port}`);
    else anyPort.add(parsed.hostname);
  }
  return { withPort, anyPort };
}

function hostAllowed(value: string, allow: ReturnType<typeof hostAllowList>, defaultPort: number): boolean {
  const parsed = splitHost(value, defaultPort);
  if (!parsed) return false;
  return allow.withPort.has(`${parsed.hostname}:${parsed.port}`) || allow.anyPort.has(parsed.hostname);
}

/** True when a proxy (or someone posing as one) relayed the request. */
export function cameThroughProxy(headers: IncomingHttpHeaders): boolean {
  return Boolean(headers.forwarded || headers['x-forwarded-for'] || headers['x-forwarded-host'] || headers['x-real-ip']);
}

/** The token a request carries: `Authorization: Bearer`, or (WebSocket) the token subprotocol. */
export function presentedToken(headers: IncomingHttpHeaders): string | undefined {
  const auth = headers.authorization ?? '';
  if (auth.startsWith('Bearer ')) return auth.slice(7);
  const offered = String(headers['sec-websocket-protocol'] ?? '')
    .split(',')
    .map((p) => p.trim());
  const carrier = offered.find((p) => p.startsWith(WS_TOKEN_PROTOCOL_PREFIX));
  if (!carrier) return undefined;
  try {
    return Buffer.from(carrier.slice(WS_TOKEN_PROTOCOL_PREFIX.length), 'base64url').toString('utf8');
  } catch {
    return undefined;
  }
}

export class ControlGuard {
  private allow: ReturnType<typeof hostAllowList>;

  constructor(private policy: ControlPolicy) {
    this.allow = hostAllowList(policy);
  }

  /** After listen: the real port (port 0 picks one). */
  setPort(port: number): void {
    this.policy = { ...this.policy, port };
    this.allow = hostAllowList(this.policy);
  }

  get token(): string | undefined {
    return this.policy.token;
  }

  /** Host + Origin: who the browser thinks it is talking to, and who is asking. */
  checkSite(headers: IncomingHttpHeaders): GuardRefusal | undefined {
    const host = headers.host ?? '';
    if (!hostAllowed(host, this.allow, 80))
      return {
        status: 421,
        code: 'unauthorized',
        message: `this Cutline does not answer to the name "${host.slice(0, 100)}": use http://127.0.0.1:${this.policy.port}, or start it with --allowed-host <name> to allow that name`,
      };
    const origin = headers.origin;
    if (origin === undefined) return undefined;
    let site: URL | undefined;
    try {
      site = new URL(origin);
    } catch {
      site = undefined;
    }
    const allowed = site && (site.protocol === 'http:' || site.protocol === 'https:') && hostAllowed(site.host, this.allow, site.protocol === 'https:' ? 443 : 80);
    if (!allowed) return { status: 403, code: 'unauthorized', message: `requests from other web sites (Origin ${origin.slice(0, 100)}) are not allowed: open the desk from this server's own address` };
    return undefined;
  }

  /** The token rule: required when set, on a non-loopback bind, and for proxied requests. */
  checkToken(headers: IncomingHttpHeaders): GuardRefusal | undefined {
    const expected = this.policy.token;
    const proxied = cameThroughProxy(headers);
    if (!expected) {
      if (!proxied && isLoopback(this.policy.boundHost)) return undefined;
      return {
        status: 401,
        code: 'unauthorized',
        message: proxied
          ? 'this request came through a proxy, and the control API then needs a token: start Cutline with --token auto (or forward only the public surface, see docs/SECURITY.md)'
          : 'this server has no API token: start it with --token auto',
      };
    }
    const given = presentedToken(headers);
    if (given === undefined || !sameToken(given, expected))
      return { status: 401, code: 'unauthorized', message: 'missing or wrong API token: send Authorization: Bearer <token> (printed by `cutline serve`)' };
    return undefined;
  }

  /** POST commands take JSON only: a "simple" cross-site form post (text/plain) never gets in. */
  static checkJsonBody(headers: IncomingHttpHeaders): GuardRefusal | undefined {
    if (/^application\/json\s*(;|$)/i.test(headers['content-type'] ?? '')) return undefined;
    return { status: 415, code: 'invalid_request', message: 'send the parameters as JSON with Content-Type: application/json (also when there are none: send {})' };
  }
}
