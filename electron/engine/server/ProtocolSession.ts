/**
 * One client's session of the control protocol, whatever carries it: the WebSocket API
 * (ApiServer), the objects socket (ObjectsGateway), the Electron IPC bridge (EngineBridge) and a
 * single HTTP command. It owns what is per client — the hello, request ids, which commands and
 * events this client gets (meters only after `meters.subscribe`), whether the token it came with
 * still holds, keeping stream keys in a secret store — and the one mapping of errors to
 * `{code, message}`. Transports only move bytes and check who connects.
 */
import {
  API_VERSION,
  COMMAND_NAMES,
  COMMANDS,
  type EventMessage,
  type EventName,
  ProtocolError,
  type ProtocolErrorBody,
  parseWsRequest,
  type WsResponse,
} from '../../../shared/protocol.ts';
import { describeZodError } from '../../../shared/show.ts';
import type { Caller } from '../objects/ObjectCommands.ts';
import { forgetDestinationSecret, rememberDestinationSecret } from '../secrets/BoundSecrets.ts';
import type { SecretStore } from '../secrets/SecretStore.ts';

/** What a session needs of the engine (Engine implements it; tests may fake it). */
export interface SessionEngine {
  dispatch(command: string, params: unknown, caller?: Caller): Promise<unknown>;
  onAnyEvent(listener: (message: EventMessage) => void): () => void;
}

/** The `{ok, result | error}` answer to one request, as every transport sends it. */
export type Envelope = { ok: true; result: unknown } | { ok: false; error: ProtocolErrorBody };

export const INTERNAL_ERROR_MESSAGE = 'The engine failed unexpectedly; the details are in the log.';

/**
 * Errors cross to clients as plain `{code, message}` (plus `reason` for refused object
 * operations). Anything that is not a ProtocolError is a bug: the client learns only that, since
 * its message may carry paths or other internals; the log gets the stack.
 */
export function protocolErrorBody(error: unknown): ProtocolErrorBody {
  if (error instanceof ProtocolError) return error.toJSON();
  return { code: 'internal', message: INTERNAL_ERROR_MESSAGE };
}

export interface ProtocolSessionOptions {
  engine: SessionEngine | Promise<SessionEngine>;
  /** Where this client's events go (and hello and responses on a socket). None: no events (HTTP). */
  send?: (message: unknown) => void;
  /** Who the client is; absent = the producer (the control API and the desktop UI). */
  caller?: Caller;
  /** Refuses a command this client may not run (answer = the error it gets); default: all allowed. */
  refuseCommand?: (command: string) => ProtocolErrorBody | undefined;
  /** The only events this client hears; default: all (meters.updated only once subscribed). */
  events?: ReadonlySet<EventName>;
  /** The token the client came with: false once revoked; then `onTokenInvalid` (close the socket). */
  tokenStillValid?: () => boolean;
  onTokenInvalid?: () => void;
  /** Rate limit (per connection or per token): the error when this request is over it. */
  overLimit?: () => ProtocolErrorBody | undefined;
  /** The producer's reason when this client is blocked (object.blockClient); then `onBlocked` (close the socket). */
  blockedFor?: () => string | undefined;
  onBlocked?: () => void;
  /** What this client may see of an event / a result (the objects socket: the audience's view). */
  viewEvent?: (message: EventMessage) => EventMessage;
  viewResult?: (command: string, result: unknown) => unknown;
  /** Stream keys of destinations this client adds are kept here (the desktop's keychain store). */
  secrets?: SecretStore | Promise<SecretStore | undefined>;
  /** Where internal errors are logged (command name and stack; never params: they may hold keys). */
  log?: (line: string) => void;
}

const TOKEN_GONE: ProtocolErrorBody = { code: 'unauthorized', message: 'this token is no longer valid: ask the producer for a new link' };

export class ProtocolSession {
  private meters = false;
  private closed = false;
  private unsubscribe: (() => void) | undefined;
  private tokenGone = false;
  private blocked = false;

