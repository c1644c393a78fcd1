/**
 * The objects WebSocket for guests and viewers: `GET /objects/ws?token=…` (or `Authorization:
 * Bearer …`). The token decides who is calling, never the messages:
 *  - a guest's invite token (guest.invite) → role `guest`, client id = the guest's id, name = its label;
 *  - a token from `object.issueToken {role, label?}` → that role; a `guest` token is one person
 *    (client id `token:<id>`), a `viewer` token may be shared by an audience, so every connection
 *    is its own client (`token:<id>:<n>`).
 * On the socket only `object.list`, `object.get` and `object.op` run (through the engine's
 * dispatcher with that caller, so the store's role rules and per-client rate limits apply), and the
 * server pushes `object.changed`, `object.created` and `object.deleted`. Any web origin may connect
 * (guest pages and audience sites live elsewhere): the token is the protection. A token that stops
 * being valid (revoked, guest invite forgotten) closes its sockets (code 4401) at its next message or event.
 */
import { randomBytes } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { type WebSocket, WebSocketServer } from 'ws';
import { type IssuedObjectToken, MAX_ARGS_BYTES, type ObjectTokenInfo } from '../../../shared/objects.ts';
import { type EventMessage, type EventName, ProtocolError } from '../../../shared/protocol.ts';
import { presentedToken, sameSecret } from '../server/tokens.ts';
import { openWebSocketSession } from '../server/webSocketSession.ts';
import type { Caller } from './ObjectCommands.ts';
import { RateLimiter } from './RateLimiter.ts';
import { ObjectRejection } from './rejections.ts';

export const OBJECTS_WS_PATH = '/objects/ws';
/** What a guest or viewer may run here; everything else is the producer's. */
export const OBJECTS_WS_COMMANDS = ['object.list', 'object.get', 'object.op'] as const;
const COMMANDS = new Set<string>(OBJECTS_WS_COMMANDS);
const EVENTS = new Set<EventName>(['object.changed', 'object.created', 'object.deleted']);
/** Requests of any kind per connection (object.op is limited again per client by the store). */
const REQUEST_RATE = { perSecond: 30, burst: 60 };
const MAX_CONNECTIONS = 2000;
const MAX_TOKENS = 1000;
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
}

type WsCaller = Caller & { role: 'viewer' | 'guest'; clientId: string };

interface IssuedToken {
  id: string;
  token: string;
  role: 'viewer' | 'guest';
  label?: string;
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

export class ObjectsGateway {
  private readonly tokens = new Map<string, IssuedToken>();
  private readonly wss = new WebSocketServer({ noServer: true, maxPayload: MAX_ARGS_BYTES + 16 * 1024 });
  private readonly requests = new RateLimiter(REQUEST_RATE, () => Date.now());
  private nextToken = 1;
  private nextConnection = 1;
  private closed = false;

  constructor(private readonly host: ObjectsGatewayHost) {}

  // ---- tokens (object.issueToken / revokeToken / listTokens) ----

  issue(params: { role: 'viewer' | 'guest'; label?: string }): IssuedObjectToken {
    if (this.tokens.size >= MAX_TOKENS) throw new ProtocolError('conflict', `${MAX_TOKENS} objects tokens are out: revoke some first`);
    let id = `tok-${this.nextToken++}`;
    while (this.tokens.has(id)) id = `tok-${this.nextToken++}`;
    const entry: IssuedToken = { id, token: randomBytes(18).toString('base64url'), role: params.role, createdAt: new Date(), sockets: new Set() };
    if (params.label) entry.label = params.label;
    this.tokens.set(id, entry);
    const base = this.host.baseUrl().replace(/\/+$/, '').replace(/^http/, 'ws');
    return { ...this.describe(entry), token: entry.token, wsUrl: `${base}${OBJECTS_WS_PATH}?token=${entry.token}` };
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

  private describe(t: IssuedToken): ObjectTokenInfo {
    return { id: t.id, role: t.role, ...(t.label ? { label: t.label } : {}), createdAt: t.createdAt.toISOString(), connections: t.sockets.size };
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
    const token = presentedToken(req, url);
    const refuse = (status: string): true => {
      socket.end(`HTTP/1.1 ${status}\r\nWWW-Authenticate: Bearer\r\nContent-Length: 0\r\nConnection: close\r\n\r\n`);
      return true;
    };
    if (this.closed) return refuse('503 Service Unavailable');
    const guest = token ? this.host.guestForToken(token) : undefined;
    const issued = guest ? undefined : this.findIssued(token);
    if (!guest && !issued) return refuse('401 Unauthorized');
    if (this.wss.clients.size >= MAX_CONNECTIONS) return refuse('503 Service Unavailable');
    this.wss.handleUpgrade(req, socket, head, (ws) => {
      if (guest) this.onSocket(ws, { role: 'guest', clientId: guest.id, name: guest.label }, () => this.host.guestForToken(token)?.id === guest.id);
      else if (issued) {
        const clientId = issued.role === 'guest' ? `token:${issued.id}` : `token:${issued.id}:${this.nextConnection++}`;
        const caller: WsCaller = { role: issued.role, clientId, ...(issued.role === 'guest' ? { name: issued.label ?? issued.id } : {}) };
        issued.sockets.add(ws);
        ws.on('close', () => issued.sockets.delete(ws));
        this.onSocket(ws, caller, () => this.tokens.get(issued.id) === issued);
      }
    });
    return true;
  };

  private onSocket(ws: WebSocket, caller: WsCaller, stillValid: () => boolean): void {
    const connectionKey = `${caller.clientId}#${this.nextConnection++}`;
    const hello: Omit<ObjectsHello, 'type' | 'apiVersion' | 'commands'> = { role: caller.role, clientId: caller.clientId, ...(caller.name ? { name: caller.name } : {}) };
    openWebSocketSession(ws, {
      engine: this.host,
      caller,
      maxBuffered: MAX_BUFFERED,
      hello,
      helloCommands: OBJECTS_WS_COMMANDS,
      events: EVENTS,
      refuseCommand: (command) =>
        COMMANDS.has(command) ? undefined : { code: 'unauthorized', message: `only ${OBJECTS_WS_COMMANDS.join(', ')} run on this socket; "${command}" is the producer's` },
      overLimit: () => (this.requests.take(connectionKey) ? undefined : new ObjectRejection('too_many_requests', 'rate_limited', 'Too many requests on this connection: slow down.').toJSON()),
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
