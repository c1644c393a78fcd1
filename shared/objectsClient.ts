/**
 * A small client of the objects WebSocket (`/objects/ws`) that survives a gateway going away: it
 * holds a list of gateway URLs, connects to one, and when that socket drops moves to the next with
 * backoff (×1.5 up to a cap) plus jitter, so thousands of viewers of a dead gateway do not arrive
 * at the other one in the same millisecond. Every `op` carries an idempotency key that stays the
 * same across its retries, so an op whose answer was lost with the socket is applied once.
 * Browser-safe (no node: imports): pass `WebSocketImpl` in Node (the `ws` package).
 */

export interface ObjectsClientOptions {
  /** ws(s)://host:port/objects/ws of every gateway (or the one engine). */
  urls: string[];
  /** A viewer JWT (sent as the first message) or another objects token. */
  token: string;
  WebSocketImpl?: new (url: string) => MinimalSocket;
  /** Give up an op after this long (ms) of retrying. */
  opTimeoutMs?: number;
  backoff?: { initialMs: number; maxMs: number };
  onEvent?: (event: string, data: unknown) => void;
  /** Connected (with the hello) or lost. */
  onStatus?: (status: { connected: boolean; url: string }) => void;
  /** Random in [0, 1): the jitter source (tests may seed it). */
  random?: () => number;
}

/** The part of the WebSocket API (browser or `ws`) this client uses. */
export interface MinimalSocket {
  readyState: number;
  onopen: ((ev: unknown) => void) | null;
  onmessage: ((ev: { data: unknown }) => void) | null;
  onclose: ((ev: { code: number; reason: string }) => void) | null;
  onerror: ((ev: unknown) => void) | null;
  send(data: string): void;
  close(code?: number, reason?: string): void;
}

export interface ObjectsClientError {
  code: string;
  reason?: string;
  message: string;
}

export class ObjectsRequestError extends Error {
  constructor(readonly body: ObjectsClientError) {
    super(body.message);
    this.name = 'ObjectsRequestError';
  }
}

interface InFlight {
  command: string;
  params: unknown;
  resolve(result: unknown): void;
  reject(error: Error): void;
  deadline: number;
  sent: boolean;
}

/** Errors worth trying again on another socket or a moment later. */
const RETRYABLE = new Set(['unavailable', 'too_many_requests']);
const OPEN = 1;

export class ObjectsClient {
  private socket: MinimalSocket | undefined;
  private ready = false;
  private urlIndex: number;
  private attempt = 0;
  private nextRequestId = 1;
  private readonly inFlight = new Map<number, InFlight>();
  private readonly waiting: InFlight[] = [];
  private closed = false;
  private reconnectTimer: ReturnType<typeof setTimeout> | undefined;
  private readonly random: () => number;
  /** Gateway the client is on now (for tests and status). */
  currentUrl = '';
  reconnects = 0;

  constructor(private readonly options: ObjectsClientOptions) {
    if (options.urls.length === 0) throw new Error('ObjectsClient needs at least one gateway URL');
    this.random = options.random ?? Math.random;
    // Start on a random gateway: viewers spread over all of them.
    this.urlIndex = Math.floor(this.random() * options.urls.length);
    this.connect();
  }

  /** Applies an op; retried (same idempotency key) across reconnections until opTimeoutMs. */
  op(id: string, op: string, args: unknown): Promise<{ version: number; state: unknown }> {
    const idempotencyKey = `${Date.now().toString(36)}-${Math.floor(this.random() * 2 ** 48).toString(36)}`;
    return this.request('object.op', { id, op, args, idempotencyKey }) as Promise<{ version: number; state: unknown }>;
  }

  request(command: string, params: unknown): Promise<unknown> {
    return new Promise((resolve, reject) => {
      const item: InFlight = { command, params, resolve, reject, deadline: Date.now() + (this.options.opTimeoutMs ?? 30_000), sent: false };
      this.waiting.push(item);
      this.pump();
    });
  }

