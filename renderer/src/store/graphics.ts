/**
 * Graphics actions: add, edit in place, cue on preview, show / hide with the overlay's fade,
 * remove, "name on screen" for a source, and overlay hotkeys. The engine's GraphicsLayer owns the
 * overlays; these only send overlay.* commands (the store follows `overlay.changed`).
 */
import type { OverlayInput, OverlayStatus } from '../../../shared/objects.ts';
import type { CommandInput } from '../client/EngineClient.ts';
import { askConfirm, type CommandOutcome, freeId, runCommand } from './actions.ts';
import { runForField } from './fieldErrors.ts';
import { useCutline } from './store.ts';

export const HOTKEYS_KEY = 'cutline.overlayHotkeys.v1';

/** What a graphic says, in a few words, for its row: a lower third's name, a text, a ticker's first item, the object shown. */
export function overlaySummary(o: OverlayStatus): string {
  const s = o.spec as Record<string, unknown>;
  const first = Array.isArray(s.items) ? s.items[0] : undefined;
  const text = s.name ?? s.text ?? first ?? s.label ?? s.object ?? '';
  return String(text).slice(0, 40);
}

export function newOverlayId(kind: string): string {
  return freeId(kind, useCutline.getState().overlays.map((o) => o.id));
}

/** Adds an overlay; hidden unless asked, so the producer can cue it on preview first. */
export function addOverlay(spec: OverlayInput): Promise<CommandOutcome> {
  return runForField('overlay.add', 'overlay.add', { visible: false, ...spec } as CommandInput<'overlay.add'>);
}

export function updateOverlay(id: string, fields: Record<string, unknown>): Promise<CommandOutcome> {
  return runForField(`overlay.${id}`, 'overlay.update', { id, ...fields } as CommandInput<'overlay.update'>);
}

/** On air with its fade; a cue on preview is taken off at the same time (it is on air now). */
export function showOverlay(id: string): Promise<CommandOutcome> {
  const o = useCutline.getState().overlays.find((x) => x.id === id);
  if (o?.spec.onPreview) return updateOverlay(id, { visible: true, onPreview: false });
  return runForField(`overlay.${id}`, 'overlay.show', { id });
}

export function hideOverlay(id: string): Promise<CommandOutcome> {
  return runForField(`overlay.${id}`, 'overlay.hide', { id });
}

export function toggleOverlay(id: string): Promise<CommandOutcome> | undefined {
  const o = useCutline.getState().overlays.find((x) => x.id === id);
  if (!o) return undefined;
  return o.visible ? hideOverlay(id) : showOverlay(id);
}

/** Cue on / off the preview monitor (not on air). */
export function cueOverlay(id: string, onPreview: boolean): Promise<CommandOutcome> {
  return updateOverlay(id, { onPreview });
}

export async function removeOverlay(id: string): Promise<CommandOutcome | undefined> {
  const o = useCutline.getState().overlays.find((x) => x.id === id);
  if (o?.visible) {
    const ok = await askConfirm({ title: `Remove ${id}?`, message: `${id} is on air: it disappears from the program at once.`, confirmLabel: 'Remove' });
    if (!ok) return undefined;
  }
  const outcome = await runCommand('overlay.remove', { id });
  if (outcome.ok) setOverlayHotkey(id, undefined);
  return outcome;
}

/** The lower third that names a source: `name-<source id>`, created on first use, then updated. */
export function nameOverlayId(sourceId: string): string {
  return `name-${sourceId}`.slice(0, 64);
}

/** "Name on screen": the source's label (and a title) as a lower third, on air with its fade. */
export async function nameOnScreen(sourceId: string, name: string, title: string): Promise<CommandOutcome> {
  const id = nameOverlayId(sourceId);
  const exists = useCutline.getState().overlays.some((o) => o.id === id);
  const field = `name.${sourceId}`;
  if (exists) return runForField(field, 'overlay.update', { id, name, title, visible: true, onPreview: false } as CommandInput<'overlay.update'>);
  return runForField(field, 'overlay.add', { id, kind: 'lowerThird', name, title, visible: true } as CommandInput<'overlay.add'>);
}

// ---- hotkeys ----------------------------------------------------------------------------------

/** Letters only: digits and Space/Enter are the desk's own keys. */
export const HOTKEY_LETTERS = 'abcdefghijklmnopqrstuvwxyz'.split('');

export function loadOverlayHotkeys(): void {
  try {
    const raw = typeof localStorage === 'undefined' ? null : localStorage.getItem(HOTKEYS_KEY);
    const parsed = raw ? (JSON.parse(raw) as unknown) : {};
    const clean: Record<string, string> = {};
    if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) {
      for (const [key, id] of Object.entries(parsed)) if (HOTKEY_LETTERS.includes(key) && typeof id === 'string' && id.length <= 64) clean[key] = id;
    }
    useCutline.setState({ overlayHotkeys: clean });
  } catch {
    useCutline.setState({ overlayHotkeys: {} });
  }
}

/** Gives `letter` to the overlay (taking it from any other); undefined clears the overlay's key. */
export function setOverlayHotkey(id: string, letter: string | undefined): void {
  const next = Object.fromEntries(Object.entries(useCutline.getState().overlayHotkeys).filter(([key, owner]) => owner !== id && key !== letter));
  if (letter && HOTKEY_LETTERS.includes(letter)) next[letter] = id;
  useCutline.setState({ overlayHotkeys: next });
  try {
    localStorage.setItem(HOTKEYS_KEY, JSON.stringify(next));
  } catch {
    // Storage off or full: the keys last as long as the page.
  }
}

/** The keyboard handler's part: true when the letter belongs to an overlay (toggled). */
export function overlayHotkey(key: string): boolean {
  const id = useCutline.getState().overlayHotkeys[key.toLowerCase()];
  if (!id) return false;
  void toggleOverlay(id);
  return true;
}
