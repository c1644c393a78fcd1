/**
 * The show document's programs (#13): a version-1 file is one program `main` made of its
 * top-level fields; version 2 lists programs and `main` wins; saving writes version 2 only when
 * there is more than main to say. And the program rules: ids, `main` required, at most 4, even
 * sizes up to 4096, one fps, destinations naming programs and sources that exist.
 */
import { describe, expect, it } from 'vitest';
import { parseShow } from '../../electron/engine/showFile.ts';
import { PROGRAM_SCOPED_COMMANDS } from '../../shared/programScope.ts';
import { mainProgramOf, programsOf, withPrograms } from '../../shared/programs.ts';
import { COMMANDS } from '../../shared/protocol.ts';
import { ShowDocument } from '../../shared/show.ts';

const SOURCES = [
  { id: 'cam1', kind: 'testPattern' },
  { id: 'cam2', kind: 'testPattern' },
];

/** A version-1 show file as Cutline wrote them before programs. */
const V1 = {
  version: 1,
  name: 'Old show',
  output: { width: 1920, height: 1080, fps: 30 },
  sources: SOURCES,
  layout: { preset: 'sideBySide', sources: ['cam1', 'cam2'] },
  preview: { preset: 'solo', sources: ['cam2'] },
  transition: { kind: 'fade', durationMs: 800 },
  overlays: [{ id: 'title', kind: 'text', text: 'Hello' }],
  audio: { masterGainDb: -3, masterMuted: false },
  destinations: [{ id: 'rec', kind: 'recording', path: '/tmp/x.mkv' }],
};

