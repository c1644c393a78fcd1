/**
 * Relays the renderer's requests to the engine and the engine's events back, for one window.
 * Every request is validated first (ipcValidation.ts). The desktop-only parts live here too:
 * meters are sent only to a window that subscribed (like the WebSocket), and stream keys are kept
 * in the SecretStore (keyed by destination id, where the engine looks for them) when destinations
 * are added, and dropped when they are removed.
 * No Electron import: main.ts connects it to ipcMain and webContents.
 */
import type { EngineState, EventMessage } from '../../shared/protocol.ts';
import { errorBody, validateIpcRequest } from './ipcValidation.ts';
import { rememberSecret, type SecretStore } from './SecretStore.ts';

export interface EngineLike {
  dispatch(command: string, params: unknown): Promise<unknown>;
  getState(): EngineState;
  onAnyEvent(listener: (message: EventMessage) => void): () => void;
}

export type Envelope = { ok: true; result: unknown } | { ok: false; error: { code: string; message: string } };

export interface BridgeOptions {
  /** Where stream keys are kept (the desktop's safeStorage file); may still be opening. */
  secrets?: SecretStore | Promise<SecretStore>;
  log?: (line: string) => void;
}

/** One renderer's view of the bridge. */
export interface BridgeSession {
  request(payload: unknown): Promise<Envelope>;
  close(): void;
}

export class EngineBridge {
  constructor(
    private readonly engine: Promise<EngineLike>,
    private readonly options: BridgeOptions = {},
  ) {}

  /** Starts relaying events to `send`; the session answers that renderer's requests. */
  open(send: (message: EventMessage) => void): BridgeSession {
    let meters = false;
    let closed = false;
    let off: (() => void) | undefined;
    this.engine.then(
      (engine) => {
        if (closed) return;
        off = engine.onAnyEvent((message) => {
          if (message.event === 'meters.updated' && !meters) return;
          send(message);
        });
      },
      () => {},
    );
    return {
      request: async (payload) => {
        const checked = validateIpcRequest(payload);
        if (!checked.ok) return { ok: false, error: checked.error };
        if (checked.command === 'meters.subscribe') {
          meters = (checked.params as { enabled: boolean }).enabled;
          return { ok: true, result: { enabled: meters } };
        }
        try {
          const engine = await this.engine;
          return { ok: true, result: await this.dispatch(engine, checked.command, checked.params) };
        } catch (error) {
          const body = errorBody(error);
          // Never log params: they may hold stream keys.
          if (body.code === 'internal') this.options.log?.(`${checked.command} failed: ${(error as Error)?.stack ?? String(error)}`);
          return { ok: false, error: body };
        }
      },
      close: () => {
        closed = true;
        off?.();
      },
    };
  }

  private async dispatch(engine: EngineLike, command: string, params: unknown): Promise<unknown> {
    const secrets = await this.options.secrets;
    if (!secrets) return engine.dispatch(command, params);
    switch (command) {
      case 'destination.add': {
        const result = await engine.dispatch(command, params);
        rememberSecret(params, secrets);
        return result;
      }
      case 'destination.remove': {
        const result = await engine.dispatch(command, params);
        secrets.delete((params as { id: string }).id);
        return result;
      }
      default:
        return engine.dispatch(command, params);
    }
  }
}
