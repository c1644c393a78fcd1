/**
 * The whole desktop bridge: two functions on one channel, nothing else (no ipcRenderer, no Node).
 * `request` resolves with the `{ok, result | error}` envelope the HTTP API also uses; `onEvent`
 * receives the engine's events. The main process checks the sender and every payload.
 * Runs sandboxed, so it is bundled to one CommonJS file that only requires 'electron'.
 */
import { contextBridge, type IpcRendererEvent, ipcRenderer } from 'electron';

// Keep in step with electron/main/ipcValidation.ts (not imported: that would bundle zod here).
const CHANNEL = 'cutline:engine';

contextBridge.exposeInMainWorld('cutline', {
  request(command: string, params: unknown): Promise<unknown> {
    return ipcRenderer.invoke(CHANNEL, { command, params });
  },
  onEvent(listener: (message: unknown) => void): () => void {
    const relay = (_event: IpcRendererEvent, message: unknown) => listener(message);
    ipcRenderer.on(CHANNEL, relay);
    return () => {
      ipcRenderer.removeListener(CHANNEL, relay);
    };
  },
});