  close(): void {
    this.closed = true;
    clearTimeout(this.reconnectTimer);
    this.socket?.close(1000, 'bye');
    const gone = new Error('the objects client was closed');
    for (const item of [...this.inFlight.values(), ...this.waiting]) item.reject(gone);
    this.inFlight.clear();
    this.waiting.length = 0;
  }

  private connect(): void {
    if (this.closed) return;
    const url = this.options.urls[this.urlIndex % this.options.urls.length] as string;
    this.currentUrl = url;
    const Impl = this.options.WebSocketImpl ?? (globalThis as unknown as { WebSocket: new (url: string) => MinimalSocket }).WebSocket;
    const socket = new Impl(url);
    this.socket = socket;
    this.ready = false;
    socket.onopen = () => socket.send(JSON.stringify({ type: 'auth', token: this.options.token }));
    socket.onmessage = (ev) => this.onMessage(String(ev.data));
    socket.onerror = () => {};
    socket.onclose = (ev) => {
      if (this.socket !== socket) return;
      this.ready = false;
      this.options.onStatus?.({ connected: false, url });
      // Whatever was sent and not answered goes again (same idempotency key) on the next socket.
      for (const item of this.inFlight.values()) {
        item.sent = false;
        this.waiting.unshift(item);
      }
      this.inFlight.clear();
      if (ev.code === 4401 || ev.code === 4403) {
        const error = new ObjectsRequestError({ code: 'unauthorized', message: ev.reason || 'the token was refused' });
        for (const item of this.waiting.splice(0)) item.reject(error);
      }
      this.scheduleReconnect();
    };
  }

  private scheduleReconnect(): void {
    if (this.closed) return;
    const { initialMs, maxMs } = this.options.backoff ?? { initialMs: 200, maxMs: 5000 };
    const delay = Math.min(maxMs, initialMs * 1.5 ** this.attempt) * (0.5 + this.random());
    this.attempt += 1;
    this.urlIndex += 1;
    this.reconnects += 1;
    this.reconnectTimer = setTimeout(() => this.connect(), delay);
    this.pump(); // ops past their deadline fail now, not at the next connection
  }

  private onMessage(text: string): void {
    let message: { type?: string; requestId?: number; ok?: boolean; result?: unknown; error?: ObjectsClientError; event?: string; data?: unknown };
    try {
      message = JSON.parse(text);
    } catch {
      return;
    }
    if (message.type === 'hello') {
      this.ready = true;
      this.attempt = 0;
      this.options.onStatus?.({ connected: true, url: this.currentUrl });
      this.pump();
      return;
    }
    if (message.type === 'event' && message.event) {
      this.options.onEvent?.(message.event, message.data);
      return;
    }
    if (message.type !== 'response' || typeof message.requestId !== 'number') return;
    const item = this.inFlight.get(message.requestId);
    if (!item) return;
    this.inFlight.delete(message.requestId);
    if (message.ok) {
      item.resolve(message.result);
      return;
    }
    const error = message.error ?? { code: 'internal', message: 'no error body' };
    if (RETRYABLE.has(error.code) && Date.now() < item.deadline) {
      // A moment later, same key: Redis was away, or the budget was spent.
      setTimeout(() => {
        this.waiting.push(item);
        this.pump();
      }, 250 + this.random() * 750);
      return;
    }
    item.reject(new ObjectsRequestError(error));
  }

  private pump(): void {
    const now = Date.now();
    for (let i = this.waiting.length - 1; i >= 0; i--) {
      const item = this.waiting[i] as InFlight;
      if (now > item.deadline) {
        this.waiting.splice(i, 1);
        item.reject(new ObjectsRequestError({ code: 'unavailable', message: `${item.command} got no answer in time: no gateway could be reached` }));
      }
    }
    if (!this.ready || !this.socket || this.socket.readyState !== OPEN) return;
    while (this.waiting.length > 0) {
      const item = this.waiting.shift() as InFlight;
      const requestId = this.nextRequestId++;
      item.sent = true;
      this.inFlight.set(requestId, item);
      this.socket.send(JSON.stringify({ type: 'request', requestId, command: item.command, params: item.params }));
    }
  }
}
