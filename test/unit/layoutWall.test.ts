/** The wall and stack presets' cell maths at the sizes the program presets use, and the highlight frame. */
import { describe, expect, it } from 'vitest';
import { hexToYuv } from '../../electron/engine/media/yuv.ts';
import { Compositor } from '../../electron/engine/program/Compositor.ts';
import { computeCells, DEFAULT_HIGHLIGHT_COLOR, highlightFrameThickness, mainSourceOf, sourcesNamedBy, withMainSource } from '../../shared/layout.ts';
import { LayoutSpec } from '../../shared/show.ts';

const layout = (input: unknown) => LayoutSpec.parse(input);
const boxes = (cells: ReturnType<typeof computeCells>) => cells.map((c) => [c.source, c.x, c.y, c.width, c.height]);

describe('wall', () => {
  it('3840×1080: the highlight fills one 16:9 half, the four others share the other half 2×2', () => {
    const cells = computeCells(layout({ preset: 'wall', sources: ['a', 'b', 'c', 'd', 'e'], highlight: 'c' }), 3840, 1080);
    expect(boxes(cells)).toEqual([
      ['c', 0, 0, 1920, 1080],
      ['a', 1920, 0, 960, 540],
      ['b', 2880, 0, 960, 540],
      ['d', 1920, 540, 960, 540],
      ['e', 2880, 540, 960, 540],
    ]);
    expect(cells[0].frame).toEqual({ color: DEFAULT_HIGHLIGHT_COLOR, thickness: 16 });
    expect(cells.slice(1).every((c) => c.frame === undefined)).toBe(true);
  });

  it('3840×1080 without a highlight: 16:9 tiles (4×2, the last row centred), no frame', () => {
    const cells = computeCells(layout({ preset: 'wall', sources: ['a', 'b', 'c', 'd', 'e', 'f'] }), 3840, 1080);
    expect(boxes(cells)).toEqual([
      ['a', 0, 0, 960, 540],
      ['b', 960, 0, 960, 540],
      ['c', 1920, 0, 960, 540],
      ['d', 2880, 0, 960, 540],
      ['e', 960, 540, 960, 540],
      ['f', 1920, 540, 960, 540],
    ]);
    expect(cells.every((c) => c.frame === undefined)).toBe(true);
  });

  it('1920×1080: the highlight takes 60 % of the width, the others stack in the rest', () => {
    const cells = computeCells(layout({ preset: 'wall', sources: ['a', 'b', 'c'], highlight: 'a', highlightColor: '#00ff00' }), 1920, 1080);
    expect(boxes(cells)).toEqual([
      ['a', 0, 0, 1152, 1080],
      ['b', 1152, 0, 768, 540],
      ['c', 1152, 540, 768, 540],
    ]);
    expect(cells[0].frame).toEqual({ color: '#00ff00', thickness: 16 });
  });

  it('1080×1920: the highlight on top (60 % of the height), the others below', () => {
    const cells = computeCells(layout({ preset: 'wall', sources: ['a', 'b', 'c'], highlight: 'b' }), 1080, 1920);
    expect(boxes(cells)).toEqual([
      ['b', 0, 0, 1080, 1152],
      ['a', 0, 1152, 1080, 384],
      ['c', 0, 1536, 1080, 384],
    ]);
  });

  it('the highlighted tile is bigger than every other at each size, and nothing leaves the canvas or overlaps', () => {
    for (const [w, h] of [[3840, 1080], [1920, 1080], [1080, 1920], [640, 360]]) {
      for (let n = 2; n <= 9; n++) {
        const ids = Array.from({ length: n }, (_, i) => `s${i}`);
        const cells = computeCells(layout({ preset: 'wall', sources: ids, highlight: 's1', gap: 0.004 }), w, h);
        expect(cells).toHaveLength(n);
        const main = cells.find((c) => c.source === 's1')!;
        for (const c of cells) {
          expect(c.x + c.width).toBeLessThanOrEqual(w);
          expect(c.y + c.height).toBeLessThanOrEqual(h);
          if (c !== main) expect(main.width * main.height).toBeGreaterThan(c.width * c.height);
          for (const d of cells) {
            if (d === c) continue;
            const overlap = c.x < d.x + d.width && d.x < c.x + c.width && c.y < d.y + d.height && d.y < c.y + c.height;
            expect(overlap, `${w}×${h} n=${n}: ${c.source} overlaps ${d.source}`).toBe(false);
          }
        }
      }
    }
  });

  it('a highlight that is not on the wall, or a wall of one, is a plain grid', () => {
    expect(computeCells(layout({ preset: 'wall', sources: ['a', 'b'], highlight: 'zz' }), 1920, 1080).every((c) => !c.frame)).toBe(true);
    expect(boxes(computeCells(layout({ preset: 'wall', sources: ['a'], highlight: 'a' }), 1920, 1080))).toEqual([['a', 0, 0, 1920, 1080]]);
  });

  it('frame thickness is 1.5 % of the short side, at least 4 px, even', () => {
    expect(highlightFrameThickness(3840, 1080)).toBe(16);
    expect(highlightFrameThickness(640, 360)).toBe(6);
    expect(highlightFrameThickness(320, 180)).toBe(4);
  });
});

