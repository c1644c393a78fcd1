/**
 * `cutline demo | run | serve | probe`: the engine without Electron.
 *   demo                 four built-in sources mixed into one program, recorded, with the web UI
 *   run show.json        a show headless for --duration seconds, then a clean stop (exit 0)
 *   serve                the control API and web UI on 127.0.0.1:7710
 * serve and run can put the public surface (guest pages, WHIP/WHEP, viewer, objects socket) on a
 * listener of its own (--public-host/--public-port or webrtc.publicListen): docs/SECURITY.md.
 *   probe                which ffmpeg and which H.264 encoders work here, as JSON
 *   gateway              the objects WebSocket for audiences, on Redis, without an engine (docs/SHARED-OBJECTS.md)
 */
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { ProtocolError } from '../../shared/protocol.ts';
import type { ShowDocumentInput } from '../../shared/show.ts';
import { Engine, parseShow } from '../engine/Engine.ts';
import { locateFfmpeg } from '../engine/ffmpeg/locate.ts';
import { probeFfmpeg } from '../engine/ffmpeg/probe.ts';
import { AudienceGateway } from '../engine/gateway/AudienceGateway.ts';
import { ApiServer, DEFAULT_PORT } from '../engine/server/ApiServer.ts';
import { resolveApiToken, TokenError } from '../engine/server/requestGuard.ts';

/** parseArgs' values: strings, booleans, and the repeatable --allowed-host. */
type CliValues = Record<string, string | boolean | string[] | undefined>;
import { secretsCommand } from './secretsCommand.ts';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
/** The built desk; CUTLINE_UI_DIR points elsewhere (a test's own build). */
const UI_DIR = process.env.CUTLINE_UI_DIR ?? join(repoRoot, 'dist', 'renderer');

const DEFAULT_GATEWAY_PORT = 7720;

const USAGE = `Usage: cutline <command> [options]

Commands:
  demo   [--duration S] [--port P] [--out DIR]   mix built-in sources, record, serve the web UI
  run    <show.json> [--duration S]              run a show headless, stop cleanly after S s on air
  serve  [--show FILE] [--host H] [--port P] [--token T|auto] [--allowed-host NAME]...
                                                 control API + web UI (default 127.0.0.1:${DEFAULT_PORT})
  probe                                          ffmpeg and H.264 encoders available here (JSON)
  gateway --objects-redis URL [--host H] [--port P]
                                                 serve /objects/ws for viewers (JWTs) on Redis,
                                                 no engine; run many behind a proxy (default port 7720)

Surfaces (serve, run; see docs/SECURITY.md):
  --public-host H --public-port P   guest pages, WHIP/WHEP, viewer and /objects/ws on a listener of
                  their own (the one a reverse proxy forwards); it never serves the control API.
                  Default: webrtc.publicListen in the show, else the control listener serves both.
  --token T       API token (also: CUTLINE_API_TOKEN); "auto" generates one and prints the desk URL
                  with it. Required off loopback and for requests through a proxy; never empty.
  --allowed-host NAME   another name the control API answers to (Host/Origin), repeatable
  secrets list | bind ID | remove ID            stored stream keys (masked); bind a key stored
                                                 before keys were bound to the destination ID of
                                                 --show FILE (or --url URL [--kind K]); remove one

Common options:
  --ffmpeg PATH   use this ffmpeg (also: CUTLINE_FFMPEG); default: the bundled one
  --objects-redis URL   shared objects on Redis (redis://[:password@]host:port) instead of the
                  journal (serve, run, gateway; also: CUTLINE_OBJECTS_REDIS): docs/SHARED-OBJECTS.md
  --data DIR      where shared objects (chat, polls, bids) are journaled (also: CUTLINE_DATA_DIR);
                  default ~/.cutline
  --media-dir DIR (repeatable) the only folders API callers may read or write files in (also:
                  CUTLINE_MEDIA_DIR, a path list); default: the show file's folder and
                  ~/Documents/Cutline
  --allow-scheme udp|tcp   (repeatable) let sources open udp:// or tcp:// URLs
  --allow-host HOST        (repeatable) let sources open a link-local or cloud-metadata address
`;

/** --media-dir, --allow-scheme and --allow-host for Engine.create (docs/SECURITY.md). */
function accessOptions(values: Record<string, unknown>, showDir?: string): { mediaDirs?: string[]; allowSchemes?: string[]; allowHosts?: string[] } {
  const list = (v: unknown) => (Array.isArray(v) ? (v as string[]) : []);
  const dirs = list(values['media-dir']).map((d) => resolve(d));
  for (const scheme of list(values['allow-scheme'])) if (!['udp', 'tcp'].includes(scheme)) fail(`--allow-scheme takes udp or tcp, got "${scheme}"`);
  return {
    ...(dirs.length ? { mediaDirs: [...dirs, ...(showDir ? [showDir] : [])] } : {}),
    ...(list(values['allow-scheme']).length ? { allowSchemes: list(values['allow-scheme']) } : {}),
    ...(list(values['allow-host']).length ? { allowHosts: list(values['allow-host']) } : {}),
  };
}

