/**
 * Settings actions: program output (output.set), WebRTC (webrtc.set), the ffmpeg probe (probe.get,
 * probe.run). What restarts the encoder is said before anything stops.
 */
import type { OutputSettings, WebRtcSettings } from '../../../shared/show.ts';
import type { CommandInput } from '../client/EngineClient.ts';
import { askConfirm, type CommandOutcome, query } from './actions.ts';
import { runForField, setFieldError } from './fieldErrors.ts';
import { useCutline } from './store.ts';

/** What the desk shows of the engine's ffmpeg probe (electron/engine/ffmpeg/probe.ts ProbeResult). */
export interface ProbeView {
  ffmpeg: { path: string; version: string; source: string };
  encoders: { name: string; hardware?: boolean; listed?: boolean; works?: boolean; reason?: string; error?: string }[];
  chosen: { encoder: string; hardware: boolean; reason: string };
}

export const SIZE_PRESETS = [
  { id: '1280x720', label: '1280×720 (720p)', width: 1280, height: 720 },
  { id: '1920x1080', label: '1920×1080 (1080p)', width: 1920, height: 1080 },
  { id: '720x1280', label: '720×1280 (vertical)', width: 720, height: 1280 },
] as const;

const RUNNING = new Set(['connecting', 'live', 'reconnecting']);

/** Changes only what differs; with destinations running, says first that they reconnect. */
export async function applyOutput(changes: Partial<OutputSettings>): Promise<CommandOutcome | undefined> {
  const engine = useCutline.getState().engine;
  if (!engine) return undefined;
  const current = engine.show.output as Record<string, unknown>;
  const diff = Object.fromEntries(Object.entries(changes).filter(([key, value]) => current[key] !== value));
  if (Object.keys(diff).length === 0) {
    setFieldError('output', undefined);
    return { ok: true, result: engine.show.output };
  }
  const live = engine.destinations.filter((d) => RUNNING.has(d.state));
  if (live.length > 0) {
    const what = 'width' in diff || 'height' in diff ? 'Changing the size restarts the encoder' : 'Changing the output settings restarts the encoder';
    const ok = await askConfirm({
      title: 'Restart the encoder?',
      message: `${what}: ${live.length} live destination${live.length > 1 ? 's' : ''} (${live.map((d) => d.label).join(', ')}) reconnect, and viewers there see a short break.`,
      confirmLabel: 'Apply and reconnect',
    });
    if (!ok) return undefined;
  }
  return runForField('output', 'output.set', diff as CommandInput<'output.set'>, { success: 'Output settings applied' });
}

export function applyWebrtc(changes: Partial<WebRtcSettings>): Promise<CommandOutcome> {
  return runForField('webrtc', 'webrtc.set', changes as CommandInput<'webrtc.set'>, { success: 'WebRTC settings applied' });
}

/** A probe answer the desk can show (an older engine may answer without some parts). */
function asProbe(value: unknown): ProbeView | undefined {
  const p = value as Partial<ProbeView> | undefined;
  return p && Array.isArray(p.encoders) && p.chosen && p.ffmpeg ? (p as ProbeView) : undefined;
}

export async function readProbe(): Promise<ProbeView | undefined> {
  try {
    return asProbe(await query('probe.get', {}));
  } catch (error) {
    setFieldError('ffmpeg', (error as Error).message);
    return undefined;
  }
}

/** The "Test" button: runs the probe on that ffmpeg (the engine keeps its own until restarted). */
export async function testFfmpeg(path: string): Promise<ProbeView | undefined> {
  const outcome = await runForField('ffmpeg', 'probe.run', path.trim() ? { ffmpegPath: path.trim() } : {});
  return outcome.ok ? asProbe(outcome.result) : undefined;
}
