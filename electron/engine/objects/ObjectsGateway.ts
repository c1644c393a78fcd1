/**
 * The objects WebSocket for guests and viewers: `GET /objects/ws` with `Authorization: Bearer …`,
 * or from a browser the subprotocols `cutline.v1` + `cutline.token.<base64url>` (or the older
 * `?token=…` for third-party clients written against it: never handed out any more, never logged
 * by the engine; docs/SECURITY.md). The token decides who is calling, never the messages:
 *  - a guest's invite token (guest.invite) → role `guest`, client id = the guest's id, name = its label;
 *  - a token from `object.issueToken {role, label?}` → that role; a `guest` token is one person
 *    (client id `token:<id>`), a `viewer` token may be shared by an audience, so every connection
 *    is its own client (`token:<id>:<n>`); a token's label is the name its posts, bids and bets carry.
 * What goes out is the audience's view (audience.ts): no poll answer or hidden counts before reveal.
 * On the socket only `object.list`, `object.get` and `object.op` run (through the engine's
 * dispatcher with that caller, so the store's role rules and per-client rate limits apply), and the
 * server pushes `object.changed`, `object.created` and `object.deleted`. Any web origin may connect
 * (guest pages and audience sites live elsewhere): the token is the protection. A token that stops
 * being valid (revoked, guest invite forgotten) closes its sockets (code 4401) at its next message or event.
 *
 * Limits (docs/SECURITY.md): sockets per token (a guest is one person, a viewer token an audience)
 * and in all, refused at the upgrade with 429 + Retry-After; and one request budget per token, not
 * per socket, so opening more sockets never buys more requests.
 * A client or token the producer blocked (`object.blockClient`) has its sockets closed (4403) and
 * its requests and new connections refused, with the producer's reason.
 */
import { randomBytes } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { WebSocket } from 'ws';
import { WebSocketServer } from 'ws';
import {
  type BlockedClient,
  type IssuedObjectToken,
  MAX_ARGS_BYTES,
  type ObjectChangedEvent,
  type ObjectCreatedEvent,
  type ObjectSnapshot,
  type ObjectTokenInfo,
} from '../../../shared/objects.ts';
import { type EventMessage, type EventName, ProtocolError } from '../../../shared/protocol.ts';
import { sameSecret } from '../server/tokens.ts';
import { openWebSocketSession } from '../server/webSocketSession.ts';
import { audienceChange, audienceCreated, audienceSnapshot, audienceState } from './audience.ts';
import type { Caller } from './ObjectCommands.ts';
import { presentedToken, WS_PROTOCOL } from '../server/requestGuard.ts';
import { RateLimiter } from './RateLimiter.ts';
import { isJwtShaped, type ViewerClaims, verifyViewerToken } from './viewerToken.ts';
import { ObjectRejection } from './rejections.ts';

export const OBJECTS_WS_PATH = '/objects/ws';
/** What a guest or viewer may run here; everything else is the producer's. */
export const OBJECTS_WS_COMMANDS = ['object.list', 'object.get', 'object.op'] as const;
const COMMANDS = new Set<string>(OBJECTS_WS_COMMANDS);
const EVENTS = new Set<EventName>(['object.changed', 'object.created', 'object.deleted']);
/** Requests of any kind per token, over all its sockets (object.op is limited again per client by the store). */
export const TOKEN_REQUEST_RATE = { perSecond: 30, burst: 60 };
export const MAX_CONNECTIONS = 2000;
/** Sockets one guest (an invite token or a guest-role token) may hold: a few tabs, not a flood. */
export const MAX_CONNECTIONS_PER_GUEST_TOKEN = 4;
/** Sockets one viewer token may hold (an audience shares it); per-person tokens are the audience-scale issue's. */
export const MAX_CONNECTIONS_PER_VIEWER_TOKEN = 500;
/** Sockets one viewer (a JWT's `sub`) may hold on one gateway: a few tabs. */
export const MAX_CONNECTIONS_PER_VIEWER = 4;
/** What a refused socket is told to wait, in seconds. */
const CONNECTION_RETRY_AFTER_S = 5;
const MAX_TOKENS = 1000;
const MAX_BLOCKS = 1000;
/** How long a socket without a token at the upgrade has to send it as its first message. */
const AUTH_TIMEOUT_MS = 5000;

/** A close reason is at most 123 bytes. */
function closeWithReason(ws: WebSocket, code: number, why: string): void {
  ws.close(code, Buffer.from(why).subarray(0, 120).toString());
}