/** --objects-redis (or CUTLINE_OBJECTS_REDIS): shared objects on Redis. */
function redisOption(values: CliValues): { objectsRedis?: string } {
  const url = (values['objects-redis'] as string | undefined) ?? process.env.CUTLINE_OBJECTS_REDIS;
  if (url === undefined) return {};
  if (!/^rediss?:\/\//.test(url)) fail('--objects-redis takes a redis:// or rediss:// URL, e.g. redis://127.0.0.1:6379');
  return { objectsRedis: url };
}

/** `cutline gateway`: /objects/ws for viewers on Redis, until SIGINT/SIGTERM. */
async function gateway(values: CliValues): Promise<void> {
  const { objectsRedis } = redisOption(values);
  if (!objectsRedis) fail('gateway needs --objects-redis URL (the Redis the show\'s objects are on)');
  const port = values.port !== undefined ? Number(values.port) : DEFAULT_GATEWAY_PORT;
  if (!Number.isInteger(port) || port < 0 || port > 65535) fail(`--port takes 0-65535, got "${values.port}"`);
  const started = await AudienceGateway.start({ redisUrl: objectsRedis as string, port, host: (values.host as string | undefined) ?? '127.0.0.1' });
  process.stdout.write(`Cutline gateway serving ${started.url.replace('http', 'ws')}/objects/ws (health: ${started.url}/healthz)\n`);
  const why = await runFor(0);
  process.stdout.write(`Stopping (${why}).\n`);
  await started.close();
}

/** The shared-object journal's folder for run and serve. */
function dataDirOption(values: CliValues): string {
  const dir = resolve((values.data as string | undefined) ?? process.env.CUTLINE_DATA_DIR ?? join(homedir(), '.cutline'));
  mkdirSync(dir, { recursive: true });
  return dir;
}

/** The public listener from the flags, else from the show's webrtc.publicListen; undefined = none. */
function publicListenOption(values: Record<string, unknown>, show: unknown): { host: string; port: number } | undefined {
  const host = values['public-host'] as string | undefined;
  const portText = values['public-port'] as string | undefined;
  if (host !== undefined || portText !== undefined) {
    if (portText === undefined) fail('--public-host needs --public-port too (the public listener\'s port)');
    const port = Number(portText);
    if (!Number.isInteger(port) || port < 0 || port > 65535) fail(`--public-port must be a port number (0-65535), got "${portText}"`);
    return { host: host ?? '127.0.0.1', port };
  }
  try {
    return parseShow(show ?? {}).webrtc?.publicListen;
  } catch {
    return undefined;
  }
}

/** --token / CUTLINE_API_TOKEN, refused when empty (that would turn authorization off). */
function tokenOption(values: Record<string, unknown>): { token: string | undefined; generated: boolean } {
  const given = (values.token as string | undefined) ?? process.env.CUTLINE_API_TOKEN;
  try {
    return resolveApiToken(given);
  } catch (error) {
    if (error instanceof TokenError) fail(`${values.token !== undefined ? '--token' : 'CUTLINE_API_TOKEN'}: ${error.message}`);
    throw error;
  }
}

function fail(message: string, code = 2): never {
  process.stderr.write(`cutline: ${message}\n`);
  process.exit(code);
}

function secondsOption(value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0) fail(`--duration must be a number of seconds, got "${value}"`);
  return n;
}

/** Resolves after `seconds` (0 = never) or on Ctrl+C / SIGTERM. */
function runFor(seconds: number): Promise<string> {
  return new Promise((resolveRun) => {
    const timer = seconds > 0 ? setTimeout(() => resolveRun('duration reached'), seconds * 1000) : undefined;
    const onSignal = (signal: string) => {
      clearTimeout(timer);
      resolveRun(`${signal} received`);
    };
    process.once('SIGINT', () => onSignal('SIGINT'));
    process.once('SIGTERM', () => onSignal('SIGTERM'));
  });
}

/**
 * `--duration` counts time on air: wait (at most `maxMs`) until every started destination is live
 * — sources connected, the encoder's first keyframe written — or has failed, so that
 * `run show.json --duration 30` records about 30 s even when starting takes a few seconds.
 */
