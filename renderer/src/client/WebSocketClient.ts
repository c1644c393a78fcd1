/**
 * The browser transport: one WebSocket to `/api/v1/ws`. Requests carry a requestId and are matched
 * to responses; events are fanned out to listeners. The socket reconnects with growing delays, and
 * requests made while it is down wait for it (up to a timeout) instead of failing at once.
 *
 * A browser cannot set headers on a WebSocket, and a token in the URL would land in proxy and
 * server logs, so the API token travels as a subprotocol (`cutline.token.<base64url>`) beside
 * `cutline.v1`, the one the server answers with (docs/SECURITY.md).
 */
import type { CommandName, CommandResult, EventMessage, WsHello, WsResponse } from '../../../shared/protocol.ts';
import type { CommandInput, ConnectionStatus, EngineClient } from './EngineClient.ts';
import { ClientError } from './EngineClient.ts';

/** Must match WS_PROTOCOL / WS_TOKEN_PROTOCOL_PREFIX in electron/engine/server/requestGuard.ts. */
export const WS_PROTOCOL = 'cutline.v1';
const WS_TOKEN_PROTOCOL_PREFIX = 'cutline.token.';

export interface WebSocketClientOptions {
  url: string;
  /** The API token (from the desk URL's #token= fragment); sent in the handshake, never in the URL. */
  token?: string;
  /** The API version this UI was built for; a different server version is reported, not hidden. */
  apiVersion: number;
  requestTimeoutMs?: number;
  /** For tests: a WebSocket constructor. */
  WebSocketImpl?: typeof WebSocket;
}

interface Pending {
  resolve: (value: unknown) => void;
  reject: (error: Error) => void;
  timer: ReturnType<typeof setTimeout>;
}

const RECONNECT_DELAYS_MS = [250, 500, 1000, 2000, 4000];

export class WebSocketClient implements EngineClient {
  private socket: WebSocket | undefined;
  private readonly pending = new Map<number, Pending>();
  private readonly queued: { requestId: number; frame: string }[] = [];
  private readonly eventListeners = new Set<(message: EventMessage) => void>();
  private readonly connectionListeners = new Set<(status: ConnectionStatus) => void>();
  private status: ConnectionStatus = { state: 'connecting' };
  private nextRequestId = 1;
  private attempt = 0;
  private closed = false;
  private reconnectTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(private readonly options: WebSocketClientOptions) {
    this.connect();
  }

