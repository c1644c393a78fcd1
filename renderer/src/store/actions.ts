/**
 * Module-level actions (zustand's recommended pattern): they talk to the engine through the one
 * EngineClient, keep the mirror fresh, and turn every failure into a message the producer sees.
 * Nothing here imports React, so transports, keyboard handlers and tests call the same functions.
 */
import type { LogListResult } from '../../../shared/log.ts';
import type { ObjectSnapshot, ObjectSummary, OverlayStatus } from '../../../shared/objects.ts';
import type { CommandName, CommandResult, EngineState, EventMessage } from '../../../shared/protocol.ts';
import type { DestinationSpec, LayoutInput, LayoutPreset, LayoutSpec, ShowDocument, SourceSpec } from '../../../shared/show.ts';
import type { CommandInput, EngineClient } from '../client/EngineClient.ts';
import { ClientError } from '../client/EngineClient.ts';
import { applyEvent } from './engineMirror.ts';
import { appendLog, applyLiveEvent } from './liveMirror.ts';
import { loadOverlayHotkeys } from './graphics.ts';
import { followThumbnails, resetThumbnails, syncThumbnails } from './thumbnails.ts';
import { publishMeters, resetMeters } from './meters.ts';
import { venueWall, verticalCut } from '../../../shared/programPresets.ts';
import { MAIN_PROGRAM_ID, scopeToSelectedProgram, selectedProgram, selectedProgramId } from './programs.ts';
import { addRecentShow, type RecentShowsStorage, readRecentShows, removeRecentShow, writeRecentShows } from './recentShows.ts';
import { type ConfirmRequest, initialState, type Toast, useCutline } from './store.ts';

let client: EngineClient | null = null;
let detach: (() => void)[] = [];
let refreshTimer: ReturnType<typeof setTimeout> | undefined;
let refreshing: Promise<void> | null = null;
let refreshAgain = false;
let toastSeq = 0;
const toastTimers = new Map<number, ReturnType<typeof setTimeout>>();

/** Commands that change what a saved show would contain (layout switches are not counted: a
 * producer cuts all show long, and a warning after every cut would be noise). */
const CHANGES_SHOW = new Set<CommandName>([
  'source.add',
  'source.remove',
  'source.update',
  'audio.set',
  'output.set',
  'destination.add',
  'destination.remove',
  'webrtc.set',
  'overlay.add',
  'overlay.update',
  'overlay.remove',
]);
/** Commands that only read; everything else is followed by a state refresh. */
const READS = new Set<CommandName>([
  'state.get',
  'probe.get',
  'probe.run',
  'device.list',
  'meters.subscribe',
  'show.save',
  'overlay.list',
  'object.list',
  'object.get',
  'object.listTokens',
  'object.listBlocked',
  'log.list',
  'program.monitor',
  'overlay.thumbnail',
]);

// ---- connection -------------------------------------------------------------------------------

export function connectEngine(next: EngineClient): () => void {
  disconnectEngine();
  reloadRecentShows();
  loadOverlayHotkeys();
  client = next;
  detach.push(next.onEvent(handleEvent));
  const onOpen = () => {
    void refreshState();
    void loadLiveData();
    // Meters are opt-in on the WebSocket; the IPC bridge honours the same command.
    void next.request('meters.subscribe', { enabled: true }).catch(() => {});
  };
  if (next.onConnection) {
    detach.push(
      next.onConnection((status) => {
        const wasOpen = useCutline.getState().connection.state === 'open';
        useCutline.setState({ connection: status });
        if (status.state === 'open' && !wasOpen) onOpen();
      }),
    );
  } else {
    useCutline.setState({ connection: { state: 'open' } });
    onOpen();
  }
  return disconnectEngine;
}

export function disconnectEngine(): void {
  for (const off of detach) off();
  detach = [];
  client = null;
  clearTimeout(refreshTimer);
}