/** A reader this far behind is cut off rather than buffered for. */
const MAX_BUFFERED = 4 << 20;

export interface ObjectsGatewayHost {
  dispatch(command: string, params: unknown, caller?: Caller): Promise<unknown>;
  onAnyEvent(listener: (message: EventMessage) => void): () => void;
  /** Where a command's internal failure is logged. */
  log?: (line: string) => void;
  /** The guest whose invite token this is, if any. */
  guestForToken(token: string): { id: string; label: string } | undefined;
  /** Public base URL (http[s]://host:port) for the wsUrl of issued tokens. */
  baseUrl(): string;
  /** The show's audience key: viewer JWTs signed with it are accepted (viewerToken.ts); absent = none yet. */
  audienceKey?(): string | undefined;
}

type WsCaller = Caller & { role: 'viewer' | 'guest'; clientId: string };

interface IssuedToken {
  id: string;
  token: string;
  role: 'viewer' | 'guest';
  label?: string;
  /** The views its holder may watch (absent = every public view). */
  views?: string[];
  createdAt: Date;
  sockets: Set<WebSocket>;
}

/** Hello on this socket: who the server takes you for, and what you may run. */
export interface ObjectsHello {
  type: 'hello';
  apiVersion: number;
  commands: string[];
  role: 'viewer' | 'guest';
  clientId: string;
  name?: string;
}

/** Events as viewers and guests may see them (audience.ts: no poll answer or hidden counts). */
function forAudience(message: EventMessage): EventMessage {
  // The same view object for every socket, so it is serialized once (webSocketSession.ts).
  const known = audienceViews.get(message);
  if (known) return known;
  let view = message;
  if (message.event === 'object.changed') view = { ...message, data: audienceChange(message.data as ObjectChangedEvent) } as EventMessage;
  else if (message.event === 'object.created') view = { ...message, data: audienceCreated(message.data as ObjectCreatedEvent) } as EventMessage;
  audienceViews.set(message, view);
  return view;
}
const audienceViews = new WeakMap<EventMessage, EventMessage>();

/** object.get's snapshot and object.op's {version, state}, as viewers and guests may see them. */
function audienceResult(command: string, result: unknown): unknown {
  if (command === 'object.get') return audienceSnapshot(result as ObjectSnapshot);
  if (command === 'object.op' && result && typeof result === 'object' && 'state' in result) {
    const r = result as { version: number; state: { options?: unknown; showResults?: unknown } };
    // Only polls change under audienceState; their state has showResults.
    return 'showResults' in r.state ? { ...r, state: audienceState('poll', r.state) } : r;
  }
  return result;
}

export class ObjectsGateway {
  private readonly tokens = new Map<string, IssuedToken>();
  private readonly wss = new WebSocketServer({
    noServer: true,
    maxPayload: MAX_ARGS_BYTES + 16 * 1024,
    // A browser that sends its token as a subprotocol must get one back, or it drops the socket.
    handleProtocols: (offered) => (offered.has(WS_PROTOCOL) ? WS_PROTOCOL : false),
  });
  private readonly requests = new RateLimiter(TOKEN_REQUEST_RATE, () => Date.now());
  /** Open sockets per guest id (invite tokens are not in `tokens`). */
  private readonly guestSockets = new Map<string, Set<WebSocket>>();
  /** `client:<client id>` or `token:<token id>` → the block. */
  private readonly blocked = new Map<string, BlockedClient>();
  private readonly sessions = new Set<{ ws: WebSocket; clientId: string; tokenId?: string }>();
  /** Sockets opened with a viewer JWT (cut off together when the audience key rotates). */
  private readonly viewerSockets = new Set<WebSocket>();
  /** Open sockets per viewer `sub` (bounded by the connection cap: entries go with their last socket). */
  private readonly socketsPerSub = new Map<string, number>();
  private nextToken = 1;
  private nextConnection = 1;
  private closed = false;

  /** `maxConnections`: a gateway process serves many more than an engine (which also mixes video). */
  constructor(
    private readonly host: ObjectsGatewayHost,
    private readonly maxConnections = MAX_CONNECTIONS,
    private readonly noun = 'show',
  ) {}

  // ---- tokens (object.issueToken / revokeToken / listTokens) ----

