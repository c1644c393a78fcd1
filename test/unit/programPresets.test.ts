/** The one-click program presets: what `program.add` will get for a vertical cut and a venue wall. */
import { describe, expect, it } from 'vitest';
import { computeCells } from '../../shared/layout.ts';
import { participantsOf, venueWall, verticalCut } from '../../shared/programPresets.ts';
import { describeZodError, LayoutSpec, OutputSettings, ShowDocument } from '../../shared/show.ts';

const SOURCES = [
  { id: 'intro', kind: 'file' as const },
  { id: 'guest1', kind: 'guest' as const },
  { id: 'cam1', kind: 'device' as const },
  { id: 'guest2', kind: 'guest' as const },
  { id: 'bars', kind: 'testPattern' as const },
];

describe('program presets', () => {
  it('participants are guests and cameras, not clips or bars; with none, every source', () => {
    expect(participantsOf(SOURCES)).toEqual(['guest1', 'cam1', 'guest2']);
    expect(participantsOf([{ id: 'bars', kind: 'testPattern' }])).toEqual(['bars']);
  });

  it('Vertical 9:16: 1080×1920, the speaker alone cropped to fill on program, two stacked on preview', () => {
    const vertical = verticalCut(SOURCES);
    expect(vertical).toMatchObject({ id: 'vertical', name: 'Vertical 9:16', output: { width: 1080, height: 1920, fps: 30 } });
    expect(vertical.layout).toMatchObject({ preset: 'solo', fit: 'fill', sources: ['guest1', 'cam1', 'guest2'], follow: { mode: 'speaker', holdMs: 1500, ignoreMs: 300 } });
    expect(vertical.preview).toMatchObject({ preset: 'stack', sources: ['guest1', 'cam1'] });
    // Valid as show parts: the output and both layouts parse, and draw full-height cells.
    expect(() => OutputSettings.parse(vertical.output)).not.toThrow();
    expect(LayoutSpec.parse(vertical.layout)).toEqual(vertical.layout);
    expect(computeCells(vertical.layout, 1080, 1920)).toEqual([{ source: 'guest1', x: 0, y: 0, width: 1080, height: 1920, z: 0, fit: 'fill' }]);
    expect(computeCells(vertical.preview!, 1080, 1920).map((c) => c.height)).toEqual([960, 960]);
  });

  it('Venue wall: 3840×1080 by default, every participant, the first highlighted, following the speaker', () => {
    const wall = venueWall(SOURCES);
    expect(wall).toMatchObject({ id: 'wall', name: 'Venue wall', output: { width: 3840, height: 1080, fps: 30 } });
    expect(wall.layout).toMatchObject({ preset: 'wall', sources: ['guest1', 'cam1', 'guest2'], highlight: 'guest1', follow: { mode: 'speaker' } });
    expect(LayoutSpec.parse(wall.layout)).toEqual(wall.layout);
    const cells = computeCells(wall.layout, 3840, 1080);
    expect(cells.find((c) => c.frame)?.source).toBe('guest1');
  });

  it('Venue wall on one 1920×1080 screen, a chosen highlight, follow off', () => {
    const wall = venueWall(SOURCES, { size: '1920x1080', highlight: 'guest2', followSpeaker: false, id: 'lobby', name: 'Lobby' });
    expect(wall).toMatchObject({ id: 'lobby', name: 'Lobby', output: { width: 1920, height: 1080 } });
    expect(wall.layout.highlight).toBe('guest2');
    expect(wall.layout.follow).toBeUndefined();
    // A highlight that is not a participant falls back to the first.
    expect(venueWall(SOURCES, { highlight: 'intro' }).layout.highlight).toBe('guest1');
  });
});

describe('show documents with the new layout fields', () => {
  it('refuse a highlight or a followed source the show does not have, naming the field', () => {
    const sources = [{ id: 'a', kind: 'testPattern' }];
    const ok = ShowDocument.safeParse({ sources, layout: { preset: 'wall', sources: ['a'], highlight: 'a', follow: { mode: 'speaker', sources: ['a'] } } });
    expect(ok.success).toBe(true);
    const bad = ShowDocument.safeParse({ sources, layout: { preset: 'wall', sources: ['a'], highlight: 'x', follow: { mode: 'speaker', sources: ['y'] } } });
    expect(bad.success).toBe(false);
    const message = describeZodError(bad.error!);
    expect(message).toContain('layout.highlight: unknown source id "x"');
    expect(message).toContain('layout.follow.sources.0: unknown source id "y"');
  });
});
