/**
 * The views of a running show: its programs marked `public`, main first, as the viewer page lists
 * them (`GET /views`, docs/WEBRTC.md). No show running = no views.
 */
import { programName } from '../../../shared/programs.ts';
import type { ViewInfo } from '../webrtc/ViewFeeds.ts';
import type { ProgramSet } from './ProgramSet.ts';

export function publicViews(programs: () => ProgramSet): ViewInfo[] {
  let set: ProgramSet;
  try {
    set = programs();
  } catch {
    return [];
  }
  return set
    .ids()
    .map((id) => ({ id, settings: set.settings(id) }))
    .filter(({ settings }) => settings.public === true)
    .map(({ id, settings }) => ({ id, name: programName({ id, ...(settings.name !== undefined ? { name: settings.name } : {}) }), width: settings.output.width, height: settings.output.height }));
}