  issue(params: { role: 'viewer' | 'guest'; label?: string; views?: string[] }): IssuedObjectToken {
    if (this.tokens.size >= MAX_TOKENS) throw new ProtocolError('conflict', `${MAX_TOKENS} objects tokens are out: revoke some first`);
    let id = `tok-${this.nextToken++}`;
    while (this.tokens.has(id)) id = `tok-${this.nextToken++}`;
    const entry: IssuedToken = { id, token: randomBytes(18).toString('base64url'), role: params.role, createdAt: new Date(), sockets: new Set() };
    if (params.label) entry.label = params.label;
    if (params.views) entry.views = [...new Set(params.views)];
    this.tokens.set(id, entry);
    const base = this.host.baseUrl().replace(/\/+$/, '').replace(/^http/, 'ws');
    // The URL carries no token: a client sends it as a header or subprotocol (logged URLs leak).
    return { ...this.describe(entry), token: entry.token, wsUrl: `${base}${OBJECTS_WS_PATH}` };
  }

  revoke(params: { id?: string; token?: string }): { revoked: boolean } {
    const entry = params.id !== undefined ? this.tokens.get(params.id) : this.findIssued(params.token ?? '');
    if (!entry || (params.token !== undefined && !sameSecret(entry.token, params.token))) return { revoked: false };
    this.tokens.delete(entry.id);
    for (const ws of entry.sockets) ws.close(4401, 'token revoked');
    return { revoked: true };
  }

  list(): ObjectTokenInfo[] {
    return [...this.tokens.values()].map((t) => this.describe(t));
  }

  // ---- blocking (object.blockClient / unblockClient / listBlocked) ----

  block(params: { clientId?: string; tokenId?: string; reason?: string }): { blocked: true } {
    const key = params.clientId !== undefined ? `client:${params.clientId}` : `token:${params.tokenId}`;
    if (this.blocked.size >= MAX_BLOCKS && !this.blocked.has(key)) throw new ProtocolError('conflict', `${MAX_BLOCKS} clients are blocked: unblock some first`);
    const entry: BlockedClient = {
      ...(params.clientId !== undefined ? { clientId: params.clientId } : { tokenId: params.tokenId }),
      reason: params.reason || 'no reason given',
      at: new Date().toISOString(),
    };
    this.blocked.set(key, entry);
    for (const session of this.sessions) {
      // A close reason is at most 123 bytes.
      if (this.blockFor(session.clientId, session.tokenId)) session.ws.close(4403, Buffer.from(`blocked: ${entry.reason}`).subarray(0, 120).toString());
    }
    return { blocked: true };
  }

  unblock(params: { clientId?: string; tokenId?: string }): { unblocked: boolean } {
    return { unblocked: this.blocked.delete(params.clientId !== undefined ? `client:${params.clientId}` : `token:${params.tokenId}`) };
  }

  listBlocked(): BlockedClient[] {
    return [...this.blocked.values()];
  }

  private blockFor(clientId: string | undefined, tokenId: string | undefined): BlockedClient | undefined {
    return (clientId !== undefined ? this.blocked.get(`client:${clientId}`) : undefined) ?? (tokenId !== undefined ? this.blocked.get(`token:${tokenId}`) : undefined);
  }

  private describe(t: IssuedToken): ObjectTokenInfo {
    return { id: t.id, role: t.role, ...(t.label ? { label: t.label } : {}), ...(t.views ? { views: t.views } : {}), createdAt: t.createdAt.toISOString(), connections: t.sockets.size };
  }

  /**
   * The views an issued token lets its holder watch (the viewer page's WHEP, WebRtcGateway):
   * `all` or a list, with the token's id for the per-token session limit; undefined when the token
   * is not one of ours or its holder is blocked.
   */
  viewAccess(token: string): { tokenId: string; views: 'all' | readonly string[] } | undefined {
    const issued = this.findIssued(token);
    if (!issued || this.blockFor(undefined, issued.id)) return undefined;
    return { tokenId: issued.id, views: issued.views ?? 'all' };
  }

  private findIssued(token: string): IssuedToken | undefined {
    if (!token) return undefined;
    for (const t of this.tokens.values()) if (sameSecret(t.token, token)) return t;
    return undefined;
  }

  // ---- the WebSocket ----