export function handleEvent(message: EventMessage): void {
  if (message.event === 'meters.updated') {
    publishMeters(message.data as EventMessage<'meters.updated'>['data']);
    return;
  }
  // overlay.changed is about main's overlays: another program's tab re-reads its own (reloadOverlays).
  if (message.event === 'overlay.changed' && selectedProgramId(useCutline.getState()) !== MAIN_PROGRAM_ID) return;
  const live = applyLiveEvent(useCutline.getState(), message);
  if (live) {
    useCutline.setState(live.live);
    followThumbnails(message);
    if (live.reloadObject) void reloadObject(live.reloadObject);
    return;
  }
  // A loaded show has other overlays and objects: read them again with the state.
  if (message.event === 'show.changed') void loadLiveData();
  const engine = useCutline.getState().engine;
  if (!engine) {
    scheduleRefresh();
    return;
  }
  const { state, refresh } = applyEvent(engine, message);
  if (state !== engine) useCutline.setState({ engine: state });
  if (refresh) scheduleRefresh();
}

/** Re-reads the whole state; calls made while one read is running cause exactly one more. */
export function refreshState(): Promise<void> {
  if (!client) return Promise.resolve();
  if (refreshing) {
    refreshAgain = true;
    return refreshing;
  }
  const current = client;
  refreshing = (async () => {
    try {
      do {
        refreshAgain = false;
        const state = await current.request('state.get', {});
        if (client === current) useCutline.setState({ engine: state });
      } while (refreshAgain);
    } catch (error) {
      pushToast('error', `Could not read the engine state: ${(error as Error).message}`);
    } finally {
      refreshing = null;
    }
  })();
  return refreshing;
}

export function scheduleRefresh(delayMs = 60): void {
  clearTimeout(refreshTimer);
  refreshTimer = setTimeout(() => void refreshState(), delayMs);
}

// ---- graphics, shared objects, log (not in EngineState) ----------------------------------------

/** Reads overlays, shared objects and the recent log (on connect and when a show is loaded). */
export async function loadLiveData(): Promise<void> {
  const current = client;
  if (!current) return;
  try {
    const [overlays, summaries, log] = (await Promise.all([
      current.request('overlay.list', scopeToSelectedProgram('overlay.list', {})),
      current.request('object.list', {}),
      current.request('log.list', {}),
    ])) as [OverlayStatus[], ObjectSummary[], Partial<LogListResult> | undefined];
    const list = Array.isArray(summaries) ? summaries : [];
    const snapshots = (await Promise.all(list.map((o) => current.request('object.get', { id: o.id })))) as ObjectSnapshot[];
    if (client !== current) return;
    syncThumbnails(Array.isArray(overlays) ? overlays : []);
    useCutline.setState({
      overlays: Array.isArray(overlays) ? overlays : [],
      objects: Object.fromEntries(snapshots.filter((o) => o?.id).map((o) => [o.id, o])),
      log: appendLog([], Array.isArray(log?.entries) ? log.entries : []),
    });
  } catch (error) {
    pushToast('error', `Could not read graphics and shared objects: ${(error as Error).message}`);
  }
}

/** The selected program's overlays, read again (another program's layer sends no overlay.changed). */
export async function reloadOverlays(): Promise<void> {
  try {
    const overlays = (await query('overlay.list', {})) as OverlayStatus[];
    if (!Array.isArray(overlays)) return;
    syncThumbnails(overlays);
    useCutline.setState({ overlays });
  } catch (error) {
    pushToast('error', `Could not read the overlays: ${(error as Error).message}`);
  }
}

/** A program tab: the monitors, layouts, Take and graphics act on that program from now on. */
export function selectProgram(id: string): Promise<void> {
  if (useCutline.getState().selectedProgram === id) return Promise.resolve();
  useCutline.setState({ selectedProgram: id });
  return reloadOverlays();
}

/**
 * "Add vertical cut" / "Add venue wall": the preset as a new program with main's encoder settings
 * at its own size (one show clock: main's fps), under a free id; its tab is selected.
 */
export async function addProgramPreset(kind: 'vertical' | 'wall'): Promise<CommandOutcome> {
  const engine = useCutline.getState().engine;
  if (!engine) return { ok: false, message: 'No state yet', code: 'disconnected' };
  const taken = (engine.programs ?? []).map((p) => p.id);
  const options = { id: freeId(kind, taken), fps: engine.show.output.fps };
  const definition = kind === 'vertical' ? verticalCut(engine.show.sources, options) : venueWall(engine.show.sources, options);
  const outcome = await runCommand('program.add', { ...definition, output: { ...engine.show.output, ...definition.output } }, { success: `${definition.name} added` });
  if (outcome.ok) {
    // The engine's measured reason this machine may not keep up with one more encode.
    const warnings = (outcome.result as { warnings?: string[] } | undefined)?.warnings ?? [];
    if (warnings.length > 0) pushToast('error', `${definition.name}: ${warnings.join(' ')}`, 'program.add');
    await refreshState();
    await selectProgram(definition.id);
  }
  return outcome;
}

