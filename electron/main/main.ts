/**
 * The desktop app's main process: one window, the engine in this process, the IPC bridge between
 * them, menus, secrets and an orderly quit. Security follows Electron's checklist: a sandboxed,
 * context-isolated renderer without Node, served from our own `app://` protocol with a strict CSP,
 * no navigation, no new windows, no permissions, and every IPC message checked for its sender and
 * its shape. Why the engine runs here and not in a utilityProcess: docs/UI.md.
 */
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { app, BrowserWindow, dialog, type IpcMainInvokeEvent, ipcMain, net, protocol, safeStorage, screen, session, shell, type WebContents } from 'electron';
import { Engine } from '../engine/Engine.ts';
import { ApiServer } from '../engine/server/ApiServer.ts';
import { contentSecurityPolicy } from './csp.ts';
import { EngineBridge, type EngineLike } from './EngineBridge.ts';
import { packagedFfmpegPath } from './ffmpegPath.ts';
import { IPC_CHANNEL } from './ipcValidation.ts';
import { installMenu, showAbout } from './menu.ts';
import { EncryptedFileSecretStore } from './SecretStore.ts';
import { APP_ENTRY_URL, APP_SCHEME, isTrustedUrl, mimeType, resolveAppFile } from './trust.ts';

const DEV_SERVER_URL = app.isPackaged ? undefined : process.env.CUTLINE_DEV_SERVER_URL;
// dist/electron/main.cjs → dist/renderer
const RENDERER_DIR = join(__dirname, '..', 'renderer');
const CSP = contentSecurityPolicy('header');
const log = (line: string) => process.stderr.write(`[cutline] ${line}\n`);
const delay = (ms: number) => new Promise<undefined>((resolve) => setTimeout(() => resolve(undefined), ms));

protocol.registerSchemesAsPrivileged([{ scheme: APP_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true } }]);