  request<N extends CommandName>(command: N, params: CommandInput<N>): Promise<CommandResult<N>> {
    const requestId = this.nextRequestId++;
    const frame = JSON.stringify({ type: 'request', requestId, command, params });
    // The one place a result gets its type: the engine checked it against the table's schema.
    return new Promise<CommandResult<N>>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(requestId);
        reject(new ClientError('disconnected', `The engine did not answer "${command}" in time. Check that it is still running.`));
      }, this.options.requestTimeoutMs ?? 15_000);
      this.pending.set(requestId, { resolve: resolve as (value: unknown) => void, reject, timer });
      if (this.socket?.readyState === 1) this.socket.send(frame);
      else this.queued.push({ requestId, frame });
    });
  }

  onEvent(listener: (message: EventMessage) => void): () => void {
    this.eventListeners.add(listener);
    return () => this.eventListeners.delete(listener);
  }

  onConnection(listener: (status: ConnectionStatus) => void): () => void {
    this.connectionListeners.add(listener);
    listener(this.status);
    return () => this.connectionListeners.delete(listener);
  }

  close(): void {
    this.closed = true;
    clearTimeout(this.reconnectTimer);
    this.socket?.close();
    this.queued.length = 0;
    this.failPending('The connection to the engine was closed.');
  }

  private connect(): void {
    const Impl = this.options.WebSocketImpl ?? WebSocket;
    const socket = new Impl(this.options.url, socketProtocols(this.options.token));
    this.socket = socket;
    this.setStatus({ state: 'connecting' });
    let helloSeen = false;

    socket.onmessage = (event: MessageEvent) => {
      let message: WsHello | WsResponse | EventMessage;
      try {
        message = JSON.parse(String(event.data));
      } catch {
        return;
      }
      if (message.type === 'hello') {
        helloSeen = true;
        this.attempt = 0;
        if (message.apiVersion !== this.options.apiVersion) {
          this.setStatus({
            state: 'open',
            message: `The engine speaks API version ${message.apiVersion}, this UI version ${this.options.apiVersion}. Update one of them.`,
          });
        } else {
          this.setStatus({ state: 'open' });
        }
        for (const { frame } of this.queued.splice(0)) socket.send(frame);
      } else if (message.type === 'response') {
        const pending = this.pending.get(Number(message.requestId));
        if (!pending) return;
        this.pending.delete(Number(message.requestId));
        clearTimeout(pending.timer);
        if (message.ok) pending.resolve(message.result);
        else pending.reject(new ClientError(message.error.code, message.error.message));
      } else if (message.type === 'event') {
        for (const listener of [...this.eventListeners]) {
          try {
            listener(message);
          } catch (error) {
            console.error(`event listener for ${message.event} threw`, error);
          }
        }
      }
    };

    socket.onclose = () => {
      if (this.socket !== socket) return;
      // Requests already sent will never be answered on a new socket.
      this.failPending('The connection to the engine was lost while this command was running. Check the result before retrying.');
      if (this.closed) {
        this.setStatus({ state: 'closed', message: 'Disconnected.' });
        return;
      }
      const delay = RECONNECT_DELAYS_MS[Math.min(this.attempt, RECONNECT_DELAYS_MS.length - 1)];
      this.attempt++;
      this.setStatus({
        state: 'closed',
        message: helloSeen
          ? `Lost the connection to the engine; reconnecting in ${(delay / 1000).toFixed(1)} s.`
          : `Cannot reach the engine at ${this.options.url}. Is \`cutline serve\` running? If it needs a token, open the desk with the URL it printed (…/#token=<token>). Retrying in ${(delay / 1000).toFixed(1)} s.`,
      });
      this.reconnectTimer = setTimeout(() => this.connect(), delay);
    };
    // onerror is always followed by onclose, which does the work.
    socket.onerror = () => {};
  }

  /** Requests already written to a dead socket; queued ones wait for the next socket. */
  private failPending(message: string): void {
    const queuedIds = new Set(this.queued.map((q) => q.requestId));
    for (const [id, pending] of this.pending) {
      if (queuedIds.has(id)) continue;
      clearTimeout(pending.timer);
      pending.reject(new ClientError('disconnected', message));
      this.pending.delete(id);
    }
  }

  private setStatus(status: ConnectionStatus): void {
    this.status = status;
    for (const listener of [...this.connectionListeners]) listener(status);
  }
}

/** The subprotocols offered: ours, and the token as base64url (any token survives the header syntax). */
export function socketProtocols(token: string | undefined): string[] {
  if (!token) return [WS_PROTOCOL];
  const bytes = new TextEncoder().encode(token);
  let binary = '';
  for (const b of bytes) binary += String.fromCharCode(b);
  const encoded = btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
  return [WS_PROTOCOL, `${WS_TOKEN_PROTOCOL_PREFIX}${encoded}`];
}

/**
 * Where the engine's WebSocket is: the page's own origin (the engine serves the UI), or
 * `?engine=host:port` for a UI served elsewhere (the Vite dev server). No token in it: see socketProtocols.
 */
export function engineSocketUrl(location: Pick<Location, 'protocol' | 'host' | 'search'>): string {
  const query = new URLSearchParams(location.search);
  const host = query.get('engine') ?? location.host;
  const scheme = location.protocol === 'https:' ? 'wss' : 'ws';
  return `${scheme}://${host}/api/v1/ws`;
}

/**
 * The API token a desk URL carries: `#token=` (what `cutline serve` prints; a fragment never
 * reaches a server) or the older `?token=`. Returns the token and the URL to show without it.
 */
export function takeTokenFromUrl(location: Pick<Location, 'pathname' | 'search' | 'hash'>): { token: string | undefined; cleanUrl: string } {
  const query = new URLSearchParams(location.search);
  const fragment = new URLSearchParams(location.hash.replace(/^#/, ''));
  const token = fragment.get('token') ?? query.get('token') ?? undefined;
  query.delete('token');
  fragment.delete('token');
  const rest = query.toString();
  const hash = fragment.toString();
  return { token: token || undefined, cleanUrl: `${location.pathname}${rest ? `?${rest}` : ''}${hash ? `#${hash}` : ''}` };
}