/** Removes a program after asking; the engine refuses one that destinations carry, naming them. */
export async function removeProgram(id: string): Promise<CommandOutcome | undefined> {
  const name = useCutline.getState().engine?.programs?.find((p) => p.id === id)?.name ?? id;
  const ok = await askConfirm({ title: `Remove ${name}?`, message: `${name} stops encoding and its layouts and overlays are dropped.`, confirmLabel: 'Remove', danger: true });
  if (!ok) return undefined;
  const outcome = await runCommand('program.remove', { id });
  if (outcome.ok) await selectProgram(MAIN_PROGRAM_ID);
  return outcome;
}

async function reloadObject(id: string): Promise<void> {
  try {
    const snapshot = (await query('object.get', { id })) as ObjectSnapshot;
    useCutline.setState((s) => ({ objects: { ...s.objects, [id]: snapshot } }));
  } catch {
    // Deleted meanwhile: object.deleted takes it out.
  }
}

// ---- commands ---------------------------------------------------------------------------------

export type CommandOutcome<N extends CommandName = CommandName> = { ok: true; result: CommandResult<N> } | { ok: false; message: string; code: string };

export interface RunOptions {
  /** Show the error next to this source / destination as well as in a toast. */
  sourceId?: string;
  destinationId?: string;
  /** A toast on success. */
  success?: string;
}

/** Sends a command; on failure the engine's message is shown and returned, never thrown. */
export async function runCommand<N extends CommandName>(command: N, params: CommandInput<N>, options: RunOptions = {}): Promise<CommandOutcome<N>> {
  if (!client) {
    const message = 'Not connected to the engine yet.';
    pushToast('error', message, command);
    return { ok: false, message, code: 'disconnected' };
  }
  try {
    const result = await client.request(command, scopeToSelectedProgram(command, params));
    const patch: Partial<ReturnType<typeof initialState>> = {};
    if (CHANGES_SHOW.has(command)) patch.dirty = true;
    if (options.sourceId) patch.sourceErrors = without(useCutline.getState().sourceErrors, options.sourceId);
    if (options.destinationId) patch.destinationErrors = without(useCutline.getState().destinationErrors, options.destinationId);
    if (Object.keys(patch).length) useCutline.setState(patch);
    if (command.startsWith('overlay.') && !READS.has(command) && selectedProgramId(useCutline.getState()) !== MAIN_PROGRAM_ID) void reloadOverlays();
    if (!READS.has(command)) scheduleRefresh();
    if (options.success) pushToast('info', options.success);
    return { ok: true, result };
  } catch (error) {
    const message = (error as Error).message || 'The engine refused the command.';
    const code = error instanceof ClientError ? error.code : 'internal';
    pushToast('error', message, command);
    if (options.sourceId) useCutline.setState((s) => ({ sourceErrors: { ...s.sourceErrors, [options.sourceId!]: message } }));
    if (options.destinationId) useCutline.setState((s) => ({ destinationErrors: { ...s.destinationErrors, [options.destinationId!]: message } }));
    return { ok: false, message, code };
  }
}

function without(record: Record<string, string>, key: string): Record<string, string> {
  if (!(key in record)) return record;
  const { [key]: _gone, ...rest } = record;
  return rest;
}

/** Reads without toasting (device.list etc.); throws ClientError. */
export function query<N extends CommandName>(command: N, params: CommandInput<N>): Promise<CommandResult<N>> {
  if (!client) return Promise.reject(new ClientError('disconnected', 'Not connected to the engine yet.'));
  return client.request(command, scopeToSelectedProgram(command, params));
}

// ---- toasts and confirmations -----------------------------------------------------------------

