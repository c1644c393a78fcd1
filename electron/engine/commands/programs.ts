/**
 * Programs: adding, changing and removing the show's programs beyond `main` (a vertical cut, a
 * venue wall), and how the state lists them. Layouts, takes, overlays and output settings of one
 * program are the commands of their own nouns with `programId` (layouts.ts, output.ts, overlays.ts).
 */
import { programName } from '../../../shared/programs.ts';
import { ProtocolError } from '../../../shared/protocol.ts';
import type { ProgramSummary } from '../../../shared/results.ts';
import { describeZodError, MAIN_PROGRAM_ID, OutputSettings, SHOW_LIMITS } from '../../../shared/show.ts';
import type { Show } from '../Show.ts';
import type { HandlerMap } from './context.ts';

/** Above this much of the machine's CPU, one more program's encode may not keep up. */
const BUSY_CPU_PERCENT = 75;

/** Every program as the state lists it, main first. */
export function programSummaries(show: Show): ProgramSummary[] {
  return show.programs.ids().map((id) => summaryOf(show, id));
}

function summaryOf(show: Show, id: string): ProgramSummary {
  const programs = show.programs;
  const program = programs.require(id);
  const settings = programs.settings(id);
  return {
    id,
    name: programName(settings),
    public: settings.public ?? false,
    output: program.settings,
    layout: program.layout,
    ...(program.preview ? { preview: program.preview } : {}),
    transition: settings.transition,
    status: program.status(),
    destinations: show.destinationsOf(id).map((d) => d.id),
  };
}

/**
 * Why the machine may not encode one more program in real time, from what it measures now: the
 * whole machine's CPU and frames the running programs already drop or run late.
 */
function loadWarnings(show: Show, added: { width: number; height: number }): string[] {
  const warnings: string[] = [];
  const statuses = show.programs.ids().map((id) => show.programs.require(id).status());
  const cpu = Math.max(...statuses.map((s) => s.cpuPercent));
  if (cpu >= BUSY_CPU_PERCENT)
    warnings.push(`the machine is at ${cpu}% CPU with ${statuses.length} program(s) running; a ${added.width}×${added.height} encode may not keep up: watch droppedFrames, or use a smaller size or a hardware encoder`);
  const dropping = statuses.filter((s) => s.droppedFrames > 0 || s.lateFrames > 0);
  if (dropping.length > 0)
    warnings.push(`programs are already dropping or late on frames (${statuses.map((s, i) => `${show.programs.ids()[i]}: ${s.droppedFrames} dropped, ${s.lateFrames} late`).join('; ')}): another program will make it worse`);
  return warnings;
}

export const programHandlers: HandlerMap<'program.add' | 'program.remove' | 'program.update'> = {
  'program.add': (spec, ctx) => {
    const programs = ctx.show.programs;
    if (programs.has(spec.id)) throw new ProtocolError('conflict', `a program with id "${spec.id}" already exists`);
    if (programs.size >= SHOW_LIMITS.programs) throw new ProtocolError('conflict', `a show has at most ${SHOW_LIMITS.programs} programs: remove one first`);
    if (spec.output.fps !== programs.fps)
      throw new ProtocolError('invalid_params', `program.add: every program runs on the show's clock at ${programs.fps} fps (main's): use output.fps ${programs.fps}`);
    ctx.show.checkLayoutSources(spec.layout);
    if (spec.preview) ctx.show.checkLayoutSources(spec.preview);
    const warnings = loadWarnings(ctx.show, spec.output);
    programs.add(spec);
    for (const warning of warnings) ctx.log(`program ${spec.id}: ${warning}`);
    ctx.events.emit('program.added', { id: spec.id });
    return { ...summaryOf(ctx.show, spec.id), ...(warnings.length ? { warnings } : {}) };
  },
  'program.remove': async ({ id }, ctx) => {
    if (id === MAIN_PROGRAM_ID) throw new ProtocolError('conflict', `program "${MAIN_PROGRAM_ID}" is the show's own and cannot be removed`);
    ctx.show.programs.require(id);
    const carrying = ctx.show.destinationsOf(id);
    if (carrying.length > 0) {
      const named = carrying.map((d) => `${d.id} (${d.status().state})`).join(', ');
      throw new ProtocolError('conflict', `program "${id}" is carried by destination(s) ${named}: stop and remove them, or add them again with another program, first`);
    }
    await ctx.show.programs.remove(id);
    ctx.events.emit('program.removed', { id });
    return {};
  },
  'program.update': async ({ id, output, ...changes }, ctx) => {
    const programs = ctx.show.programs;
    const program = programs.require(id);
    if (output) {
      const parsed = OutputSettings.safeParse({ ...program.settings, ...output });
      if (!parsed.success) throw new ProtocolError('invalid_params', `program.update: output.${describeZodError(parsed.error)}`);
      await ctx.show.changeOutput(parsed.data, id);
    }
    programs.update(id, changes);
    ctx.events.emit('show.changed', { name: ctx.show.settings.name });
    return summaryOf(ctx.show, id);
  },
};
