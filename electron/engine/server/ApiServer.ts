/**
 * The HTTP + WebSocket transport of the control protocol, the web UI's host, and the listener(s)
 * of the public surface.
 *   GET  /api/v1/state                 → the whole state
 *   POST /api/v1/commands/<name>       → {ok:true,result} | {ok:false,error:{code,message}} (4xx/5xx)
 *   GET  /api/v1/ws (WebSocket)        → hello, then requests/responses and events
 *   GET  /                              → the built web UI (dist/renderer)
 * It only relays: sessions (ProtocolSession.ts) and the engine's dispatcher do the rest.
 *
 * Two surfaces (docs/SECURITY.md): the *control* surface above, guarded by requestGuard.ts (Host,
 * Origin, JSON-only POSTs, the token), and the *public* surface other modules mount with addRoute /
 * addUpgrade (guest pages, WHIP, WHEP, the viewer, the objects socket), protected by their own
 * tokens. With `publicListen` the public surface also gets a listener of its own, which answers 404
 * to everything else — that listener is what a reverse proxy forwards.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { extname, join, normalize, resolve } from 'node:path';
import { type WebSocket, WebSocketServer } from 'ws';
import { ERROR_STATUS, ProtocolError, type ProtocolErrorBody } from '../../../shared/protocol.ts';
import type { Engine } from '../Engine.ts';
import { type Envelope, ProtocolSession, protocolErrorBody } from './ProtocolSession.ts';
import { ControlGuard, type GuardRefusal, isLoopback, WS_PROTOCOL } from './requestGuard.ts';
import { openWebSocketSession } from './webSocketSession.ts';

export const DEFAULT_PORT = 7710;
/** Largest request (HTTP body or WebSocket message); the desk checks an image upload against its copy (renderer/src/client/apiVersion.ts). */
export const MAX_BODY_BYTES = 1 << 20;
/** Desk and automation sockets on `/api/v1/ws` at once (each gets every event; a bidding backend may hold hundreds). */
export const MAX_CONTROL_SOCKETS = 512;
/** TCP connections the public listener holds at once: above the objects sockets' own cap (2000). */
export const PUBLIC_MAX_CONNECTIONS = 4096;
/** A public request must arrive whole this fast (SDP offers are small): slow senders are cut off. */
const PUBLIC_REQUEST_TIMEOUT_MS = 20_000;
const PUBLIC_HEADERS_TIMEOUT_MS = 10_000;

export interface ApiServerOptions {
  host?: string;
  port?: number;
  /** The API token (already checked by resolveApiToken); absent on loopback = none needed. */
  token?: string;
  /** Folder of the built web UI. */
  uiDir?: string;
  /** Names besides the bound address and loopback that the control surface answers to (`--allowed-host`). */
  allowedHosts?: string[];
  /** A listener of its own for the public surface (`--public-host/--public-port`, `webrtc.publicListen`). */
  publicListen?: { host: string; port: number };
  /** false: no control listener at all, only the public one (`cutline run`). */
  control?: boolean;
}

/** Extra routes (WHIP/WHEP endpoints) mounted by other modules. Return false to pass. */
export type RouteHandler = (req: IncomingMessage, res: ServerResponse, url: URL) => boolean | Promise<boolean>;
/** Extra WebSocket endpoints (the objects socket): return true when the upgrade was answered. */
export type UpgradeHandler = (req: IncomingMessage, socket: Duplex, head: Buffer, url: URL) => boolean;

const MIME: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.json': 'application/json',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
};

export function errorBody(error: unknown): { status: number; body: { ok: false; error: ProtocolErrorBody } } {
  const body = protocolErrorBody(error);
  return { status: ERROR_STATUS[body.code], body: { ok: false, error: body } };
}

export class ApiServer {
  private server: Server | undefined;
  private publicServer: Server | undefined;
  private wss: WebSocketServer | undefined;
  private readonly routes: RouteHandler[] = [];
  private readonly upgrades: UpgradeHandler[] = [];
  readonly host: string;
  readonly token: string | undefined;
  private readonly uiDir: string | undefined;
  private requestedPort: number;
  private readonly guard: ControlGuard;
  private readonly publicListen: { host: string; port: number } | undefined;
  private readonly control: boolean;

  constructor(
    private readonly engine: Engine,
    options: ApiServerOptions = {},
  ) {
    this.host = options.host ?? '127.0.0.1';
    this.requestedPort = options.port ?? DEFAULT_PORT;
    if (options.token !== undefined && options.token.trim() === '') throw new Error('an empty API token would turn authorization off; pass a real one');
    this.token = options.token ?? (isLoopback(this.host) ? undefined : randomBytes(32).toString('base64url'));
    this.uiDir = options.uiDir;
    this.publicListen = options.publicListen;
    this.control = options.control ?? true;
    if (!this.control && !this.publicListen) throw new Error('an ApiServer without the control surface needs publicListen');
    this.guard = new ControlGuard({ boundHost: this.host, port: this.requestedPort, allowedHosts: options.allowedHosts ?? [], token: this.token });
    engine.attachHttp(this);
  }

