/**
 * Entry point: pick the transport (the preload's IPC bridge in the desktop app, else the engine's
 * WebSocket at this page's origin), connect the store, render the desk.
 */
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { UI_API_VERSION } from './client/apiVersion.ts';
import type { EngineClient } from './client/EngineClient.ts';
import { IpcClient } from './client/IpcClient.ts';
import { engineSocketUrl, takeTokenFromUrl, WebSocketClient } from './client/WebSocketClient.ts';
import { App } from './components/App.tsx';
import { connectEngine } from './store/actions.ts';
import { useCutline } from './store/store.ts';
import './styles.css';

function chooseClient(): EngineClient {
  if (window.cutline) return new IpcClient(window.cutline);
  // Keep a token given once in the URL (#token=…, as `cutline serve` prints it) for this tab, then
  // drop it from the address bar so it is not bookmarked or shared by accident.
  const { token, cleanUrl } = takeTokenFromUrl(location);
  if (token) {
    sessionStorage.setItem('cutline.token', token);
    history.replaceState(null, '', cleanUrl);
  }
  const stored = sessionStorage.getItem('cutline.token') ?? undefined;
  return new WebSocketClient({ url: engineSocketUrl(location), apiVersion: UI_API_VERSION, ...(stored ? { token: stored } : {}) });
}

connectEngine(chooseClient());

// The unsaved-changes warning: the browser asks, and the desktop app's main process asks in its
// own dialog (will-prevent-unload).
window.addEventListener('beforeunload', (e) => {
  if (useCutline.getState().dirty) e.preventDefault();
});

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