async function untilDestinationsLive(engine: Engine, ids: string[], maxMs: number): Promise<void> {
  const deadline = Date.now() + maxMs;
  const settled = () =>
    engine
      .getState()
      .destinations.filter((d) => ids.includes(d.id))
      .every((d) => d.state === 'live' || d.state === 'error' || d.state === 'stopped');
  while (!settled() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
}

function recordingsOf(engine: Engine): string[] {
  return engine
    .getState()
    .destinations.filter((d) => d.kind === 'recording')
    .map((d) => d.target);
}

async function stopEngine(engine: Engine, server?: ApiServer): Promise<void> {
  await server?.close();
  const files = recordingsOf(engine);
  await engine.close();
  for (const file of files) if (existsSync(file)) process.stdout.write(`Recording finalized: ${file}\n`);
}

export function demoShow(outDir: string): ShowDocumentInput {
  const colors = [
    ['cam1', 'Commentator 1', '#c0392b', 440],
    ['cam2', 'Commentator 2', '#27ae60', 660],
    ['cam3', 'Commentator 3', '#2980b9', 880],
    ['cam4', 'Studio', '#8e44ad', 1100],
  ] as const;
  return {
    name: 'Cutline demo',
    output: { width: 1280, height: 720, fps: 30, videoBitrateKbps: 3000 },
    sources: colors.map(([id, label, color, toneHz]) => ({ id, kind: 'testPattern', label, color, toneHz, gainDb: -12 })),
    layout: { preset: 'grid', sources: colors.map(([id]) => id) },
    destinations: [{ id: 'recording', kind: 'recording', path: `${outDir}/` }],
  };
}

async function demo(values: CliValues): Promise<void> {
  const duration = secondsOption(values.duration as string | undefined, 30);
  const outDir = resolve((values.out as string | undefined) ?? 'recordings');
  mkdirSync(outDir, { recursive: true });
  const engine = await Engine.create({ ffmpegPath: values.ffmpeg as string | undefined, show: demoShow(outDir), log: () => {}, mediaDirs: [outDir] });
  const port = Number(values.port ?? DEFAULT_PORT);
  const server = new ApiServer(engine, { port, uiDir: UI_DIR });
  let watch = '';
  try {
    await server.listen();
    watch = server.url;
  } catch (error) {
    watch = `(web UI not started: ${(error as Error).message}; try --port)`;
  }
  await engine.dispatch('destination.start', { id: 'recording' });
  const state = engine.getState();
  process.stdout.write(
    [
      `Cutline demo: 4 test sources → ${state.program.width}x${state.program.height} @ ${state.program.fps} fps, encoder ${state.program.encoder.name} (${state.program.encoder.reason})`,
      `Watch and control: ${watch}  ${existsSync(join(UI_DIR, 'index.html')) ? '' : '(run `npm run build` first for the full web UI)'}`,
      `API:             curl ${watch}/api/v1/state`,
      `Recording to:     ${recordingsOf(engine).join(', ')}`,
      duration > 0 ? `Running for ${duration} s (--duration 0 runs until Ctrl+C); the layout changes every 5 s.` : 'Running until Ctrl+C; the layout changes every 5 s.',
      '',
    ].join('\n'),
  );
  const presets = ['spotlight', 'sideBySide', 'pip', 'solo', 'grid'] as const;
  let step = 0;
  const ids = ['cam1', 'cam2', 'cam3', 'cam4'];
  const cycle = setInterval(() => {
    const preset = presets[step % presets.length];
    const sources = [...ids.slice(step % 4), ...ids.slice(0, step % 4)];
    void engine.dispatch('layout.set', { preset, sources }).catch(() => {});
    process.stdout.write(`layout → ${preset} (${sources[0]} first)\n`);
    step++;
  }, 5000);
  const why = await runFor(duration);
  clearInterval(cycle);
  const program = engine.getState().program;
  process.stdout.write(`Stopping (${why}): ${program.framesOut} frames, ${program.lateFrames} late.\n`);
  await stopEngine(engine, server);
}

async function run(file: string | undefined, values: CliValues): Promise<void> {
  if (!file) fail('run needs a show file: cutline run show.json [--duration S]');
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    fail(`cannot read ${file}: ${(error as Error).message}`);
  }
  try {
    parseShow(raw);
  } catch (error) {
    fail((error as Error).message);
  }
  const duration = secondsOption(values.duration as string | undefined, 0);
  const publicListen = publicListenOption(values, raw);
  const showDir = dirname(resolve(file));
  const engine = await Engine.create({ ffmpegPath: values.ffmpeg as string | undefined, show: raw, dataDir: dataDirOption(values), ...redisOption(values), showDir, ...accessOptions(values, showDir) });
  // `run` has no control API; with a public listener, guests and viewers can still join.
  const server = publicListen ? new ApiServer(engine, { control: false, publicListen }) : undefined;
  if (server) {
    try {
      await server.listen();
      process.stdout.write(`Public surface (guests, WHIP/WHEP, viewer) on ${server.publicUrl}\n`);
    } catch (error) {
      await engine.close();
      fail((error as Error).message);
    }
  }
  const started = await engine.dispatch('destination.startAll', {});
  const state = engine.getState();
  process.stdout.write(
    `Running "${state.show.name}": ${state.sources.length} sources, destinations ${started.started.join(', ') || '(none)'}; ${duration > 0 ? `${duration} s` : 'until Ctrl+C'}.\n`,
  );
  const unsubscribe = engine.onAnyEvent((m) => {
    if (m.event === 'destination.stateChanged' || m.event === 'source.stateChanged') {
      const d = m.data as { id: string; state: string; message?: string };
      if (['error', 'reconnecting', 'stalled', 'live'].includes(d.state)) process.stdout.write(`${m.event.split('.')[0]} ${d.id}: ${d.state}${d.message ? ` — ${d.message}` : ''}\n`);
    }
  });
  await untilDestinationsLive(engine, started.started, 20_000);
  const why = await runFor(duration);
  unsubscribe();
  process.stdout.write(`Stopping (${why}).\n`);
  await stopEngine(engine, server);
}

