/**
 * The HTTP + WebSocket transport of the control protocol, and the web UI's host.
 *   GET  /api/v1/state                 → the whole state
 *   POST /api/v1/commands/<name>       → {ok:true,result} | {ok:false,error:{code,message}} (4xx/5xx)
 *   GET  /api/v1/ws (WebSocket)        → hello, then requests/responses and events
 *   GET  /                              → the built web UI (dist/renderer)
 * It only relays: sessions (ProtocolSession.ts) and the engine's dispatcher do the rest.
 *
 * Security: binds to 127.0.0.1 unless told otherwise; on any other address every request needs
 * `Authorization: Bearer <token>` (WebSocket: `?token=`). Browsers on other origins are refused
 * (Origin check), so a web page cannot drive a local Cutline behind the user's back.
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
import { presentedToken, sameSecret } from './tokens.ts';
import { openWebSocketSession } from './webSocketSession.ts';

export const DEFAULT_PORT = 7710;
const MAX_BODY_BYTES = 1 << 20;

export interface ApiServerOptions {
  host?: string;
  port?: number;
  /** Required on non-loopback hosts; generated when absent there. */
  token?: string;
  /** Folder of the built web UI. */
  uiDir?: string;
}

/** Extra routes (WHIP/WHEP endpoints) mounted by other modules. Return false to pass. */
export type RouteHandler = (req: IncomingMessage, res: ServerResponse, url: URL) => boolean | Promise<boolean>;
/** Extra WebSocket endpoints (the objects socket): return true when the upgrade was answered. */
export type UpgradeHandler = (req: IncomingMessage, socket: Duplex, head: Buffer, url: URL) => boolean;

export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || host.startsWith('127.');
}

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
  private wss: WebSocketServer | undefined;
  private readonly routes: RouteHandler[] = [];
  private readonly upgrades: UpgradeHandler[] = [];
  readonly host: string;
  readonly token: string | undefined;
  private readonly uiDir: string | undefined;
  private requestedPort: number;

  constructor(
    private readonly engine: Engine,
    options: ApiServerOptions = {},
  ) {
    this.host = options.host ?? '127.0.0.1';
    this.requestedPort = options.port ?? DEFAULT_PORT;
    this.token = options.token ?? (isLoopback(this.host) ? undefined : randomBytes(18).toString('base64url'));
    this.uiDir = options.uiDir;
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

  get url(): string {
    const host = this.host.includes(':') ? `[${this.host}]` : this.host;
    return `http://${host === '0.0.0.0' ? '127.0.0.1' : host}:${this.port}`;
  }

  async listen(): Promise<void> {
    const server = createServer((req, res) => {
      this.handle(req, res).catch((error) => this.sendJson(res, errorBody(error).status, errorBody(error).body));
    });
    this.server = server;
    this.wss = new WebSocketServer({ noServer: true, maxPayload: MAX_BODY_BYTES });
    server.on('upgrade', (req, socket, head) => {
      const url = new URL(req.url ?? '/', 'http://x');
      for (const upgrade of this.upgrades) if (upgrade(req, socket, head, url)) return;
      if (url.pathname !== '/api/v1/ws' || !this.originAllowed(req) || !this.authorized(req, url)) {
        socket.end('HTTP/1.1 401 Unauthorized\r\nContent-Length: 0\r\n\r\n');
        return;
      }
      this.wss?.handleUpgrade(req, socket, head, (ws) => this.onSocket(ws));
    });
    await new Promise<void>((resolveListen, reject) => {
      server.once('error', reject);
      server.listen(this.requestedPort, this.host, () => {
        server.off('error', reject);
        resolveListen();
      });
    });
  }

  async close(): Promise<void> {
    for (const client of this.wss?.clients ?? []) client.terminate();
    this.wss?.close();
    await new Promise<void>((r) => (this.server ? this.server.close(() => r()) : r()));
    this.server?.closeAllConnections?.();
  }

  private authorized(req: IncomingMessage, url: URL): boolean {
    if (!this.token) return true;
    return sameSecret(presentedToken(req, url), this.token);
  }

  /** Non-browser clients send no Origin; browsers must come from this server's own pages. */
  private originAllowed(req: IncomingMessage): boolean {
    const origin = req.headers.origin;
    if (!origin || origin === 'null') return !origin;
    try {
      return new URL(origin).host === req.headers.host;
    } catch {
      return false;
    }
  }

  private sendJson(res: ServerResponse, status: number, body: unknown): void {
    if (res.headersSent) return;
    const text = JSON.stringify(body);
    res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', 'content-length': Buffer.byteLength(text) });
    res.end(text);
  }

  private async readJson(req: IncomingMessage): Promise<unknown> {
    const type = req.headers['content-type'] ?? '';
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
    // Requiring JSON also forces browsers into a CORS preflight, which this server never grants.
    if (!/^application\/json\b/i.test(type)) throw new ProtocolError('invalid_request', 'send the parameters as JSON (Content-Type: application/json)');
    try {
      return JSON.parse(Buffer.concat(chunks).toString('utf8'));
    } catch (error) {
      throw new ProtocolError('invalid_request', `the body is not valid JSON: ${(error as Error).message}`);
    }
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://x');
    for (const route of this.routes) if (await route(req, res, url)) return;
    if (url.pathname.startsWith('/api/')) {
      if (!this.originAllowed(req)) return this.sendJson(res, 403, { ok: false, error: { code: 'unauthorized', message: 'requests from other web origins are not allowed' } });
      if (!this.authorized(req, url)) {
        res.setHeader('www-authenticate', 'Bearer');
        return this.sendJson(res, 401, { ok: false, error: { code: 'unauthorized', message: 'missing or wrong API token: send Authorization: Bearer <token> (printed by `cutline serve`)' } });
      }
      if (req.method === 'GET' && url.pathname === '/api/v1/state') return this.sendJson(res, 200, this.engine.getState());
      const match = /^\/api\/v1\/commands\/([A-Za-z.]+)$/.exec(url.pathname);
      if (match) {
        if (req.method !== 'POST') return this.sendJson(res, 405, { ok: false, error: { code: 'invalid_request', message: 'use POST for commands' } });
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