export function pushToast(kind: Toast['kind'], message: string, command?: string): void {
  const id = ++toastSeq;
  useCutline.setState((s) => ({ toasts: [...s.toasts.slice(-4), { id, kind, message, ...(command ? { command } : {}) }] }));
  toastTimers.set(
    id,
    setTimeout(() => dismissToast(id), kind === 'error' ? 12_000 : 4_000),
  );
}

export function dismissToast(id: number): void {
  clearTimeout(toastTimers.get(id));
  toastTimers.delete(id);
  useCutline.setState((s) => ({ toasts: s.toasts.filter((t) => t.id !== id) }));
}

export function askConfirm(request: Omit<ConfirmRequest, 'resolve' | 'danger' | 'confirmLabel'> & Partial<Pick<ConfirmRequest, 'danger' | 'confirmLabel'>>): Promise<boolean> {
  useCutline.getState().confirm?.resolve(false);
  return new Promise((resolve) => {
    useCutline.setState({
      confirm: {
        danger: true,
        confirmLabel: 'OK',
        ...request,
        resolve: (ok) => {
          useCutline.setState({ confirm: null });
          resolve(ok);
        },
      },
    });
  });
}

// ---- layouts and transitions --------------------------------------------------------------------

/** The selected program's preview (its program layout when studio mode has none yet). */
export function previewLayout(engine: EngineState): LayoutSpec {
  const program = selectedProgram(engine);
  return program.preview ?? program.layout;
}

/** The selected program's layout on air. */
export function programLayout(engine: EngineState): LayoutSpec {
  return selectedProgram(engine).layout;
}

function layoutInput(base: LayoutSpec, change: Partial<LayoutInput>): LayoutInput {
  const next: LayoutInput = {
    preset: base.preset,
    sources: base.sources,
    fit: base.fit,
    gap: base.gap,
    background: base.background,
    ...(base.placements ? { placements: base.placements } : {}),
    ...(base.highlight ? { highlight: base.highlight } : {}),
    ...(base.highlightColor ? { highlightColor: base.highlightColor } : {}),
    ...(base.follow ? { follow: base.follow } : {}),
    ...change,
  };
  if (next.preset !== 'custom') delete next.placements;
  return next;
}

/** How many sources each preset shows; the rest of the selection is kept but not drawn. */
export const PRESET_CAPACITY: Record<Exclude<LayoutPreset, 'custom'>, number> = {
  solo: 1,
  sideBySide: 2,
  grid: 64,
  spotlight: 64,
  pip: 2,
  stack: 2,
  wall: 64,
};

/** A preset on preview with the sources already chosen, or every source when none is chosen. */
export function applyPreset(preset: Exclude<LayoutPreset, 'custom'>): Promise<CommandOutcome> {
  const engine = useCutline.getState().engine;
  if (!engine) return Promise.resolve({ ok: false, message: 'No state yet', code: 'disconnected' });
  const base = previewLayout(engine);
  const known = new Set(engine.show.sources.map((s) => s.id));
  let sources = base.preset === 'custom' ? (base.placements ?? []).map((p) => p.source) : base.sources;
  sources = [...new Set(sources)].filter((id) => known.has(id));
  if (sources.length === 0) sources = engine.show.sources.map((s) => s.id);
  return runCommand('preview.set', layoutInput(base, { preset, sources }));
}

/** Click on a source: add it to the preview layout, or take it out. */
export function toggleInPreview(sourceId: string): Promise<CommandOutcome> {
  const engine = useCutline.getState().engine;
  if (!engine) return Promise.resolve({ ok: false, message: 'No state yet', code: 'disconnected' });
  const base = previewLayout(engine);
  if (base.preset === 'custom') {
    const placements = base.placements ?? [];
    const has = placements.some((p) => p.source === sourceId);
    const next = has
      ? placements.filter((p) => p.source !== sourceId)
      : [...placements, { source: sourceId, x: 0.35, y: 0.35, width: 0.3, height: 0.3, z: placements.length }];
    return runCommand('preview.set', layoutInput(base, { placements: next, sources: next.map((p) => p.source) }));
  }
  const has = base.sources.includes(sourceId);
  const sources = has ? base.sources.filter((s) => s !== sourceId) : [...base.sources, sourceId];
  return runCommand('preview.set', layoutInput(base, { sources }));
}

