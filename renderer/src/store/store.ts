/**
 * The renderer's one store, made of slices (zustand's slices pattern):
 * - engine: the mirror of the engine's EngineState (the engine is the source of truth);
 * - connection: whether the transport is up;
 * - live: the show's graphics, shared objects, objects tokens and recent engine log, mirrored from
 *   overlay.*, object.* and log.* (not part of EngineState; liveMirror.ts applies their events);
 * - ui: what exists only on this desk (toasts, the pending confirmation, unsaved changes, the
 *   fade length chosen for Take, the program tab chosen).
 * Actions live at module level in actions.ts so event handlers outside React can call them.
 */
import { create } from 'zustand';
import type { LogEntry } from '../../../shared/log.ts';
import type { BlockedClient, ObjectSnapshot, ObjectTokenInfo, OverlayStatus } from '../../../shared/objects.ts';
import type { EngineState } from '../../../shared/protocol.ts';
import type { ConnectionStatus } from '../client/EngineClient.ts';

export interface Toast {
  id: number;
  kind: 'error' | 'info';
  message: string;
  /** The command that failed, shown as context. */
  command?: string;
}

export interface ConfirmRequest {
  title: string;
  message: string;
  confirmLabel: string;
  danger: boolean;
  resolve: (ok: boolean) => void;
}

export interface EngineSlice {
  engine: EngineState | null;
}

export interface LiveSlice {
  overlays: OverlayStatus[];
  objects: Record<string, ObjectSnapshot>;
  tokens: ObjectTokenInfo[];
  /** Overlay thumbnails drawn by the engine (PNG data: URLs), by overlay id. */
  thumbnails: Record<string, string>;
  /** Clients and tokens blocked on the objects socket. */
  blocked: BlockedClient[];
  /** The engine's recent messages, oldest first (bounded like the engine's ring). */
  log: LogEntry[];
}

export interface ConnectionSlice {
  connection: ConnectionStatus;
}

export interface UiSlice {
  toasts: Toast[];
  confirm: ConfirmRequest | null;
  /** The show differs from what was last loaded or saved (sources, audio, output, destinations). */
  dirty: boolean;
  /** Where the show was last loaded from or saved to on the engine's machine. */
  showPath: string | null;
  /** Show paths on the engine's machine last opened or saved here, newest first (recentShows.ts). */
  recentShows: string[];
  /** Fade length for Take, in milliseconds. */
  fadeMs: number;
  /** Errors from the last command about a source, shown next to it (engine errors, not state). */
  sourceErrors: Record<string, string>;
  destinationErrors: Record<string, string>;
  /** The engine's message for a form field that was refused, by field key (e.g. "poll.question"). */
  fieldErrors: Record<string, string>;
  /** Overlay hotkeys: a letter → overlay id (kept in localStorage, per desk). */
  overlayHotkeys: Record<string, string>;
  /** The right column's open tab. */
  sideTab: SideTab;
  /** The program tab chosen above the monitors (programs.ts: what the desk's commands act on). */
  selectedProgram: string;
}

export type SideTab = 'show' | 'graphics' | 'interaction' | 'settings' | 'health';

export type CutlineState = EngineSlice & LiveSlice & ConnectionSlice & UiSlice;

const engineSlice = (): EngineSlice => ({ engine: null });
const liveSlice = (): LiveSlice => ({ overlays: [], objects: {}, tokens: [], blocked: [], thumbnails: {}, log: [] });
const connectionSlice = (): ConnectionSlice => ({ connection: { state: 'connecting' } });
const uiSlice = (): UiSlice => ({
  toasts: [],
  confirm: null,
  dirty: false,
  showPath: null,
  recentShows: [],
  fadeMs: 500,
  sourceErrors: {},
  destinationErrors: {},
  fieldErrors: {},
  overlayHotkeys: {},
  sideTab: 'show',
  selectedProgram: 'main',
});

export const initialState = (): CutlineState => ({ ...engineSlice(), ...liveSlice(), ...connectionSlice(), ...uiSlice() });

export const useCutline = create<CutlineState>()(() => initialState());
