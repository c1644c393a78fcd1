/**
 * A fake EngineClient for component tests. It stands for the transport only: it records the
 * commands the UI sends and lets a test answer them and push events. Media is never faked here;
 * the real engine is exercised by test/e2e/ui.e2e.test.ts.
 */
import type { CommandName, CommandResult, EngineState, EventMessage, EventName, EventPayloads } from '../../shared/protocol.ts';
import type { ShowDocument } from '../../shared/show.ts';
import { ClientError, type EngineClient } from '../../renderer/src/client/EngineClient.ts';

type Handler = (params: unknown) => unknown;

/** What the store reads on connect and after a show is loaded (actions.ts connectEngine, loadLiveData). */
const STORE_READS = new Set<string>(['state.get', 'meters.subscribe', 'overlay.list', 'object.list', 'log.list', 'overlay.thumbnail']);

export class FakeEngineClient implements EngineClient {
  readonly sent: { command: CommandName; params: unknown }[] = [];
  private readonly listeners = new Set<(message: EventMessage) => void>();
  private readonly handlers = new Map<string, Handler>();

  constructor(public state: EngineState) {
    this.on('state.get', () => structuredClone(this.state));
  }

  /** Answer `command` with `handler(params)`; throw a ClientError from it to fail. */
  on(command: CommandName, handler: Handler): this {
    this.handlers.set(command, handler);
    return this;
  }

  fail(command: CommandName, code: ClientError['code'], message: string): this {
    return this.on(command, () => {
      throw new ClientError(code, message);
    });
  }

  async request<N extends CommandName>(command: N, params: unknown): Promise<CommandResult<N>> {
    this.sent.push({ command, params });
    const handler = this.handlers.get(command);
    // A fake answers with whatever the test gives it: it plays the engine, not the schema.
    return (handler ? handler(params) : {}) as CommandResult<N>;
  }

  onEvent(listener: (message: EventMessage) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  emit<N extends EventName>(event: N, data: EventPayloads[N]): void {
    for (const listener of this.listeners) listener({ type: 'event', event, data } as EventMessage);
  }

  /** Commands sent, without the reads and the meter subscription the store makes by itself. */
  commands(): { command: CommandName; params: unknown }[] {
    return this.sent.filter((s) => !STORE_READS.has(s.command));
  }
}

const output = {
  width: 1280,
  height: 720,
  fps: 30,
  videoBitrateKbps: 4500,
  audioBitrateKbps: 128,
  keyframeIntervalS: 2,
  encoder: 'auto',
  x264Preset: 'veryfast',
  cbr: true,
} as const;

/** An engine state with three live test patterns on a grid, as `state.get` would answer. */
export function sampleState(change: Partial<ShowDocument> = {}): EngineState {
  const ids = ['cam-a', 'cam-b', 'cam-c'];
  const show = {
    version: 1,
    name: 'Test show',
    output: { ...output },
    sources: ids.map((id, i) => ({ id, kind: 'testPattern', label: `Cam ${'ABC'[i]}`, gainDb: 0, muted: false, slateAfterS: 3 })),
    layout: { preset: 'grid', sources: ids, fit: 'fit', gap: 0, background: '#000000' },
    transition: { kind: 'cut', durationMs: 500 },
    audio: { masterGainDb: 0, masterMuted: false },
    destinations: [],
    ...change,
  } as ShowDocument;
  const program = {
    running: true,
    width: 1280,
    height: 720,
    fps: 30,
    measuredFps: 30,
    framesOut: 900,
    lateFrames: 0,
    droppedFrames: 0,
    encoder: { name: 'libx264', hardware: false, reason: 'no hardware encoder' },
    encoderRestarts: 0,
    uptimeS: 30,
    cpuPercent: 42,
  };
  return {
    apiVersion: 1,
    show,
    program,
    programs: [{ id: 'main', name: 'main', public: false, output: show.output, layout: show.layout, ...(show.preview ? { preview: show.preview } : {}), transition: show.transition, status: program, destinations: [] }],
    sources: show.sources.map((s) => ({ id: s.id, kind: s.kind, label: s.label ?? s.id, state: 'live', restarts: 0, fps: 30 })),
    destinations: [],
    ffmpeg: { path: '/usr/bin/ffmpeg', version: '5.1' },
  };
}

export const flush = () => new Promise((r) => setTimeout(r, 0));
/** Past the store's debounced state refresh (60 ms). */
export const afterRefresh = () => new Promise((r) => setTimeout(r, 120));