/** Make a source the main one (solo picture, spotlight, pip background): first in the list. */
export function makeMain(sourceId: string): Promise<CommandOutcome> {
  const engine = useCutline.getState().engine;
  if (!engine) return Promise.resolve({ ok: false, message: 'No state yet', code: 'disconnected' });
  const base = previewLayout(engine);
  // A wall's main source is its highlight; its tiles keep their order.
  if (base.preset === 'wall') return runCommand('preview.set', layoutInput(base, { highlight: sourceId }));
  const sources = [sourceId, ...base.sources.filter((s) => s !== sourceId)];
  return runCommand('preview.set', layoutInput(base, { preset: base.preset === 'custom' ? 'spotlight' : base.preset, sources }));
}

/**
 * One click (or Shift+1–9) during the show: this source into the program layout's main place at
 * once — the wall's highlight, or solo/spotlight's main source (`layout.highlight`).
 */
export function highlightOnProgram(sourceId: string): Promise<CommandOutcome> {
  return runCommand('layout.highlight', { source: sourceId });
}

/** Keyboard Shift+1–9: source N highlighted on program. */
export function highlightOnProgramByIndex(index: number): Promise<CommandOutcome> | undefined {
  const source = useCutline.getState().engine?.show.sources[index];
  return source ? highlightOnProgram(source.id) : undefined;
}

/** Keyboard 1–9: source N alone on preview. */
export function soloOnPreview(index: number): Promise<CommandOutcome> | undefined {
  const engine = useCutline.getState().engine;
  const source = engine?.show.sources[index];
  if (!engine || !source) return undefined;
  return runCommand('preview.set', layoutInput(previewLayout(engine), { preset: 'solo', sources: [source.id] }));
}

export function setCustomPreview(placements: NonNullable<LayoutInput['placements']>): Promise<CommandOutcome> {
  const engine = useCutline.getState().engine;
  if (!engine) return Promise.resolve({ ok: false, message: 'No state yet', code: 'disconnected' });
  return runCommand('preview.set', layoutInput(previewLayout(engine), { preset: 'custom', placements, sources: [...new Set(placements.map((p) => p.source))] }));
}

export function take(kind: 'cut' | 'fade'): Promise<CommandOutcome> {
  const durationMs = useCutline.getState().fadeMs;
  return runCommand('program.take', kind === 'cut' ? { kind: 'cut' } : { kind: 'fade', durationMs });
}

export function setFadeMs(ms: number): void {
  useCutline.setState({ fadeMs: Math.max(0, Math.min(10_000, Math.round(ms))) });
}

// ---- sources, audio, destinations ------------------------------------------------------------

/** A readable id that is not taken yet: "camera", "camera-2", ... */
export function freeId(base: string, taken: Iterable<string>): string {
  const slug =
    base
      .toLowerCase()
      .replace(/[^a-z0-9_-]+/g, '-')
      .replace(/^-+|-+$/g, '')
      .slice(0, 48) || 'item';
  const used = new Set(taken);
  if (!used.has(slug)) return slug;
  for (let n = 2; ; n++) if (!used.has(`${slug}-${n}`)) return `${slug}-${n}`;
}

export function addSource(spec: SourceSpec | Omit<SourceSpec, 'gainDb' | 'muted' | 'slateAfterS'>): Promise<CommandOutcome> {
  return runCommand('source.add', spec as CommandInput<'source.add'>);
}

export function renameSource(id: string, label: string): Promise<CommandOutcome> {
  return runCommand('source.update', { id, label }, { sourceId: id });
}

export async function removeSource(id: string): Promise<CommandOutcome | undefined> {
  const engine = useCutline.getState().engine;
  const label = engine?.sources.find((s) => s.id === id)?.label ?? id;
  const onAir = engine ? sourcesOnAir(engine.show.layout).includes(id) : false;
  const ok = await askConfirm({
    title: `Remove ${label}?`,
    message: onAir ? `${label} is on program now; it disappears from the program at once.` : `${label} is stopped and removed from every layout.`,
    confirmLabel: 'Remove',
  });
  if (!ok) return undefined;
  return runCommand('source.remove', { id }, { sourceId: id });
}