  constructor(private readonly options: ProtocolSessionOptions) {
    const send = options.send;
    if (!send) return;
    Promise.resolve(options.engine).then(
      (engine) => {
        if (this.closed) return;
        this.unsubscribe = engine.onAnyEvent((message) => {
          if (this.options.events && !this.options.events.has(message.event)) return;
          if (message.event === 'meters.updated' && !this.meters) return;
          // A client whose token is gone stops hearing the show too.
          if (!this.tokenValid()) return this.tokenInvalid();
          send(this.options.viewEvent ? this.options.viewEvent(message) : message);
        });
      },
      () => {},
    );
  }

  /** The first message on a socket: protocol version, commands, and what the transport adds. */
  hello(extra: Record<string, unknown> = {}, commands: readonly string[] = COMMAND_NAMES): void {
    this.options.send?.({ type: 'hello', apiVersion: API_VERSION, commands: [...commands], ...extra });
  }

  /** Runs one request for this client; never throws. */
  async request(command: string, params: unknown): Promise<Envelope> {
    if (!this.tokenValid()) {
      this.tokenGone = true;
      return { ok: false, error: TOKEN_GONE };
    }
    const blocked = this.options.blockedFor?.();
    if (blocked !== undefined) {
      this.blocked = true;
      return { ok: false, error: { code: 'unauthorized', message: `blocked by the producer: ${blocked}` } };
    }
    const refused = this.options.refuseCommand?.(command);
    if (refused) return { ok: false, error: refused };
    const limited = this.options.overLimit?.();
    if (limited) return { ok: false, error: limited };
    try {
      if (command === 'meters.subscribe') return { ok: true, result: this.subscribeMeters(params) };
      const engine = await this.options.engine;
      const result = await engine.dispatch(command, params, ...(this.options.caller ? [this.options.caller] : []));
      await this.keepSecrets(command, params);
      return { ok: true, result: this.options.viewResult ? this.options.viewResult(command, result) : result };
    } catch (error) {
      const body = protocolErrorBody(error);
      if (body.code === 'internal') this.options.log?.(`${command} failed: ${(error as Error)?.stack ?? String(error)}`);
      return { ok: false, error: body };
    }
  }

  /** One WebSocket text frame: a request in, its response out (with the client's requestId). */
  async onFrame(text: string): Promise<void> {
    const parsed = parseWsRequest(text);
    if (!parsed.ok) {
      this.options.send?.({ type: 'response', requestId: -1, ok: false, error: { code: 'invalid_request', message: parsed.message } });
      return;
    }
    const { requestId, command, params } = parsed.request;
    const envelope = await this.request(command, params);
    const response: WsResponse = { type: 'response', requestId, ...envelope };
    this.options.send?.(response);
    if (this.tokenGone) this.tokenInvalid();
    else if (this.blocked) this.options.onBlocked?.();
  }

  close(): void {
    this.closed = true;
    this.unsubscribe?.();
    this.unsubscribe = undefined;
  }

  /** meters.subscribe is the session's own: meters are per client (about 10 a second). */
  private subscribeMeters(params: unknown): { enabled: boolean } {
    const parsed = COMMANDS['meters.subscribe'].params.safeParse(params ?? {});
    if (!parsed.success) throw new ProtocolError('invalid_params', `meters.subscribe: ${describeZodError(parsed.error)}`);
    this.meters = parsed.data.enabled;
    return { enabled: this.meters };
  }

  /** After a destination.add / destination.remove the engine accepted: its key is kept / dropped. */
  private async keepSecrets(command: string, params: unknown): Promise<void> {
    if (command !== 'destination.add' && command !== 'destination.remove') return;
    const secrets = await this.options.secrets;
    if (!secrets) return;
    if (command === 'destination.add') rememberDestinationSecret(params, secrets);
    else forgetDestinationSecret(params, secrets);
  }

  private tokenValid(): boolean {
    return this.options.tokenStillValid?.() ?? true;
  }

  private tokenInvalid(): void {
    this.options.onTokenInvalid?.();
  }
}