  /** An HTTP upgrade handler: true when the request was for this endpoint (answered either way). */
  readonly upgrade = (req: IncomingMessage, socket: Duplex, head: Buffer, url: URL): boolean => {
    if (url.pathname !== OBJECTS_WS_PATH) return false;
    // Header or subprotocol first: a token in the query string ends up in proxy logs (kept for old links).
    const token = presentedToken(req.headers) ?? url.searchParams.get('token') ?? '';
    const refuse = (status: string, message: string, headers = 'WWW-Authenticate: Bearer\r\n'): true => {
      const body = `${message}\n`;
      socket.end(`HTTP/1.1 ${status}\r\n${headers}Content-Type: text/plain; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
      return true;
    };
    const busy = (message: string) => refuse('429 Too Many Requests', message, `Retry-After: ${CONNECTION_RETRY_AFTER_S}\r\n`);
    if (this.closed) return refuse('503 Service Unavailable', 'the show is closing');
    if (this.wss.clients.size >= this.maxConnections) return busy(`this ${this.noun} already has ${this.maxConnections} objects sockets: try again later`);
    // A per-viewer JWT (signed by the integrator's site with the audience key), or none yet: it may come as the first message.
    if (this.host.audienceKey && (isJwtShaped(token) || (!token && this.host.audienceKey()))) return this.upgradeViewer(req, socket, head, token, refuse);
    const guest = token ? this.host.guestForToken(token) : undefined;
    const issued = guest ? undefined : this.findIssued(token);
    if (!guest && !issued) return refuse('401 Unauthorized', 'missing or wrong token: use the link or token the producer gave you');
    const block = guest ? this.blockFor(guest.id, undefined) : this.blockFor(issued?.role === 'guest' ? `token:${issued.id}` : undefined, issued?.id);
    if (block) {
      const body = `blocked by the producer: ${block.reason}`;
      socket.end(`HTTP/1.1 403 Forbidden\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
      return true;
    }
    const sockets = guest ? this.socketsOfGuest(guest.id) : (issued as IssuedToken).sockets;
    const cap = guest || issued?.role === 'guest' ? MAX_CONNECTIONS_PER_GUEST_TOKEN : MAX_CONNECTIONS_PER_VIEWER_TOKEN;
    if (sockets.size >= cap) return busy(`this token already has ${cap} open sockets (the limit): close one first`);
    this.wss.handleUpgrade(req, socket, head, (ws) => {
      sockets.add(ws);
      ws.on('close', () => {
        sockets.delete(ws);
        if (guest && sockets.size === 0 && this.guestSockets.get(guest.id) === sockets) this.guestSockets.delete(guest.id);
      });
      if (guest) this.onSocket(ws, { role: 'guest', clientId: guest.id, name: guest.label }, `guest:${guest.id}`, () => this.host.guestForToken(token)?.id === guest.id, undefined);
      else if (issued) {
        const clientId = issued.role === 'guest' ? `token:${issued.id}` : `token:${issued.id}:${this.nextConnection++}`;
        // The token's label is the name its posts, bids and bets carry; without one a viewer's typed name is marked self-chosen.
        const name = issued.label ?? (issued.role === 'guest' ? issued.id : undefined);
        const caller: WsCaller = { role: issued.role, clientId, ...(name ? { name } : {}) };
        this.onSocket(ws, caller, `token:${issued.id}`, () => this.tokens.get(issued.id) === issued, issued.id);
      }
    });
    return true;
  };

  /**
   * A viewer with a JWT: verified here, against the audience key alone (no call to the engine, so a
   * stateless gateway can do it). With no token at the upgrade, the first message must be the
   * token (`{"type":"auth","token":"…"}`) within AUTH_TIMEOUT_MS; a bad one closes with 4401 and why.
   */
  private upgradeViewer(req: IncomingMessage, socket: Duplex, head: Buffer, token: string, refuse: (status: string, message: string, headers?: string) => true): true {
    const key = this.host.audienceKey?.();
    if (token) {
      const check = verifyViewerToken(token, key);
      if (!check.ok) return refuse('401 Unauthorized', check.why);
      const block = this.blockFor(`sub:${check.claims.sub}`, undefined);
      if (block) return refuse('403 Forbidden', `blocked by the producer: ${block.reason}`);
      if ((this.socketsPerSub.get(check.claims.sub) ?? 0) >= MAX_CONNECTIONS_PER_VIEWER)
        return refuse('429 Too Many Requests', `this viewer already has ${MAX_CONNECTIONS_PER_VIEWER} open sockets here (the limit): close one first`, `Retry-After: ${CONNECTION_RETRY_AFTER_S}\r\n`);
      this.wss.handleUpgrade(req, socket, head, (ws) => this.onViewer(ws, check.claims, key as string));
      return true;
    }
    this.wss.handleUpgrade(req, socket, head, (ws) => {
      const timer = setTimeout(() => ws.close(4401, 'send your viewer token first: {"type":"auth","token":"…"}'), AUTH_TIMEOUT_MS);
      ws.once('message', (data) => {
        clearTimeout(timer);
        let presented = '';
        try {
          const parsed = JSON.parse(String(data)) as { type?: unknown; token?: unknown };
          if (parsed?.type === 'auth' && typeof parsed.token === 'string') presented = parsed.token;
        } catch {}
        const firstKey = this.host.audienceKey?.();
        const check = presented ? verifyViewerToken(presented, firstKey) : ({ ok: false, why: 'the first message must be {"type":"auth","token":"<viewer JWT>"}' } as const);
        if (!check.ok) return closeWithReason(ws, 4401, check.why);
        if (this.blockFor(`sub:${check.claims.sub}`, undefined)) return closeWithReason(ws, 4403, 'blocked by the producer');
        if ((this.socketsPerSub.get(check.claims.sub) ?? 0) >= MAX_CONNECTIONS_PER_VIEWER) return closeWithReason(ws, 4429, `this viewer already has ${MAX_CONNECTIONS_PER_VIEWER} open sockets here`);
        this.onViewer(ws, check.claims, firstKey as string);
      });
    });
    return true;
  }

  /** One viewer per `sub`: its votes, bids and rate budget (on Redis: across every gateway) are keyed on it. */
  private onViewer(ws: WebSocket, claims: ViewerClaims, key: string): void {
    const caller: WsCaller = { role: 'viewer', clientId: `sub:${claims.sub}`, ...(claims.name ? { name: claims.name } : {}) };
    const nowS = () => Date.now() / 1000;
    this.viewerSockets.add(ws);
    this.socketsPerSub.set(claims.sub, (this.socketsPerSub.get(claims.sub) ?? 0) + 1);
    ws.on('close', () => {
      this.viewerSockets.delete(ws);
      const left = (this.socketsPerSub.get(claims.sub) ?? 1) - 1;
      if (left > 0) this.socketsPerSub.set(claims.sub, left);
      else this.socketsPerSub.delete(claims.sub);
    });
    // Rotating the key or reaching `exp` ends the session (at its next message or event).
    this.onSocket(ws, caller, caller.clientId, () => this.host.audienceKey?.() === key && claims.exp + 30 > nowS(), undefined);
  }

  /** The audience key was rotated: every viewer JWT is void, so their sockets close now. */
  cutOffViewerTokens(): void {
    for (const ws of this.viewerSockets) ws.close(4401, 'the audience key was rotated: get a new viewer token');
  }

  private socketsOfGuest(id: string): Set<WebSocket> {
    let set = this.guestSockets.get(id);
    if (!set) {
      set = new Set();
      this.guestSockets.set(id, set);
    }
    return set;
  }

  /** `budgetKey` names the token: every socket opened with it spends from the same requests budget. */
  private onSocket(ws: WebSocket, caller: WsCaller, budgetKey: string, stillValid: () => boolean, tokenId: string | undefined): void {
    const session = { ws, clientId: caller.clientId, ...(tokenId ? { tokenId } : {}) };
    this.sessions.add(session);
    ws.on('close', () => this.sessions.delete(session));
    const hello: Omit<ObjectsHello, 'type' | 'apiVersion' | 'commands'> = { role: caller.role, clientId: caller.clientId, ...(caller.name ? { name: caller.name } : {}) };
    openWebSocketSession(ws, {
      engine: this.host,
      caller,
      maxBuffered: MAX_BUFFERED,
      hello,
      helloCommands: OBJECTS_WS_COMMANDS,
      events: EVENTS,
      // What goes out is the audience's view (audience.ts).
      viewEvent: forAudience,
      viewResult: audienceResult,
      blockedFor: () => this.blockFor(caller.clientId, tokenId)?.reason,
      onBlocked: () => ws.close(4403, 'blocked'),
      refuseCommand: (command) =>
        COMMANDS.has(command) ? undefined : { code: 'unauthorized', message: `only ${OBJECTS_WS_COMMANDS.join(', ')} run on this socket; "${command}" is the producer's` },
      overLimit: () => {
        if (this.requests.take(budgetKey)) return undefined;
        const wait = this.requests.retryAfterS(budgetKey).toFixed(1);
        return new ObjectRejection('too_many_requests', 'rate_limited', `Too many requests with this token (all its connections together): wait ${wait} s.`).toJSON();
      },
      tokenStillValid: stillValid,
      onTokenInvalid: () => ws.close(4401, 'token no longer valid'),
      ...(this.host.log ? { log: this.host.log } : {}),
    });
  }

  close(): void {
    this.closed = true;
    for (const ws of this.wss.clients) ws.terminate();
    this.wss.close();
    this.tokens.clear();
  }
}