describe('stack', () => {
  it('1080×1920: two halves top and bottom, always crop-to-fill', () => {
    const cells = computeCells(layout({ preset: 'stack', sources: ['a', 'b', 'c'] }), 1080, 1920);
    expect(cells.map((c) => [c.source, c.x, c.y, c.width, c.height, c.fit])).toEqual([
      ['a', 0, 0, 1080, 960, 'fill'],
      ['b', 0, 960, 1080, 960, 'fill'],
    ]);
  });

  it('one source fills the canvas; a gap separates the halves', () => {
    expect(boxes(computeCells(layout({ preset: 'stack', sources: ['a'] }), 1080, 1920))).toEqual([['a', 0, 0, 1080, 1920]]);
    const cells = computeCells(layout({ preset: 'stack', sources: ['a', 'b'], gap: 0.02 }), 1080, 1920);
    expect(cells[1].y - (cells[0].y + cells[0].height)).toBeGreaterThanOrEqual(20);
  });
});

describe('solo crop-to-fill at 1080×1920 (the vertical cut)', () => {
  it('one full-canvas cell that fills', () => {
    expect(computeCells(layout({ preset: 'solo', sources: ['a', 'b'], fit: 'fill' }), 1080, 1920)).toEqual([
      { source: 'a', x: 0, y: 0, width: 1080, height: 1920, z: 0, fit: 'fill' },
    ]);
  });
});

describe('main place (layout.highlight and active speaker)', () => {
  it('moves the wall highlight, adding a source the wall lacks', () => {
    const wall = layout({ preset: 'wall', sources: ['a', 'b'], highlight: 'a' });
    expect(withMainSource(wall, 'b')).toMatchObject({ highlight: 'b', sources: ['a', 'b'] });
    expect(withMainSource(wall, 'c')).toMatchObject({ highlight: 'c', sources: ['a', 'b', 'c'] });
    expect(mainSourceOf(withMainSource(wall, 'b')!)).toBe('b');
  });

  it('puts the source first for solo/spotlight/stack, and refuses custom', () => {
    expect(withMainSource(layout({ preset: 'solo', sources: ['a', 'b', 'c'] }), 'c')?.sources).toEqual(['c', 'a', 'b']);
    expect(withMainSource(layout({ preset: 'stack', sources: ['a'] }), 'b')?.sources).toEqual(['b', 'a']);
    expect(withMainSource(layout({ preset: 'custom', placements: [] }), 'a')).toBeUndefined();
  });

  it('names highlighted and followed sources so the show can refuse unknown ones', () => {
    expect(sourcesNamedBy(layout({ preset: 'wall', sources: ['a'], highlight: 'h', follow: { mode: 'speaker', sources: ['f'] } }))).toEqual(['a', 'h', 'f']);
  });
});

describe('compositor draws the highlight frame', () => {
  it('frame colour on the highlighted tile edges, inside the tile, not on its neighbour', () => {
    const compositor = new Compositor(640, 360);
    const canvas = compositor.newCanvas();
    const wall = layout({ preset: 'wall', sources: ['a', 'b'], highlight: 'b', highlightColor: '#ff00ff' });
    compositor.compose(wall, new Map(), canvas);
    const [main, other] = compositor.cells(wall);
    expect(main.source).toBe('b');
    const lumaAt = (x: number, y: number) => canvas.data[y * 640 + x];
    const magenta = hexToYuv('#ff00ff').y;
    expect(lumaAt(main.x + 2, main.y + 100)).toBe(magenta);
    expect(lumaAt(main.x + main.width - 3, main.y + 100)).toBe(magenta);
    expect(lumaAt(main.x + 100, main.y + main.height - 2)).toBe(magenta);
    expect(lumaAt(main.x + 100, main.y + main.height / 2)).not.toBe(magenta);
    expect(lumaAt(other.x + 2, other.y + 10)).not.toBe(magenta);
  });
});
