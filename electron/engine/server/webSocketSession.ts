/**
 * A ProtocolSession carried by one WebSocket: text frames in, JSON out. A client that stops
 * reading is cut off once `maxBuffered` bytes wait for it, rather than buffering forever.
 */
import { WebSocket } from 'ws';
import { ProtocolSession, type ProtocolSessionOptions } from './ProtocolSession.ts';

export interface WebSocketSessionOptions extends Omit<ProtocolSessionOptions, 'send'> {
  maxBuffered: number;
  /** Fields the transport adds to the hello (the objects socket says who you are). */
  hello?: Record<string, unknown>;
  /** The commands the hello lists (default: all). */
  helloCommands?: readonly string[];
}

/**
 * One event goes to every socket as the same object: serialize it once, not once per socket (a
 * gateway sends each change to thousands). Messages are never changed after they are sent.
 */
const serialized = new WeakMap<object, string>();
function toJson(message: unknown): string {
  if (typeof message !== 'object' || message === null) return JSON.stringify(message);
  let text = serialized.get(message);
  if (text === undefined) {
    text = JSON.stringify(message);
    serialized.set(message, text);
  }
  return text;
}

export function openWebSocketSession(ws: WebSocket, options: WebSocketSessionOptions): ProtocolSession {
  const send = (message: unknown) => {
    if (ws.bufferedAmount > options.maxBuffered) return ws.terminate();
    if (ws.readyState === WebSocket.OPEN) ws.send(toJson(message));
  };
  const session = new ProtocolSession({ ...options, send });
  session.hello(options.hello, options.helloCommands);
  ws.on('close', () => session.close());
  // A frame over maxPayload (or any protocol error) closes this socket (1009/1002); without a
  // listener the error would be thrown and take the whole engine down.
  ws.on('error', () => ws.terminate());
  ws.on('message', (data) => void session.onFrame(String(data)));
  return session;
}