/** Withdraws a guest's link (leaked, sent to the wrong person): they leave and the link stops working. */
export async function revokeGuest(id: string): Promise<CommandOutcome | undefined> {
  const label = useCutline.getState().engine?.sources.find((s) => s.id === id)?.label ?? id;
  const ok = await askConfirm({
    title: `Revoke ${label}'s link?`,
    message: `${label} leaves the show at once and this link, its WHIP token and their chat stop working. Invite them again for a new link.`,
    confirmLabel: 'Revoke link',
    danger: true,
  });
  if (!ok) return undefined;
  return runCommand('guest.revoke', { id }, { sourceId: id });
}

export function sourcesOnAir(layout: LayoutSpec): string[] {
  const ids = layout.preset === 'custom' ? (layout.placements ?? []).map((p) => p.source) : layout.sources.slice(0, layoutCapacity(layout.preset));
  return [...new Set(ids)];
}

function layoutCapacity(preset: LayoutPreset): number {
  return preset === 'custom' ? 64 : PRESET_CAPACITY[preset];
}

/** `id` is a source id or "program" (the master). */
export function setGain(id: string, gainDb: number): Promise<CommandOutcome> {
  optimisticAudio(id, { gainDb });
  return runCommand('audio.set', { id, gainDb }, id === 'program' ? {} : { sourceId: id });
}

export function setMuted(id: string, muted: boolean): Promise<CommandOutcome> {
  optimisticAudio(id, { muted });
  return runCommand('audio.set', { id, muted }, id === 'program' ? {} : { sourceId: id });
}

/** Faders move at once; the next state read confirms (or corrects) the value. */
function optimisticAudio(id: string, change: { gainDb?: number; muted?: boolean }): void {
  const engine = useCutline.getState().engine;
  if (!engine) return;
  let show: ShowDocument;
  if (id === 'program') {
    show = {
      ...engine.show,
      audio: {
        masterGainDb: change.gainDb ?? engine.show.audio.masterGainDb,
        masterMuted: change.muted ?? engine.show.audio.masterMuted,
      },
    };
  } else {
    show = { ...engine.show, sources: engine.show.sources.map((s) => (s.id === id ? { ...s, ...change } : s)) };
  }
  useCutline.setState({ engine: { ...engine, show } });
}

export function addDestination(spec: DestinationSpec | CommandInput<'destination.add'>): Promise<CommandOutcome> {
  return runCommand('destination.add', spec as CommandInput<'destination.add'>);
}

export function startDestination(id: string): Promise<CommandOutcome> {
  return runCommand('destination.start', { id }, { destinationId: id });
}

export async function stopDestination(id: string): Promise<CommandOutcome | undefined> {
  const label = useCutline.getState().engine?.destinations.find((d) => d.id === id)?.label ?? id;
  const ok = await askConfirm({
    title: `Stop ${label}?`,
    message: `The stream to ${label} ends now; viewers there see the end of the broadcast. Recordings are finalized.`,
    confirmLabel: 'Stop',
  });
  if (!ok) return undefined;
  return runCommand('destination.stop', { id }, { destinationId: id });
}

export function startAllDestinations(): Promise<CommandOutcome> {
  return runCommand('destination.startAll', {});
}

export async function stopAllDestinations(): Promise<CommandOutcome | undefined> {
  const ok = await askConfirm({
    title: 'Stop every destination?',
    message: 'Every running stream and recording ends now.',
    confirmLabel: 'Stop all',
  });
  if (!ok) return undefined;
  return runCommand('destination.stopAll', {});
}

export async function removeDestination(id: string): Promise<CommandOutcome | undefined> {
  const status = useCutline.getState().engine?.destinations.find((d) => d.id === id);
  const running = status && ['connecting', 'live', 'reconnecting'].includes(status.state);
  const ok = await askConfirm({
    title: `Remove ${status?.label ?? id}?`,
    message: running ? 'It is running: the stream stops first.' : 'Its settings (and stream key) are removed from the show.',
    confirmLabel: 'Remove',
  });
  if (!ok) return undefined;
  return runCommand('destination.remove', { id }, { destinationId: id });
}

// ---- show files -------------------------------------------------------------------------------

