/**
 * Relays the renderer's requests to the engine and the engine's events back, for one window:
 * one ProtocolSession per window (electron/engine/server/ProtocolSession.ts), as the WebSocket
 * API has one per socket. Every request is validated first (ipcValidation.ts); the session
 * sends meters only to a window that subscribed and keeps stream keys in the SecretStore (keyed
 * by destination id, where the engine looks for them) when destinations are added, and drops
 * them when they are removed.
 * No Electron import: main.ts connects it to ipcMain and webContents.
 */
import type { EngineState, EventMessage } from '../../shared/protocol.ts';
import { type Envelope, ProtocolSession } from '../engine/server/ProtocolSession.ts';
import { validateIpcRequest } from './ipcValidation.ts';
import type { SecretStore } from './SecretStore.ts';

export interface EngineLike {
  dispatch(command: string, params: unknown): Promise<unknown>;
  getState(): EngineState;
  onAnyEvent(listener: (message: EventMessage) => void): () => void;
}

export type { Envelope };

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
    const session = new ProtocolSession({
      engine: this.engine,
      send: (message) => send(message as EventMessage),
      ...(this.options.secrets ? { secrets: this.options.secrets } : {}),
      ...(this.options.log ? { log: this.options.log } : {}),
    });
    return {
      request: async (payload) => {
        const checked = validateIpcRequest(payload);
        if (!checked.ok) return { ok: false, error: checked.error };
        return session.request(checked.command, checked.params);
      },
      close: () => session.close(),
    };
  }
}
