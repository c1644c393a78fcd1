/**
 * `cutline demo | run | serve | probe`: the engine without Electron.
 *   demo                 four built-in sources mixed into one program, recorded, with the web UI
 *   run show.json        a show headless for --duration seconds, then a clean stop (exit 0)
 *   serve                the control API and web UI on 127.0.0.1:7710
 *   probe                which ffmpeg and which H.264 encoders work here, as JSON
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
import { ApiServer, DEFAULT_PORT } from '../engine/server/ApiServer.ts';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const UI_DIR = join(repoRoot, 'dist', 'renderer');

const USAGE = `Usage: cutline <command> [options]

Commands:
  demo   [--duration S] [--port P] [--out DIR]   mix built-in sources, record, serve the web UI
  run    <show.json> [--duration S]              run a show headless, stop cleanly after S s on air
  serve  [--show FILE] [--host H] [--port P] [--token T]
                                                 control API + web UI (default 127.0.0.1:${DEFAULT_PORT})
  probe                                          ffmpeg and H.264 encoders available here (JSON)

Common options:
  --ffmpeg PATH   use this ffmpeg (also: CUTLINE_FFMPEG); default: the bundled one
  --data DIR      where shared objects (chat, polls, bids) are journaled (also: CUTLINE_DATA_DIR);
                  default ~/.cutline
`;

/** The shared-object journal's folder for run and serve. */
function dataDirOption(values: Record<string, string | boolean | undefined>): string {
  const dir = resolve((values.data as string | undefined) ?? process.env.CUTLINE_DATA_DIR ?? join(homedir(), '.cutline'));
  mkdirSync(dir, { recursive: true });
  return dir;
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

async function demo(values: Record<string, string | boolean | undefined>): Promise<void> {
  const duration = secondsOption(values.duration as string | undefined, 30);
  const outDir = resolve((values.out as string | undefined) ?? 'recordings');
  mkdirSync(outDir, { recursive: true });
  const engine = await Engine.create({ ffmpegPath: values.ffmpeg as string | undefined, show: demoShow(outDir), log: () => {} });
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

async function run(file: string | undefined, values: Record<string, string | boolean | undefined>): Promise<void> {
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
  const engine = await Engine.create({ ffmpegPath: values.ffmpeg as string | undefined, show: raw, dataDir: dataDirOption(values), showDir: dirname(resolve(file)) });
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
  await stopEngine(engine);
}

async function serve(values: Record<string, string | boolean | undefined>): Promise<void> {
  let show: unknown;
  if (values.show) {
    try {
      show = JSON.parse(readFileSync(values.show as string, 'utf8'));
    } catch (error) {
      fail(`cannot read ${values.show}: ${(error as Error).message}`);
    }
  }
  const engine = await Engine.create({
    ffmpegPath: values.ffmpeg as string | undefined,
    show,
    dataDir: dataDirOption(values),
    ...(values.show ? { showDir: dirname(resolve(values.show as string)) } : {}),
  });
  const server = new ApiServer(engine, {
    host: values.host as string | undefined,
    port: values.port ? Number(values.port) : undefined,
    token: (values.token as string | undefined) ?? process.env.CUTLINE_API_TOKEN,
    uiDir: UI_DIR,
  });
  try {
    await server.listen();
  } catch (error) {
    await engine.close();
    fail(`cannot listen on ${server.host}:${values.port ?? DEFAULT_PORT}: ${(error as Error).message}`);
  }
  process.stdout.write(`Cutline is serving on ${server.url} (API ${server.url}/api/v1/state, WebSocket ${server.url.replace('http', 'ws')}/api/v1/ws)\n`);
  if (server.token) process.stdout.write(`API token (send as "Authorization: Bearer <token>"): ${server.token}\n`);
  const why = await runFor(0);
  process.stdout.write(`Stopping (${why}).\n`);
  await stopEngine(engine, server);
}

async function probe(values: Record<string, string | boolean | undefined>): Promise<void> {
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
      show: { type: 'string' },
      out: { type: 'string' },
      ffmpeg: { type: 'string' },
      data: { type: 'string' },
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