  addRoute(handler: RouteHandler): void {
    this.routes.push(handler);
  }

  /** Extra WebSocket endpoints; they do their own authentication and origin policy. */
  addUpgrade(handler: UpgradeHandler): void {
    this.upgrades.push(handler);
  }

  get port(): number {
    return (this.server?.address() as AddressInfo | null)?.port ?? this.requestedPort;
  }

  /** The control surface's URL (the desk, the API). */
  get url(): string {
    if (!this.control) return this.publicUrl ?? '';
    return urlOf(this.host, this.port);
  }

  /** The public listener's URL, when the public surface has its own. */
  get publicUrl(): string | undefined {
    if (!this.publicListen) return undefined;
    const port = (this.publicServer?.address() as AddressInfo | null)?.port ?? this.publicListen.port;
    return urlOf(this.publicListen.host, port);
  }

  async listen(): Promise<void> {
    this.wss = new WebSocketServer({
      noServer: true,
      maxPayload: MAX_BODY_BYTES,
      // The desk offers cutline.v1 (and its token as a second protocol); answer with ours only.
      handleProtocols: (offered) => (offered.has(WS_PROTOCOL) ? WS_PROTOCOL : false),
    });
    if (this.control) {
      const server = createServer((req, res) => {
        this.handle(req, res).catch((error) => this.sendJson(res, errorBody(error).status, errorBody(error).body));
      });
      server.on('upgrade', (req, socket, head) => this.onControlUpgrade(req, socket, head));
      this.server = server;
      try {
        await listenOn(server, this.requestedPort, this.host);
      } catch (error) {
        throw new Error(`cannot listen on ${this.host}:${this.requestedPort}: ${(error as Error).message}`);
      }
      this.guard.setPort(this.port);
    }
    if (this.publicListen) {
      const server = createServer((req, res) => {
        this.handlePublic(req, res).catch((error) => {
          if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' });
          res.end(`internal error: ${(error as Error)?.message ?? String(error)}`);
        });
      });
      server.on('upgrade', (req, socket, head) => {
        socket.on('error', () => socket.destroy());
        const url = new URL(req.url ?? '/', 'http://x');
        for (const upgrade of this.upgrades) if (upgrade(req, socket, head, url)) return;
        refuseUpgrade(socket, 404, 'Not Found', 'not here: this is the public listener (guest pages, WHIP, WHEP, the viewer, /objects/ws)');
      });
      server.maxConnections = PUBLIC_MAX_CONNECTIONS;
      server.requestTimeout = PUBLIC_REQUEST_TIMEOUT_MS;
      server.headersTimeout = PUBLIC_HEADERS_TIMEOUT_MS;
      this.publicServer = server;
      try {
        await listenOn(server, this.publicListen.port, this.publicListen.host);
      } catch (error) {
        await this.close();
        throw new Error(`cannot listen on the public address ${this.publicListen.host}:${this.publicListen.port}: ${(error as Error).message}`);
      }
    }
  }

  async close(): Promise<void> {
    for (const client of this.wss?.clients ?? []) client.terminate();
    this.wss?.close();
    for (const server of [this.server, this.publicServer]) {
      await new Promise<void>((r) => (server?.listening ? server.close(() => r()) : r()));
      server?.closeAllConnections?.();
    }
  }