async function serve(values: CliValues): Promise<void> {
  // Refused before anything starts: an empty token must never mean "no authorization".
  const { token, generated } = tokenOption(values);
  let show: unknown;
  if (values.show) {
    try {
      show = JSON.parse(readFileSync(values.show as string, 'utf8'));
    } catch (error) {
      fail(`cannot read ${values.show}: ${(error as Error).message}`);
    }
  }
  const publicListen = publicListenOption(values, show);
  const engine = await Engine.create({
    ffmpegPath: values.ffmpeg as string | undefined,
    show,
    dataDir: dataDirOption(values),
    ...redisOption(values),
    ...(values.show ? { showDir: dirname(resolve(values.show as string)) } : {}),
    ...accessOptions(values, values.show ? dirname(resolve(values.show as string)) : undefined),
  });
  const server = new ApiServer(engine, {
    host: values.host as string | undefined,
    port: values.port ? Number(values.port) : undefined,
    token,
    uiDir: UI_DIR,
    allowedHosts: (values['allowed-host'] as string[] | undefined) ?? [],
    ...(publicListen ? { publicListen } : {}),
  });
  try {
    await server.listen();
  } catch (error) {
    await engine.close();
    fail((error as Error).message);
  }
  process.stdout.write(`Cutline is serving on ${server.url} (API ${server.url}/api/v1/state, WebSocket ${server.url.replace('http', 'ws')}/api/v1/ws)\n`);
  if (server.publicUrl) process.stdout.write(`Public surface (guests, WHIP/WHEP, viewer, /objects/ws) on ${server.publicUrl}: forward only this one through a proxy\n`);
  // The token rides in the URL fragment, which browsers never send to a server or its logs.
  if (server.token && (generated || !token)) process.stdout.write(`Open the desk: ${server.url}/#token=${server.token}\n`);
  if (server.token) process.stdout.write(`API token (send as "Authorization: Bearer <token>"): ${server.token}\n`);
  const why = await runFor(0);
  process.stdout.write(`Stopping (${why}).\n`);
  await stopEngine(engine, server);
}

async function probe(values: CliValues): Promise<void> {
  const location = locateFfmpeg(values.ffmpeg as string | undefined);
  const result = await probeFfmpeg({ ffmpegPath: location.path, source: location.source });
  process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
}

async function main(): Promise<void> {
  const { positionals, values } = parseArgs({
    allowPositionals: true,
    options: {
      duration: { type: 'string' },
      port: { type: 'string' },
      host: { type: 'string' },
      token: { type: 'string' },
      'allowed-host': { type: 'string', multiple: true },
      'public-host': { type: 'string' },
      'public-port': { type: 'string' },
      show: { type: 'string' },
      out: { type: 'string' },
      ffmpeg: { type: 'string' },
      data: { type: 'string' },
      'media-dir': { type: 'string', multiple: true },
      url: { type: 'string' },
      kind: { type: 'string' },
      'allow-scheme': { type: 'string', multiple: true },
      'allow-host': { type: 'string', multiple: true },
      'objects-redis': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  const [command, ...rest] = positionals;
  if (values.help || !command) {
    process.stdout.write(USAGE);
    return;
  }
  switch (command) {
    case 'demo':
      return demo(values);
    case 'run':
      return run(rest[0], values);
    case 'serve':
      return serve(values);
    case 'probe':
      return probe(values);
    case 'gateway':
      return gateway(values);
    case 'secrets': {
      const problem = secretsCommand(rest, values, process.stdout);
      if (problem) fail(problem);
      return;
    }
    default:
      fail(`unknown command "${command}"\n\n${USAGE}`);
  }
}

main().then(
  () => process.exit(0),
  (error) => {
    const message = error instanceof ProtocolError ? error.message : (error as Error)?.stack ?? String(error);
    fail(message, 1);
  },
);
