/**
 * Assembles what a destination's preflight (shared/destinationPreflight.ts) needs from the running
 * show: the program settings, how many sources are audible, whether the master is muted, what this
 * ffmpeg can do, and the free space where a recording goes.
 */
import { type PreflightResult, preflight } from '../../../shared/destinationPreflight.ts';
import type { DestinationSpec, OutputSettings } from '../../../shared/show.ts';
import type { ProbeResult } from '../ffmpeg/probe.ts';
import type { Program } from '../program/Program.ts';
import type { Source } from '../sources/Source.ts';
import { destinationFreeBytes } from './engineSupport.ts';

export interface PreflightInputs {
  output: OutputSettings;
  program: Program;
  sources: Iterable<Source>;
  probe: ProbeResult;
  ffmpegPath: string;
}

/** What the destination's service would complain about with the current program settings. */
export function preflightDestination(spec: DestinationSpec, inputs: PreflightInputs): PreflightResult {
  const audibleSources = [...inputs.sources].filter((s) => !s.muted).length;
  const freeBytes = spec.kind === 'recording' ? destinationFreeBytes(spec.path) : undefined;
  return preflight(spec, {
    output: inputs.output,
    audio: { audibleSources, masterMuted: inputs.program.master.muted },
    capabilities: inputs.probe.capabilities,
    ffmpegPath: inputs.ffmpegPath,
    ...(freeBytes !== undefined ? { freeBytes } : {}),
  });
}
