/** The WebSocket transport: hello, request/response matching, errors, events, reconnect. */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ClientError } from '../../renderer/src/client/EngineClient.ts';
import { engineSocketUrl, socketProtocols, takeTokenFromUrl, WebSocketClient } from '../../renderer/src/client/WebSocketClient.ts';

class FakeSocket {
  static all: FakeSocket[] = [];
  readyState = 0;
  sent: string[] = [];
  onmessage: ((e: { data: string }) => void) | null = null;
  onclose: (() => void) | null = null;
  onerror: (() => void) | null = null;
  constructor(
    readonly url: string,
    readonly protocols?: string | string[],
  ) {
    FakeSocket.all.push(this);
  }
  send(data: string) {
    this.sent.push(data);
  }
  close() {
    this.readyState = 3;
    this.onclose?.();
  }
  serverOpens(apiVersion = 1) {
    this.readyState = 1;
    this.receive({ type: 'hello', apiVersion, commands: ['state.get'] });
  }
  receive(message: unknown) {
    this.onmessage?.({ data: JSON.stringify(message) });
  }
  requests() {
    return this.sent.map((s) => JSON.parse(s) as { requestId: number; command: string; params: unknown });
  }
}

const make = () => new WebSocketClient({ url: 'ws://127.0.0.1:7710/api/v1/ws', apiVersion: 1, WebSocketImpl: FakeSocket as unknown as typeof WebSocket });

afterEach(() => {
  FakeSocket.all = [];
  vi.useRealTimers();
});

describe('WebSocketClient', () => {
  it('waits for hello, then sends queued requests and matches responses by id', async () => {
    const client = make();
    const socket = FakeSocket.all[0];
    const a = client.request('state.get', {});
    const b = client.request('audio.set', { id: 'cam', gainDb: -6 });
    expect(socket.sent).toHaveLength(0);
    socket.serverOpens();
    const [ra, rb] = socket.requests();
    expect(rb).toMatchObject({ type: 'request', command: 'audio.set', params: { id: 'cam', gainDb: -6 } });
    socket.receive({ type: 'response', requestId: rb.requestId, ok: true, result: { gainDb: -6 } });
    socket.receive({ type: 'response', requestId: ra.requestId, ok: false, error: { code: 'internal', message: 'boom' } });
    await expect(b).resolves.toEqual({ gainDb: -6 });
    const error = await a.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ClientError);
    expect(error).toMatchObject({ code: 'internal', message: 'boom' });
  });

  it('passes events to listeners and reports the connection', () => {
    const client = make();
    const states: string[] = [];
    client.onConnection((s) => states.push(s.state));
    const events: string[] = [];
    client.onEvent((m) => events.push(m.event));
    FakeSocket.all[0].serverOpens();
    FakeSocket.all[0].receive({ type: 'event', event: 'program.stats', data: {} });
    expect(events).toEqual(['program.stats']);
    expect(states).toEqual(['connecting', 'open']);
  });

  it('says so when the engine speaks another API version', () => {
    const client = make();
    const messages: (string | undefined)[] = [];
    client.onConnection((s) => messages.push(s.message));
    FakeSocket.all[0].serverOpens(2);
    expect(messages.at(-1)).toMatch(/API version 2/);
  });

  it('fails requests cut off by a lost connection, and reconnects', async () => {
    vi.useFakeTimers();
    const client = make();
    const statuses: { state: string; message?: string }[] = [];
    client.onConnection((s) => statuses.push(s));
    FakeSocket.all[0].serverOpens();
    const pending = client.request('destination.startAll', {});
    FakeSocket.all[0].close();
    await expect(pending).rejects.toMatchObject({ code: 'disconnected' });
    expect(statuses.at(-1)?.message).toMatch(/reconnecting/);
    await vi.advanceTimersByTimeAsync(300);
    expect(FakeSocket.all).toHaveLength(2);
    FakeSocket.all[1].serverOpens();
    expect(statuses.at(-1)?.state).toBe('open');
    client.close();
  });

  it('finds the engine at the page origin, or ?engine=, and never puts the token in the URL', () => {
    expect(engineSocketUrl({ protocol: 'http:', host: '127.0.0.1:7710', search: '' })).toBe('ws://127.0.0.1:7710/api/v1/ws');
    expect(engineSocketUrl({ protocol: 'https:', host: 'desk.example', search: '?token=a b' })).toBe('wss://desk.example/api/v1/ws');
    expect(engineSocketUrl({ protocol: 'http:', host: 'localhost:5173', search: '?engine=127.0.0.1:7710' })).toBe('ws://127.0.0.1:7710/api/v1/ws');
  });

  it('offers the token as a base64url subprotocol beside cutline.v1, and only cutline.v1 without one', () => {
    expect(socketProtocols(undefined)).toEqual(['cutline.v1']);
    const [ours, carrier] = socketProtocols('tök en/+=');
    expect(ours).toBe('cutline.v1');
    expect(carrier).toMatch(/^cutline\.token\.[A-Za-z0-9_-]+$/);
    expect(Buffer.from(carrier.slice('cutline.token.'.length), 'base64url').toString('utf8')).toBe('tök en/+=');
    new WebSocketClient({ url: 'ws://127.0.0.1:7710/api/v1/ws', token: 'secret-123', apiVersion: 1, WebSocketImpl: FakeSocket as unknown as typeof WebSocket });
    expect(FakeSocket.all[0].url).not.toContain('secret');
    expect(FakeSocket.all[0].protocols).toEqual(socketProtocols('secret-123'));
  });

  it('takes the token from #token= (or the older ?token=) and gives the URL without it', () => {
    expect(takeTokenFromUrl({ pathname: '/', search: '', hash: '#token=abc123' })).toEqual({ token: 'abc123', cleanUrl: '/' });
    expect(takeTokenFromUrl({ pathname: '/', search: '?engine=h:1&token=old', hash: '' })).toEqual({ token: 'old', cleanUrl: '/?engine=h%3A1' });
    expect(takeTokenFromUrl({ pathname: '/desk', search: '', hash: '' })).toEqual({ token: undefined, cleanUrl: '/desk' });
  });
});
