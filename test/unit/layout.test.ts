import { describe, expect, it } from 'vitest';
import { LayoutSpec } from '../../shared/show.ts';
import { computeCells, gridShape } from '../../shared/layout.ts';

const layout = (input: unknown) => LayoutSpec.parse(input);

describe('layout presets', () => {
  it('grid of 4 is 2×2 filling a 1280×720 canvas', () => {
    const cells = computeCells(layout({ preset: 'grid', sources: ['a', 'b', 'c', 'd'] }), 1280, 720);
    expect(cells.map((c) => [c.source, c.x, c.y, c.width, c.height])).toEqual([
      ['a', 0, 0, 640, 360],
      ['b', 640, 0, 640, 360],
      ['c', 0, 360, 640, 360],
      ['d', 640, 360, 640, 360],
    ]);
  });

  it('grid picks a best fit for any count and centres an incomplete last row', () => {
    expect(gridShape(1)).toEqual({ cols: 1, rows: 1 });
    expect(gridShape(2)).toEqual({ cols: 2, rows: 1 });
    expect(gridShape(9)).toEqual({ cols: 3, rows: 3 });
    const cells = computeCells(layout({ preset: 'grid', sources: ['a', 'b', 'c'] }), 1280, 720);
    expect(cells).toHaveLength(3);
    expect(cells[2].x).toBe(320); // centred under the first row
    for (const c of cells) expect(c.x + c.width).toBeLessThanOrEqual(1280);
  });

  it('solo shows only the first source, full canvas', () => {
    const cells = computeCells(layout({ preset: 'solo', sources: ['b', 'a'] }), 1920, 1080);
    expect(cells).toEqual([{ source: 'b', x: 0, y: 0, width: 1920, height: 1080, z: 0, fit: 'fit' }]);
  });

  it('spotlight puts the first source large and the others in a strip above it in z', () => {
    const cells = computeCells(layout({ preset: 'spotlight', sources: ['main', 'x', 'y'] }), 1280, 720);
    const main = cells.find((c) => c.source === 'main')!;
    const others = cells.filter((c) => c.source !== 'main');
    expect(main.width * main.height).toBeGreaterThan(4 * others[0].width * others[0].height);
    for (const o of others) expect(o.x).toBeGreaterThanOrEqual(main.x + main.width);
  });

  it('pip overlays the second source in a corner above the first', () => {
    const cells = computeCells(layout({ preset: 'pip', sources: ['bg', 'pip'] }), 1280, 720);
    expect(cells[0].source).toBe('bg');
    expect(cells[1]).toMatchObject({ source: 'pip', z: 1 });
    expect(cells[1].x + cells[1].width).toBeLessThan(1280);
    expect(cells[1].y + cells[1].height).toBeLessThan(720);
  });

  it('custom placements map fractions to even pixels, sorted by z, with crop kept', () => {
    const cells = computeCells(
      layout({
        preset: 'custom',
        placements: [
          { source: 'top', x: 0.5, y: 0.5, width: 0.25, height: 0.25, z: 5 },
          { source: 'bottom', x: 0, y: 0, width: 1, height: 1, z: 0, crop: { x: 0.1, y: 0.1, width: 0.5, height: 0.5 } },
        ],
      }),
      1280,
      720,
    );
    expect(cells.map((c) => c.source)).toEqual(['bottom', 'top']);
    expect(cells[1]).toMatchObject({ x: 640, y: 360, width: 320, height: 180 });
    expect(cells[0].crop).toEqual({ x: 0.1, y: 0.1, width: 0.5, height: 0.5 });
    for (const c of cells) for (const v of [c.x, c.y, c.width, c.height]) expect(v % 2).toBe(0);
  });
});

describe('background regions', () => {
  it('a full grid or solo leaves nothing to paint; spotlight leaves the strip gaps', async () => {
    const { uncoveredRegions } = await import('../../shared/layout.ts');
    const area = (rs: { width: number; height: number }[]) => rs.reduce((a, r) => a + r.width * r.height, 0);
    const grid = computeCells(layout({ preset: 'grid', sources: ['a', 'b', 'c', 'd'] }), 1280, 720);
    expect(uncoveredRegions(grid, 1280, 720)).toEqual([]);
    const spot = computeCells(layout({ preset: 'spotlight', sources: ['a', 'b', 'c'] }), 1280, 720);
    const covered = spot.reduce((a, c) => a + c.width * c.height, 0);
    expect(area(uncoveredRegions(spot, 1280, 720))).toBe(1280 * 720 - covered);
    expect(uncoveredRegions([], 64, 32)).toEqual([{ x: 0, y: 0, width: 64, height: 32 }]);
  });
});