if (!app.requestSingleInstanceLock()) {
  // A second launch only brings the first one forward (see 'second-instance' below).
  app.quit();
} else {
  let win: BrowserWindow | null = null;
  let engine: Engine | undefined;
  let mediaServer: ApiServer | undefined;
  let ffmpegVersion = 'starting…';
  let quitState: 'running' | 'asking' | 'stopping' | 'done' = 'running';
  /** The producer already agreed to stop running streams. */
  let liveConfirmed = false;

  app.on('second-instance', () => {
    if (!win) return;
    if (win.isMinimized()) win.restore();
    win.show();
    win.focus();
  });

  // Every web contents, present or future: no navigation, no pop-ups, no <webview>.
  app.on('web-contents-created', (_event, contents) => {
    contents.on('will-navigate', (event) => event.preventDefault());
    contents.on('will-redirect', (event) => event.preventDefault());
    contents.on('will-attach-webview', (event) => event.preventDefault());
    contents.setWindowOpenHandler(({ url }) => {
      // Links to documentation open in the user's browser; nothing opens inside the app.
      if (/^https:\/\//i.test(url)) void shell.openExternal(url);
      return { action: 'deny' };
    });
  });

  const ready = app.whenReady();
  const secrets = ready.then(
    () =>
      new EncryptedFileSecretStore(
        join(app.getPath('userData'), 'secrets.json'),
        {
          // Linux without a keyring falls back to 'basic_text', which is not encryption.
          strong: () =>
            safeStorage.isEncryptionAvailable() && (process.platform !== 'linux' || safeStorage.getSelectedStorageBackend() !== 'basic_text'),
          encrypt: (plain) => safeStorage.encryptString(plain),
          decrypt: (cipher) => safeStorage.decryptString(cipher),
        },
        log,
      ),
  );

  const enginePromise: Promise<Engine> = ready.then(async () => {
    const bundled = app.isPackaged ? packagedFfmpegPath(process.resourcesPath, process.platform, process.arch, join) : undefined;
    const ffmpegPath = process.env.CUTLINE_FFMPEG ?? (bundled && existsSync(bundled) ? bundled : undefined);
    if (bundled && !ffmpegPath) log(`bundled ffmpeg missing at ${bundled}; falling back to ffmpeg on PATH`);
    const showArg = startupShowPath();
    // The opened show's folder is a media folder, as for `cutline run` (docs/SECURITY.md).
    const created = await Engine.create({ ffmpegPath, show: await startupShow(), secrets: await secrets, dataDir: app.getPath('userData'), log, ...(showArg ? { showDir: dirname(resolve(showArg)) } : {}) });
    engine = created;
    ffmpegVersion = created.getState().ffmpeg.version;
    // Monitors (WHEP), guest links (WHIP) and the viewer need HTTP. The window itself talks to the
    // engine over IPC; this loopback server carries media signalling, and its API needs a random
    // token nobody is given. CUTLINE_PORT fixes the port (e.g. for port forwarding to guests).
    try {
      mediaServer = new ApiServer(created, { host: '127.0.0.1', port: Number(process.env.CUTLINE_PORT ?? 0), token: randomBytes(24).toString('base64url') });
      await mediaServer.listen();
    } catch (error) {
      mediaServer = undefined;
      log(`media server not started: ${(error as Error).message}; monitors and guest links are unavailable`);
    }
    return created;
  });
  enginePromise.catch((error: Error) => {
    ffmpegVersion = 'unavailable';
    dialog.showErrorBox('Cutline could not start its engine', `${error.message}\n\nCutline will quit.`);
    quitState = 'done';
    app.quit();
  });

  const bridge = new EngineBridge(enginePromise as Promise<EngineLike>, { secrets, log });

  /** `Cutline path/to/show.json` opens that show (its keys come from the secret store). */
  function startupShowPath(): string | undefined {
    return process.argv.slice(app.isPackaged ? 1 : 2).find((a) => /\.json$/i.test(a) && existsSync(a));
  }

  async function startupShow(): Promise<unknown> {
    const arg = startupShowPath();
    if (!arg) return undefined;
    try {
      return JSON.parse(await readFile(arg, 'utf8'));
    } catch (error) {
      log(`could not open ${arg}: ${(error as Error).message}; starting with an empty show`);
      return undefined;
    }
  }

  /** Only our own page, in the top frame of our own window, may call the engine. */
  function senderIsTrusted(event: IpcMainInvokeEvent): boolean {
    const frame = event.senderFrame;
    if (!frame || !win || event.sender !== win.webContents) return false;
    if (frame !== event.sender.mainFrame) return false;
    return isTrustedUrl(frame.url, DEV_SERVER_URL);
  }

  const sessions = new Map<number, ReturnType<EngineBridge['open']>>();

  function attach(contents: WebContents): void {
    const id = contents.id;
    sessions.get(id)?.close();
    sessions.set(
      id,
      bridge.open((message) => {
        if (!contents.isDestroyed()) contents.send(IPC_CHANNEL, message);
      }),
    );
    contents.once('destroyed', () => {
      sessions.get(id)?.close();
      sessions.delete(id);
    });
  }

  ipcMain.handle(IPC_CHANNEL, (event, payload: unknown) => {
    if (!senderIsTrusted(event)) {
      log(`refused an IPC request from an untrusted frame (${event.senderFrame?.url ?? 'gone'})`);
      return { ok: false, error: { code: 'unauthorized', message: 'this page may not control the engine' } };
    }
    const bridgeSession = sessions.get(event.sender.id);
    if (!bridgeSession) return { ok: false, error: { code: 'internal', message: 'no engine session for this window' } };
    return bridgeSession.request(payload);
  });

  function createWindow(): void {
    win = new BrowserWindow({
      width: 1440,
      height: 880,
      minWidth: 1280,
      minHeight: 720,
      backgroundColor: '#0d0f13',
      title: 'Cutline',
      show: false,
      webPreferences: {
        preload: join(__dirname, 'preload.cjs'),
        contextIsolation: true,
        sandbox: true,
        nodeIntegration: false,
        nodeIntegrationInWorker: false,
        webSecurity: true,
        allowRunningInsecureContent: false,
        webviewTag: false,
        spellcheck: false,
      },
    });
    const contents = win.webContents;
    attach(contents);
    // Reloads (View → Reload) get a fresh session: the renderer re-subscribes to meters.
    contents.on('did-start-navigation', (details) => {
      if (details.isMainFrame && !details.isSameDocument) attach(contents);
    });
    win.once('ready-to-show', () => {
      // On a 1366×768 screen the desk wants every pixel.
      const { width, height } = win!.getBounds();
      const area = screen.getPrimaryDisplay().workAreaSize;
      if (area.width < width || area.height < height) win!.maximize();
      win!.show();
    });
    // Closing the window while streaming: on macOS the app keeps running (and streaming) until
    // Quit; elsewhere closing the window quits, so ask first.
    win.on('close', (event) => {
      if (process.platform === 'darwin' && quitState === 'running') return;
      if (liveConfirmed || liveDestinations() === 0) {
        if (quitState === 'running') quitState = 'asking';
        return;
      }
      event.preventDefault();
      void confirmStopStreams().then((ok) => {
        if (!ok) {
          quitState = 'running';
          return;
        }
        liveConfirmed = true;
        quitState = 'asking';
        win?.close();
      });
    });
    // The renderer's beforeunload objects when the show has unsaved changes. The answer is given
    // asynchronously (a synchronous dialog would stall the engine's clock): keep the page, ask,
    // and destroy the window if the producer discards the changes.
    contents.on('will-prevent-unload', () => {
      const options = {
        type: 'warning' as const,
        buttons: ['Keep working', 'Discard changes'],
        defaultId: 0,
        cancelId: 0,
        message: 'The show has unsaved changes.',
        detail: 'Save it with the Save button first, or discard the changes.',
      };
      void dialog.showMessageBox(win!, options).then(({ response }) => {
        if (response === 1) win?.destroy();
        else {
          quitState = 'running';
          liveConfirmed = false;
        }
      });
    });
    win.on('closed', () => {
      win = null;
      liveConfirmed = false;
      if (quitState === 'asking') void shutdown();
    });
    void (DEV_SERVER_URL ? win.loadURL(DEV_SERVER_URL) : win.loadURL(APP_ENTRY_URL));
  }

  function liveDestinations(): number {
    if (!engine) return 0;
    return engine.getState().destinations.filter((d) => ['connecting', 'live', 'reconnecting'].includes(d.state)).length;
  }

  async function confirmStopStreams(): Promise<boolean> {
    const live = liveDestinations();
    const options = {
      type: 'warning' as const,
      buttons: ['Keep streaming', 'Stop and quit'],
      defaultId: 0,
      cancelId: 0,
      message: `${live} destination${live > 1 ? 's are' : ' is'} running.`,
      detail: 'Quitting stops every stream and finalizes recordings.',
    };
    const { response } = win ? await dialog.showMessageBox(win, options) : await dialog.showMessageBox(options);
    return response === 1;
  }

  /**
   * Quit: closing the window asks about running streams ('close') and unsaved changes (the
   * renderer's beforeunload); once it is closed, shutdown() stops everything and exits.
   */
  function requestQuit(): void {
    if (quitState !== 'running') return;
    quitState = 'asking';
    if (win) win.close();
    else void shutdown();
  }

  async function shutdown(): Promise<void> {
    if (quitState === 'stopping' || quitState === 'done') return;
    quitState = 'stopping';
    for (const s of sessions.values()) s.close();
    // An engine still starting is waited for, or its processes would outlive the app.
    const running = engine ?? (await Promise.race([enginePromise.catch(() => undefined), delay(10_000)]));
    if (running) {
      const stop = (async () => {
        await running.dispatch('destination.stopAll', {}).catch((error: Error) => log(`stopping destinations: ${error.message}`));
        await mediaServer?.close();
        await running.close();
      })();
      // Recordings get time to finalize, but a wedged process must not keep the app alive.
      await Promise.race([stop, delay(15_000)]);
    }
    quitState = 'done';
    app.quit();
  }

  app.on('before-quit', (event) => {
    if (quitState === 'done') return;
    event.preventDefault();
    requestQuit();
  });

  app.on('window-all-closed', () => {
    // On macOS the app (and the engine, and any stream) stays until Quit, as users expect there.
    if (process.platform !== 'darwin') void shutdown();
  });

  app.on('activate', () => {
    if (!win && quitState === 'running') createWindow();
  });

  void ready.then(() => {
    const appSession = session.defaultSession;
    // Nothing but writing to the clipboard (Copy on a guest link): no camera, microphone,
    // notifications, geolocation, ... (the engine opens devices itself, through ffmpeg).
    const allowed = (permission: string) => permission === 'clipboard-sanitized-write';
    appSession.setPermissionRequestHandler((_contents, permission, callback) => callback(allowed(permission)));
    appSession.setPermissionCheckHandler((_contents, permission) => allowed(permission));
    // The same CSP as a header on every response (the dev server's too), not only the meta tag.
    // (The Vite dev server keeps its own, looser meta CSP for hot reloading.)
    if (!DEV_SERVER_URL) {
      appSession.webRequest.onHeadersReceived((details, callback) => {
        callback({ responseHeaders: { ...details.responseHeaders, 'Content-Security-Policy': [CSP] } });
      });
    }

    protocol.handle(APP_SCHEME, async (request) => {
      const file = resolveAppFile(request.url, RENDERER_DIR, join);
      if (!file || !existsSync(file)) return new Response('not found', { status: 404 });
      const response = await net.fetch(pathToFileURL(file).toString());
      return new Response(response.body, {
        status: response.status,
        headers: { 'content-type': mimeType(file), 'content-security-policy': CSP, 'x-content-type-options': 'nosniff' },
      });
    });

    installMenu({
      about: () => showAbout(win, ffmpegVersion),
      addFileSource: () => void addFileSource(),
    });
    createWindow();
  });

  /** File → Add File Source…: a native picker, then the same source.add the UI would send. */
  async function addFileSource(): Promise<void> {
    const options = {
      title: 'Add a file source',
      properties: ['openFile' as const],
      filters: [
        { name: 'Media', extensions: ['mp4', 'mov', 'mkv', 'webm', 'm4v', 'ts', 'flv', 'mp3', 'wav', 'm4a', 'aac', 'png', 'jpg', 'jpeg'] },
        { name: 'All files', extensions: ['*'] },
      ],
    };
    const picked = win ? await dialog.showOpenDialog(win, options) : await dialog.showOpenDialog(options);
    if (picked.canceled || !picked.filePaths[0]) return;
    const path = picked.filePaths[0];
    const current = await enginePromise;
    const taken = new Set(current.getState().show.sources.map((s) => s.id));
    const base = basename(path).replace(/\.[^.]+$/, '').toLowerCase().replace(/[^a-z0-9_-]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 48) || 'file';
    let id = base;
    for (let n = 2; taken.has(id); n++) id = `${base}-${n}`;
    // Picked by the person at this machine in our own dialog: allowed outside the media folders.
    current.media.grant(path);
    try {
      await current.dispatch('source.add', { kind: 'file', id, label: basename(path).slice(0, 80), path, loop: true });
    } catch (error) {
      const options2 = { type: 'error' as const, message: 'The file could not be added.', detail: (error as Error).message };
      void (win ? dialog.showMessageBox(win, options2) : dialog.showMessageBox(options2));
    }
  }
}
