/**
 * What the add-destination form needs beyond the shared pieces. The presets (services, ingest URLs,
 * requirements) and the preflight checks are the engine's own code in shared/
 * (destinationPresets.ts, destinationPreflight.ts), so the form offers the engine's list and warns
 * in the same words the row shows once the destination is added. Only what this engine's ffmpeg
 * can send (e.g. SRT needs libsrt) comes from the engine, in its `destination.presets` answer.
 * Pure functions.
 */
import { preflight } from '../../../shared/destinationPreflight.ts';
import { type DestinationPreset, PRESETS, type PresetListing } from '../../../shared/destinationPresets.ts';
import type { DestinationInput, ShowDocument } from '../../../shared/show.ts';

/** A preset as the form offers it: `available` is known once the engine has answered. */
export type FormPreset = DestinationPreset & Partial<Pick<PresetListing, 'available' | 'unavailableReason'>>;

/**
 * The shared presets, with what the engine's `destination.presets` answer says this ffmpeg cannot
 * send. Before the answer (or without one) every preset is offered; the engine's preflight still
 * refuses to start what it cannot send, with the reason.
 */
type Availability = { id: string } & Partial<Pick<PresetListing, 'available' | 'unavailableReason'>>;

export function withAvailability(answer: { presets?: readonly Availability[] } | undefined): FormPreset[] {
  const listed = answer?.presets;
  if (!Array.isArray(listed)) return [...PRESETS];
  const byId = new Map(listed.map((p) => [p.id, p]));
  return PRESETS.map((preset) => {
    const listing = byId.get(preset.id);
    if (listing?.available !== false) return preset;
    return { ...preset, available: false, ...(listing.unavailableReason ? { unavailableReason: listing.unavailableReason } : {}) };
  });
}

export function presetById(id: string, presets: readonly FormPreset[] = PRESETS): FormPreset {
  return presets.find((p) => p.id === id) ?? presets[0];
}

/** A URL without placeholders belongs to the service (YouTube, Facebook, …): pick it, don't edit it. */
export function editableUrl(preset: DestinationPreset): boolean {
  return !preset.url || /\{[a-z]+\}/.test(preset.url) || preset.kind === 'srt';
}

/**
 * What the engine's preflight would say about the destination being filled in, with the show as
 * it is now: what would stop it from starting first, then the warnings (info notes stay out, as on
 * the rows). What this ffmpeg cannot send is shown from `destination.presets` instead; whether the
 * URL is well-formed is `destination.add`'s answer (the bundle carries no zod).
 */
export function formWarnings(draft: DestinationInput, show: ShowDocument, ffmpegPath: string): string[] {
  const result = preflight(draft, {
    output: show.output,
    audio: { audibleSources: show.sources.filter((s) => !s.muted).length, masterMuted: show.audio.masterMuted },
    capabilities: { srt: true, rtmps: true },
    ffmpegPath,
  });
  return [...(result.blocking ? [result.blocking] : []), ...result.issues.filter((i) => i.severity === 'warning').map((i) => i.message)];
}

/** 3725 → "1:02:05", 65 → "1:05". */
export function formatUptime(seconds: number): string {
  const s = Math.max(0, Math.floor(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = String(s % 60).padStart(2, '0');
  return h ? `${h}:${String(m).padStart(2, '0')}:${sec}` : `${m}:${sec}`;
}