  private onControlUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    socket.on('error', () => socket.destroy());
    const url = new URL(req.url ?? '/', 'http://x');
    for (const upgrade of this.upgrades) if (upgrade(req, socket, head, url)) return;
    if (url.pathname !== '/api/v1/ws') {
      refuseUpgrade(socket, 404, 'Not Found', `no WebSocket at ${url.pathname}`);
      return;
    }
    const refusal = this.guard.checkSite(req.headers) ?? this.guard.checkToken(req.headers);
    if (refusal) {
      refuseUpgrade(socket, refusal.status, STATUS_TEXT[refusal.status], refusal.message);
      return;
    }
    if ((this.wss?.clients.size ?? 0) >= MAX_CONTROL_SOCKETS) {
      refuseUpgrade(socket, 503, 'Service Unavailable', `${MAX_CONTROL_SOCKETS} control sockets are open already: close a desk tab or a client first`);
      return;
    }
    this.wss?.handleUpgrade(req, socket, head, (ws) => this.onSocket(ws));
  }

  private sendJson(res: ServerResponse, status: number, body: unknown): void {
    if (res.headersSent) return;
    const text = JSON.stringify(body);
    res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', 'content-length': Buffer.byteLength(text) });
    res.end(text);
  }

  private refuse(res: ServerResponse, refusal: GuardRefusal): void {
    if (refusal.status === 401) res.setHeader('www-authenticate', 'Bearer');
    this.sendJson(res, refusal.status, { ok: false, error: { code: refusal.code, message: refusal.message } });
  }

  private async readJson(req: IncomingMessage): Promise<unknown> {
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of req) {
      size += (chunk as Buffer).length;
      // Read on (up to a bound) so the client gets the 413 instead of a reset connection.
      if (size > MAX_BODY_BYTES * 16) throw new ProtocolError('payload_too_large', `request body over ${MAX_BODY_BYTES} bytes`);
      if (size <= MAX_BODY_BYTES) chunks.push(chunk as Buffer);
    }
    if (size > MAX_BODY_BYTES) throw new ProtocolError('payload_too_large', `request body over ${MAX_BODY_BYTES} bytes`);
    if (size === 0) return {};
    try {
      return JSON.parse(Buffer.concat(chunks).toString('utf8'));
    } catch (error) {
      throw new ProtocolError('invalid_request', `the body is not valid JSON: ${(error as Error).message}`);
    }
  }

  /** The public listener: only what the public modules mount; the control surface is not here. */
  private async handlePublic(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://x');
    for (const route of this.routes) if (await route(req, res, url)) return;
    res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store' });
    res.end('Not found. This address serves guest pages, WHIP, WHEP, the viewer and /objects/ws only.');
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://x');
    for (const route of this.routes) if (await route(req, res, url)) return;
    // Everything below is the control surface: the desk UI and the API answer only to our own names.
    const site = this.guard.checkSite(req.headers);
    if (site) return this.refuse(res, site);
    if (url.pathname.startsWith('/api/')) {
      const token = this.guard.checkToken(req.headers);
      if (token) return this.refuse(res, token);
      if (req.method === 'GET' && url.pathname === '/api/v1/state') return this.sendJson(res, 200, this.engine.getState());
      const match = /^\/api\/v1\/commands\/([A-Za-z.]+)$/.exec(url.pathname);
      if (match) {
        if (req.method !== 'POST') return this.sendJson(res, 405, { ok: false, error: { code: 'invalid_request', message: 'use POST for commands' } });
        const notJson = ControlGuard.checkJsonBody(req.headers);
        if (notJson) {
          req.resume();
          return this.refuse(res, notJson);
        }
        let envelope: Envelope;
        try {
          envelope = await new ProtocolSession({ engine: this.engine, log: this.engine.log }).request(match[1], await this.readJson(req));
        } catch (error) {
          envelope = { ok: false, error: protocolErrorBody(error) };
        }
        return this.sendJson(res, envelope.ok ? 200 : ERROR_STATUS[envelope.error.code], envelope);
      }
      return this.sendJson(res, 404, { ok: false, error: { code: 'not_found', message: `no API route ${req.method} ${url.pathname}` } });
    }
    if (req.method === 'GET' || req.method === 'HEAD') return this.serveUi(url.pathname, res);
    res.writeHead(404).end();
  }

  private serveUi(pathname: string, res: ServerResponse): void {
    const root = this.uiDir && existsSync(join(this.uiDir, 'index.html')) ? resolve(this.uiDir) : undefined;
    if (!root) {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      res.end('<!doctype html><title>Cutline</title><p>The web UI is not built. Run <code>npm run build</code>, then restart <code>cutline serve</code>. The API is at <code>/api/v1/state</code>.</p>');
      return;
    }
    let file = normalize(join(root, decodeURIComponent(pathname)));
    if (!file.startsWith(root)) return void res.writeHead(403).end();
    if (!existsSync(file) || statSync(file).isDirectory()) file = join(root, 'index.html');
    res.writeHead(200, {
      'content-type': MIME[extname(file)] ?? 'application/octet-stream',
      'x-content-type-options': 'nosniff',
      'content-security-policy':
        "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; media-src 'self' blob:; connect-src 'self' ws: wss:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'",
    });
    res.end(readFileSync(file));
  }

  private onSocket(ws: WebSocket): void {
    openWebSocketSession(ws, { engine: this.engine, maxBuffered: 8 << 20, log: this.engine.log });
  }
}

const STATUS_TEXT: Record<number, string> = { 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found', 415: 'Unsupported Media Type', 421: 'Misdirected Request' };

function urlOf(host: string, port: number): string {
  const bare = host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
  return `http://${bare === '0.0.0.0' || bare === '[::]' ? '127.0.0.1' : bare}:${port}`;
}

function listenOn(server: Server, port: number, host: string): Promise<void> {
  return new Promise<void>((resolveListen, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolveListen();
    });
  });
}

/** Answers a refused WebSocket upgrade with a status and a reason a person can read. */
function refuseUpgrade(socket: Duplex, status: number, text: string, message: string): void {
  const body = `${message}\n`;
  socket.end(
    `HTTP/1.1 ${status} ${text}\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\n${status === 401 ? 'WWW-Authenticate: Bearer\r\n' : ''}Connection: close\r\n\r\n${body}`,
  );
}
