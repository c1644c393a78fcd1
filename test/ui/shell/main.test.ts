/**
 * The main process's wiring, run against a stand-in for the `electron` module (the real binary
 * cannot be downloaded here): the window's security settings, the app protocol, the IPC gate
 * (sender and payload), navigation and pop-up blocking, single instance, and the quit sequence.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it, vi } from 'vitest';

type Listener = (...args: unknown[]) => unknown;

const h = vi.hoisted(() => {
  class Emitter {
    listeners = new Map<string, Listener[]>();
    on(event: string, fn: Listener) {
      this.listeners.set(event, [...(this.listeners.get(event) ?? []), fn]);
      return this;
    }
    once(event: string, fn: Listener) {
      return this.on(event, fn);
    }
    emit(event: string, ...args: unknown[]) {
      for (const fn of this.listeners.get(event) ?? []) fn(...args);
    }
  }
  const state = {
    windows: [] as { options: Record<string, unknown>; loaded: string[]; closed: number; focused: number; webContents: Emitter & Record<string, unknown> }[],
    ipc: new Map<string, Listener>(),
    privileged: [] as unknown[],
    protocolHandlers: new Map<string, Listener>(),
    permissionHandler: undefined as Listener | undefined,
    quitCalls: 0,
    engine: { dispatched: [] as { command: string; params: unknown }[], closed: 0 },
    Emitter,
  };
  return state;
});

vi.mock('electron', () => {
  const app = new h.Emitter() as InstanceType<typeof h.Emitter> & Record<string, unknown>;
  Object.assign(app, {
    isPackaged: false,
    name: 'Cutline',
    requestSingleInstanceLock: () => true,
    whenReady: () => Promise.resolve(),
    getPath: () => mkdtempSync(join(tmpdir(), 'cutline-userdata-')),
    getVersion: () => '0.1.0',
    quit: () => {
      h.quitCalls++;
    },
  });
  class BrowserWindow extends h.Emitter {
    webContents: InstanceType<typeof h.Emitter> & Record<string, unknown>;
    record: (typeof h.windows)[number];
    constructor(options: Record<string, unknown>) {
      super();
      const contents = new h.Emitter() as InstanceType<typeof h.Emitter> & Record<string, unknown>;
      const mainFrame = { url: 'app://cutline/index.html' };
      Object.assign(contents, { id: h.windows.length + 1, mainFrame, sent: [] as unknown[], isDestroyed: () => false });
      contents.send = (channel: string, message: unknown) => (contents.sent as unknown[]).push([channel, message]);
      this.webContents = contents;
      this.record = { options, loaded: [], closed: 0, focused: 0, webContents: contents };
      h.windows.push(this.record);
      app.emit('web-contents-created', {}, Object.assign(contents, { setWindowOpenHandler: (fn: Listener) => (contents.openHandler = fn) }));
    }
    loadURL(url: string) {
      this.record.loaded.push(url);
      return Promise.resolve();
    }
    close() {
      this.record.closed++;
      this.emit('close', { preventDefault: () => {} });
      this.emit('closed');
    }
    destroy() {
      this.emit('closed');
    }
    isMinimized() {
      return false;
    }
    isDestroyed() {
      return false;
    }
    restore() {}
    show() {}
    maximize() {}
    focus() {
      this.record.focused++;
    }
    getBounds() {
      return { width: 1440, height: 880 };
    }
  }
  const defaultSession = {
    setPermissionRequestHandler: (fn: Listener) => (h.permissionHandler = fn),
    setPermissionCheckHandler: () => {},
    webRequest: { onHeadersReceived: () => {} },
  };
  return {
    app,
    BrowserWindow,
    ipcMain: { handle: (channel: string, fn: Listener) => h.ipc.set(channel, fn) },
    protocol: {
      registerSchemesAsPrivileged: (schemes: unknown[]) => h.privileged.push(...schemes),
      handle: (scheme: string, fn: Listener) => h.protocolHandlers.set(scheme, fn),
    },
    session: { defaultSession },
    dialog: { showErrorBox: () => {}, showMessageBox: async () => ({ response: 0 }), showOpenDialog: async () => ({ canceled: true, filePaths: [] }) },
    Menu: { buildFromTemplate: (t: unknown) => t, setApplicationMenu: () => {} },
    shell: { openExternal: async () => {} },
    safeStorage: { isEncryptionAvailable: () => false, getSelectedStorageBackend: () => 'basic_text', encryptString: () => Buffer.alloc(0), decryptString: () => '' },
    screen: { getPrimaryDisplay: () => ({ workAreaSize: { width: 1920, height: 1080 } }) },
    net: { fetch: async () => new Response('') },
  };
});

vi.mock('../../../electron/engine/Engine.ts', async () => {
  const { sampleState } = await import('../fakes.ts');
  class Engine {
    static async create() {
      return new Engine();
    }
    async dispatch(command: string, params: unknown) {
      h.engine.dispatched.push({ command, params });
      return { ran: command };
    }
    getState() {
      return sampleState();
    }
    onAnyEvent() {
      return () => {};
    }
    async close() {
      h.engine.closed++;
    }
  }
  return { Engine };
});

const settle = () => new Promise((r) => setTimeout(r, 20));

describe('the main process', () => {
  beforeAll(async () => {
    await import('../../../electron/main/main.ts');
    await settle();
  });

  const win = () => h.windows[0];
  const invoke = (payload: unknown, frame?: { url: string }) => {
    const contents = win().webContents;
    const senderFrame = frame ?? (contents.mainFrame as { url: string });
    return h.ipc.get('cutline:engine')!({ sender: contents, senderFrame }, payload) as Promise<{ ok: boolean; error?: { code: string } }>;
  };

  it('opens one sandboxed, context-isolated window without Node, on the app:// protocol', () => {
    expect(h.windows).toHaveLength(1);
    const prefs = win().options.webPreferences as Record<string, unknown>;
    expect(prefs).toMatchObject({ contextIsolation: true, sandbox: true, nodeIntegration: false, webSecurity: true, webviewTag: false });
    expect(String(prefs.preload)).toMatch(/preload\.cjs$/);
    expect(win().loaded).toEqual(['app://cutline/index.html']);
    expect(h.privileged).toEqual([{ scheme: 'app', privileges: { standard: true, secure: true, supportFetchAPI: true } }]);
    expect(h.protocolHandlers.has('app')).toBe(true);
  });

  it('relays a valid request from our page to the engine', async () => {
    expect(await invoke({ command: 'layout.set', params: { preset: 'solo', sources: ['cam-a'] } })).toEqual({ ok: true, result: { ran: 'layout.set' } });
    expect(h.engine.dispatched.at(-1)).toMatchObject({ command: 'layout.set', params: { preset: 'solo', sources: ['cam-a'] } });
  });

  it('refuses other senders and malformed payloads before the engine sees them', async () => {
    const before = h.engine.dispatched.length;
    expect(await invoke({ command: 'state.get', params: {} }, { url: 'https://evil.example/' })).toMatchObject({ ok: false, error: { code: 'unauthorized' } });
    // A frame that is not the window's main frame (an iframe), even with our URL.
    expect(await invoke({ command: 'state.get', params: {} }, { url: 'app://cutline/index.html' })).toMatchObject({ ok: false, error: { code: 'unauthorized' } });
    expect(await invoke({ command: 'source.add', params: { id: 'x', kind: 'shell', cmd: 'rm -rf /' } })).toMatchObject({ ok: false, error: { code: 'invalid_params' } });
    expect(await invoke({ command: 'engine.eval', params: {} })).toMatchObject({ ok: false, error: { code: 'unknown_command' } });
    expect(h.engine.dispatched.length).toBe(before);
  });

  it('blocks navigation and new windows, and grants no permission but clipboard writes', () => {
    const contents = win().webContents;
    let prevented = 0;
    contents.emit('will-navigate', { preventDefault: () => prevented++ }, 'https://evil.example/');
    contents.emit('will-redirect', { preventDefault: () => prevented++ }, 'https://evil.example/');
    expect(prevented).toBe(2);
    expect((contents.openHandler as Listener)({ url: 'https://evil.example/' })).toEqual({ action: 'deny' });
    const ask = (permission: string) => {
      let granted: boolean | undefined;
      h.permissionHandler?.({}, permission, (ok: boolean) => (granted = ok));
      return granted;
    };
    expect(['media', 'geolocation', 'notifications', 'openExternal'].map(ask)).toEqual([false, false, false, false]);
    // Copying a guest link is the one thing a page may do.
    expect(ask('clipboard-sanitized-write')).toBe(true);
  });

  it('a second launch focuses the first window', async () => {
    const { app } = (await import('electron')) as unknown as { app: InstanceType<typeof h.Emitter> };
    app.emit('second-instance');
    expect(win().focused).toBe(1);
    expect(h.windows).toHaveLength(1);
  });

  it('quits by closing the window, stopping destinations, closing the engine, then exiting', async () => {
    const { app } = (await import('electron')) as unknown as { app: InstanceType<typeof h.Emitter> };
    let prevented = false;
    app.emit('before-quit', { preventDefault: () => (prevented = true) });
    await settle();
    expect(prevented).toBe(true);
    expect(win().closed).toBe(1);
    expect(h.engine.dispatched.at(-1)).toEqual({ command: 'destination.stopAll', params: {} });
    expect(h.engine.closed).toBe(1);
    expect(h.quitCalls).toBe(1);
    // The final quit is let through.
    let preventedAgain = false;
    app.emit('before-quit', { preventDefault: () => (preventedAgain = true) });
    expect(preventedAgain).toBe(false);
  });
});

describe('the preload', () => {
  it('exposes exactly request and onEvent, over one channel', async () => {
    vi.resetModules();
    const exposed: Record<string, unknown> = {};
    const invoked: unknown[] = [];
    const listeners = new Map<string, Listener[]>();
    vi.doMock('electron', () => ({
      contextBridge: { exposeInMainWorld: (key: string, api: unknown) => (exposed[key] = api) },
      ipcRenderer: {
        invoke: async (...args: unknown[]) => invoked.push(args),
        on: (channel: string, fn: Listener) => listeners.set(channel, [...(listeners.get(channel) ?? []), fn]),
        removeListener: (channel: string, fn: Listener) => listeners.set(channel, (listeners.get(channel) ?? []).filter((f) => f !== fn)),
      },
    }));
    await import('../../../electron/preload/preload.ts');
    const { IPC_CHANNEL } = await import('../../../electron/main/ipcValidation.ts');
    expect(Object.keys(exposed)).toEqual(['cutline']);
    const api = exposed.cutline as { request: Listener; onEvent: (cb: Listener) => () => void };
    expect(Object.keys(api).sort()).toEqual(['onEvent', 'request']);
    await api.request('state.get', {});
    expect(invoked).toEqual([[IPC_CHANNEL, { command: 'state.get', params: {} }]]);
    const got: unknown[] = [];
    const off = api.onEvent((m) => got.push(m));
    expect([...listeners.keys()]).toEqual([IPC_CHANNEL]);
    // The renderer never sees the IPC event object, only the message.
    for (const fn of listeners.get(IPC_CHANNEL)!) fn({ sender: 'ipc internals' }, { type: 'event', event: 'program.stats', data: {} });
    expect(got).toEqual([{ type: 'event', event: 'program.stats', data: {} }]);
    off();
    expect(listeners.get(IPC_CHANNEL)).toEqual([]);
  });
});