function refusal(input: unknown): string {
  try {
    parseShow(input);
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error('expected the show to be refused');
}

describe('a version-1 show file is one program main', () => {
  it('main is made of output, layout, preview, transition, overlays and audio', () => {
    const show = parseShow(V1);
    const [main, ...rest] = programsOf(show);
    expect(rest).toEqual([]);
    expect(main.id).toBe('main');
    expect(main.output).toMatchObject({ width: 1920, height: 1080, fps: 30 });
    expect(main.layout).toMatchObject({ preset: 'sideBySide', sources: ['cam1', 'cam2'] });
    expect(main.preview).toMatchObject({ preset: 'solo', sources: ['cam2'] });
    expect(main.transition).toEqual({ kind: 'fade', durationMs: 800 });
    expect(main.overlays.map((o) => o.id)).toEqual(['title']);
    expect(main.audio).toEqual({ masterGainDb: -3, masterMuted: false });
  });

  it('is saved back as version 1 without programs (old readers keep reading it)', () => {
    const show = parseShow(V1);
    const saved = withPrograms(show, programsOf(show));
    expect(saved.version).toBe(1);
    expect(saved.programs).toBeUndefined();
    expect(parseShow(JSON.parse(JSON.stringify(saved)))).toEqual(show);
  });

  it('a document with nothing at all still has main (a grid at 1280×720)', () => {
    expect(programsOf(parseShow({}))).toMatchObject([{ id: 'main', output: { width: 1280, height: 720 }, layout: { preset: 'grid' } }]);
  });
});

describe('version 2: programs', () => {
  const V2 = {
    ...V1,
    version: 2,
    programs: [
      { id: 'vertical', name: 'Vertical 9:16', output: { width: 1080, height: 1920, fps: 30 }, layout: { preset: 'solo', sources: ['cam1'], fit: 'fill' }, public: true },
      { id: 'main', output: { width: 1280, height: 720, fps: 30 }, layout: { preset: 'grid', sources: ['cam1', 'cam2'] } },
    ],
    destinations: [
      { id: 'yt', kind: 'rtmp', url: 'rtmp://a.example/live' },
      { id: 'shorts', kind: 'rtmp', url: 'rtmp://b.example/live', program: 'vertical' },
      { id: 'iso', kind: 'recording', path: '/tmp/cam2.mkv', source: 'cam2' },
    ],
  };

  it('loads, main first, and main wins over the top-level fields (which then mirror it)', () => {
    const show = parseShow(V2);
    expect(programsOf(show).map((p) => p.id)).toEqual(['main', 'vertical']);
    expect(show.output).toMatchObject({ width: 1280, height: 720 });
    expect(show.layout).toMatchObject({ preset: 'grid' });
    expect(show.preview).toBeUndefined();
    expect(show.version).toBe(2);
    expect(programsOf(show)[1]).toMatchObject({ name: 'Vertical 9:16', public: true, output: { width: 1080, height: 1920 } });
  });

  it('round-trips through a saved file', () => {
    const show = parseShow(V2);
    const saved = JSON.parse(JSON.stringify(withPrograms(show, programsOf(show))));
    expect(saved.version).toBe(2);
    expect(saved.programs.map((p: { id: string }) => p.id)).toEqual(['main', 'vertical']);
    expect(parseShow(saved)).toEqual(show);
  });

  it('one program main with a name or public is still written as version 2 (version 1 has no place for them)', () => {
    const show = parseShow({ sources: SOURCES, programs: [{ id: 'main', name: 'Broadcast', public: true }] });
    const saved = withPrograms(show, programsOf(show));
    expect(saved.version).toBe(2);
    expect(saved.programs?.[0]).toMatchObject({ id: 'main', name: 'Broadcast', public: true });
    const plain = withPrograms(parseShow({}), [mainProgramOf(parseShow({}))]);
    expect(plain.version).toBe(1);
  });
});

describe('program rules', () => {
  const program = (id: string, output: object = { width: 640, height: 360 }) => ({ id, output });
  it('a list of programs must hold main', () => {
    expect(refusal({ programs: [program('vertical')] })).toContain('must include one with id "main"');
  });
  it('ids are unique and safe', () => {
    expect(refusal({ programs: [program('main'), program('main')] })).toContain('duplicate program id "main"');
    expect(refusal({ programs: [program('main'), program('a b')] })).toContain('programs.1.id');
  });
  it('at most 4 programs', () => {
    expect(refusal({ programs: ['main', 'a', 'b', 'c', 'd'].map((id) => program(id)) })).toContain('at most 4 programs');
    expect(() => parseShow({ programs: ['main', 'a', 'b', 'c'].map((id) => program(id)) })).not.toThrow();
  });
  it('sizes are even and at most 4096 either way (a 1080×1920 vertical and a 3840×1080 wall are fine)', () => {
    expect(refusal({ programs: [program('main'), program('v', { width: 1081, height: 1920 })] })).toContain('programs.1.output.width: must be even');
    expect(refusal({ programs: [program('main'), program('v', { width: 1080, height: 4098 })] })).toContain('programs.1.output.height: at most 4096');
    expect(() => parseShow({ programs: [program('main', { width: 3840, height: 1080 }), program('v', { width: 1080, height: 1920 })] })).not.toThrow();
    expect(refusal({ output: { width: 1279 } })).toContain('output.width: must be even');
  });
  it("every program runs at main's fps (one show clock)", () => {
    expect(refusal({ programs: [program('main', { fps: 30 }), program('v', { fps: 25 })] })).toContain("at 30 fps (main's)");
  });
  it("a program's layouts name sources the show has", () => {
    expect(refusal({ sources: SOURCES, programs: [program('main'), { id: 'v', layout: { preset: 'solo', sources: ['cam9'] } }] })).toContain('programs.1.layout.sources.0: unknown source id "cam9"');
  });
  it('destinations name a program or a source that exists, never both', () => {
    const base = { sources: SOURCES, programs: [program('main'), program('vertical')] };
    expect(refusal({ ...base, destinations: [{ id: 'd', kind: 'recording', path: '/tmp/a.mkv', program: 'square' }] })).toContain('no program with id "square"; the show has main, vertical');
    expect(refusal({ ...base, destinations: [{ id: 'd', kind: 'recording', path: '/tmp/a.mkv', source: 'ghost' }] })).toContain('no source with id "ghost"');
    expect(refusal({ ...base, destinations: [{ id: 'd', kind: 'recording', path: '/tmp/a.mkv', source: 'cam1', program: 'main' }] })).toContain('not both');
    expect(refusal({ sources: SOURCES, destinations: [{ id: 'd', kind: 'recording', path: '/tmp/a.mkv', program: 'vertical' }] })).toContain('the show has main');
  });
  it('the state document schema accepts what the engine writes', () => {
    const show = parseShow({ sources: SOURCES, programs: [program('main'), program('vertical')] });
    expect(ShowDocument.safeParse(withPrograms(show, programsOf(show))).success).toBe(true);
  });
});

describe('programId on commands', () => {
  it('exactly the per-program commands take programId (default main); the list Engine.dispatch checks matches', () => {
    const takes = Object.entries(COMMANDS)
      .filter(([, def]) => {
        const probe = (def.params as { safeParse(v: unknown): { success: boolean; data?: unknown } }).safeParse({});
        const data = probe.success ? probe.data : undefined;
        if (data && typeof data === 'object' && 'programId' in data) return true;
        return JSON.stringify((def.params as { toJSONSchema?: () => unknown }).toJSONSchema?.() ?? {}).includes('"programId"');
      })
      .map(([name]) => name)
      .sort();
    expect(takes).toEqual([...PROGRAM_SCOPED_COMMANDS].sort());
  });
  it('layout.set names a program and keeps the layout as it was', () => {
    const parsed = COMMANDS['layout.set'].params.parse({ programId: 'vertical', preset: 'solo', sources: ['cam1'] });
    expect(parsed).toMatchObject({ programId: 'vertical', preset: 'solo', sources: ['cam1'] });
    expect(COMMANDS['overlay.add'].params.parse({ id: 't', kind: 'text', text: 'x' })).toMatchObject({ programId: 'main', kind: 'text' });
  });
});
