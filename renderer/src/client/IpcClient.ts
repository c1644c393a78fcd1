/**
 * The desktop transport: the preload's `window.cutline` (two functions on one IPC channel). The
 * main process validates every request and answers with the same envelope as the HTTP API.
 */
import type { CommandName, CommandResult, EventMessage } from '../../../shared/protocol.ts';
import type { CommandInput, EngineClient, ResponseEnvelope } from './EngineClient.ts';
import { ClientError, unwrapEnvelope } from './EngineClient.ts';

/** Exactly what electron/preload exposes. */
export interface CutlineBridge {
  request(command: string, params: unknown): Promise<ResponseEnvelope>;
  onEvent(listener: (message: EventMessage) => void): () => void;
}

declare global {
  interface Window {
    cutline?: CutlineBridge;
  }
}

export class IpcClient implements EngineClient {
  constructor(private readonly bridge: CutlineBridge) {}

  async request<N extends CommandName>(command: N, params: CommandInput<N>): Promise<CommandResult<N>> {
    let envelope: ResponseEnvelope;
    try {
      envelope = await this.bridge.request(command, params);
    } catch (error) {
      throw new ClientError('internal', `The desktop bridge failed: ${(error as Error).message}`);
    }
    // The one place a result gets its type: the engine checked it against the table's schema.
    return unwrapEnvelope(envelope) as CommandResult<N>;
  }

  onEvent(listener: (message: EventMessage) => void): () => void {
    return this.bridge.onEvent(listener);
  }
}
