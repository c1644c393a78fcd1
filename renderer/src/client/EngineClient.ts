/**
 * The one interface the control surface uses to talk to the engine. Two transports implement it:
 * WebSocket (a browser, remote control, the end-to-end tests) and Electron IPC (the desktop app).
 * Nothing else in the renderer knows which one is in use.
 */
import type { z } from 'zod';
import type { COMMANDS, CommandName, CommandResult, ErrorCode, EventMessage } from '../../../shared/protocol.ts';

/** What a caller may pass for a command: the schema's input type (defaults may be left out). */
export type CommandInput<N extends CommandName> = z.input<(typeof COMMANDS)[N]['params']>;

export interface EngineClient {
  /**
   * Resolves with the command's result (typed by the result schema in the command table, which the
   * engine checks every result against), rejects with a ClientError carrying the engine's message.
   */
  request<N extends CommandName>(command: N, params: CommandInput<N>): Promise<CommandResult<N>>;
  /** Every event the engine pushes; returns the unsubscribe function. */
  onEvent(listener: (message: EventMessage) => void): () => void;
  /** Connection changes (the IPC transport is always open). Optional for fakes. */
  onConnection?(listener: (status: ConnectionStatus) => void): () => void;
  close?(): void;
}

export interface ConnectionStatus {
  state: 'connecting' | 'open' | 'closed';
  /** Why the connection is not open, in words a producer can act on. */
  message?: string;
}

/** Codes the engine answers with, plus `disconnected` for requests cut off by the transport. */
export type ClientErrorCode = ErrorCode | 'disconnected';

/** An engine error as it crossed the wire: plain code and message (VS Code style). */
export class ClientError extends Error {
  readonly code: ClientErrorCode;
  constructor(code: ClientErrorCode, message: string) {
    super(message);
    this.name = 'ClientError';
    this.code = code;
  }
}

/** The `{ok, result | error}` envelope the HTTP API, the WebSocket and the IPC bridge all use. */
export type ResponseEnvelope =
  | { ok: true; result: unknown }
  | { ok: false; error: { code: ClientErrorCode; message: string } };

export function unwrapEnvelope(envelope: ResponseEnvelope): unknown {
  if (envelope.ok) return envelope.result;
  throw new ClientError(envelope.error.code, envelope.error.message);
}