async function okToReplaceShow(): Promise<boolean> {
  const { dirty, engine } = useCutline.getState();
  const live = engine?.destinations.filter((d) => ['connecting', 'live', 'reconnecting'].includes(d.state)).length ?? 0;
  if (!dirty && live === 0) return true;
  const parts = [];
  if (dirty) parts.push('The current show has unsaved changes; they will be lost.');
  if (live) parts.push(`${live} running destination${live > 1 ? 's' : ''} will be stopped.`);
  return askConfirm({ title: 'Replace the current show?', message: parts.join(' '), confirmLabel: 'Replace' });
}

export async function newShow(): Promise<CommandOutcome | undefined> {
  if (!(await okToReplaceShow())) return undefined;
  const outcome = await runCommand('show.load', { show: {} });
  if (outcome.ok) useCutline.setState({ dirty: false, showPath: null, sourceErrors: {}, destinationErrors: {} });
  return outcome;
}

export async function openShowPath(path: string): Promise<CommandOutcome | undefined> {
  if (!(await okToReplaceShow())) return undefined;
  const outcome = await runCommand('show.load', { path });
  if (outcome.ok) {
    useCutline.setState({ dirty: false, showPath: path, sourceErrors: {}, destinationErrors: {} });
    rememberRecentShow(path);
  }
  return outcome;
}

export async function openShowDocument(text: string, fileName: string): Promise<CommandOutcome | undefined> {
  let show: unknown;
  try {
    show = JSON.parse(text);
  } catch (error) {
    pushToast('error', `${fileName} is not a show file (not JSON: ${(error as Error).message}).`);
    return undefined;
  }
  if (!(await okToReplaceShow())) return undefined;
  const outcome = await runCommand('show.load', { show });
  if (outcome.ok) useCutline.setState({ dirty: false, showPath: null, sourceErrors: {}, destinationErrors: {} });
  return outcome;
}

/** Saves on the engine's machine (the last path when none is given). */
export async function saveShow(path?: string): Promise<CommandOutcome | undefined> {
  const target = path ?? useCutline.getState().showPath;
  if (!target) return undefined;
  const outcome = await runCommand('show.save', { path: target }, { success: `Saved to ${target}` });
  if (outcome.ok) {
    useCutline.setState({ dirty: false, showPath: target });
    rememberRecentShow(target);
  }
  return outcome;
}

/** The show document as the engine gives it (stream keys redacted), for a download. */
export async function exportShow(): Promise<ShowDocument | undefined> {
  const outcome = await runCommand('show.save', {});
  if (!outcome.ok) return undefined;
  useCutline.setState({ dirty: false });
  return outcome.result.show;
}

// ---- recent shows (Open dialog) ----------------------------------------------------------------

/** Set once a write was refused (quota, private mode): from then on the list lives in memory only. */
let recentStorageFailed = false;

function recentStorage(): RecentShowsStorage | undefined {
  if (recentStorageFailed) return undefined;
  try {
    // Reading `localStorage` itself throws where storage is disabled; Node has none.
    return typeof localStorage === 'undefined' ? undefined : localStorage;
  } catch {
    return undefined;
  }
}

function updateRecentShows(change: (list: string[]) => string[]): void {
  const storage = recentStorage();
  // Read-modify-write: another tab of the desk may have changed the list meanwhile.
  const next = change(storage ? readRecentShows(storage) : useCutline.getState().recentShows);
  if (storage && !writeRecentShows(storage, next)) recentStorageFailed = true;
  useCutline.setState({ recentShows: next });
}

/** Re-reads the stored list (on connect, and whenever the Open dialog opens). */
export function reloadRecentShows(): void {
  const storage = recentStorage();
  if (storage) useCutline.setState({ recentShows: readRecentShows(storage) });
}

/** Called when a show was opened from or saved to `path` on the engine's machine. */
export function rememberRecentShow(path: string): void {
  updateRecentShows((list) => addRecentShow(list, path));
}

export function forgetRecentShow(path: string): void {
  updateRecentShows((list) => removeRecentShow(list, path));
}

// ---- tests ------------------------------------------------------------------------------------

/** Back to a fresh store with no client (zustand's testing guide: reset between tests). */
export function resetForTests(): void {
  disconnectEngine();
  refreshing = null;
  refreshAgain = false;
  for (const timer of toastTimers.values()) clearTimeout(timer);
  toastTimers.clear();
  resetMeters();
  resetThumbnails();
  recentStorageFailed = false;
  useCutline.setState(initialState(), true);
}
