/**
 * Draws one program frame: background, then each cell of the layout in z-order with its source's
 * latest frame at the cell's size (or the slate). Tiles normally arrive at exactly the cell size,
 * so drawing is row copies; a tile of another size (decoder being resized, a source shown twice,
 * or a camera another program draws bigger) is scaled nearest-neighbour, once per frame and size.
 * A highlighted cell (the wall's) gets its frame drawn over its edges, inside the cell, so it
 * never covers a neighbour.
 */
import type { LayoutSpec } from '../../../shared/show.ts';
import { type Cell, computeCells, even, type Rect, uncoveredRegions } from '../../../shared/layout.ts';
import { blit, fillRect, frameBytes, hexToYuv, scaleNearest, type YuvFrame } from '../media/yuv.ts';
import type { Source } from '../sources/Source.ts';
import { slateFrame, sourceSlate } from './Slate.ts';

export class Compositor {
  private cellsFor: { layout: LayoutSpec; cells: Cell[]; background: Rect[] } | undefined;
  /** Scaled copies of a frame, per size; a source makes a new YuvFrame object per frame. */
  private readonly scaled = new WeakMap<YuvFrame, Map<string, YuvFrame>>();

  constructor(
    readonly width: number,
    readonly height: number,
  ) {}

  cells(layout: LayoutSpec): Cell[] {
    return this.geometry(layout).cells;
  }

  private geometry(layout: LayoutSpec): { cells: Cell[]; background: Rect[] } {
    if (this.cellsFor?.layout !== layout) {
      const cells = computeCells(layout, this.width, this.height);
      this.cellsFor = { layout, cells, background: uncoveredRegions(cells, this.width, this.height) };
    }
    return this.cellsFor;
  }

  newCanvas(): YuvFrame {
    return { width: this.width, height: this.height, data: Buffer.allocUnsafe(frameBytes(this.width, this.height)) };
  }

  compose(layout: LayoutSpec, sources: ReadonlyMap<string, Source>, out: YuvFrame, now = Date.now()): void {
    const { cells, background } = this.geometry(layout);
    const color = hexToYuv(layout.background);
    for (const r of background) fillRect(out, r.x, r.y, r.width, r.height, color);
    for (const cell of cells) {
      const tile = this.tileFor(cell, sources.get(cell.source), now);
      blit(out, tile, cell.x, cell.y);
      if (cell.frame) drawFrame(out, cell, cell.frame);
    }
  }

  private tileFor(cell: Cell, source: Source | undefined, now: number): YuvFrame {
    if (!source) return slateFrame(cell.width, cell.height, cell.source, 'no such source');
    // The picture decoded at this cell's size (another program may draw the source at another).
    const frame = source.frameFor(cell);
    if (!frame || source.showsSlate(now)) {
      return sourceSlate(source.status(), cell.width, cell.height);
    }
    if (frame.width === cell.width && frame.height === cell.height) return frame;
    let sizes = this.scaled.get(frame);
    if (!sizes) {
      sizes = new Map();
      this.scaled.set(frame, sizes);
    }
    const key = `${cell.width}x${cell.height}`;
    let scaled = sizes.get(key);
    if (!scaled) {
      scaled = scaleNearest(frame, cell.width, cell.height);
      sizes.set(key, scaled);
    }
    return scaled;
  }
}

function drawFrame(out: YuvFrame, cell: Cell, frame: NonNullable<Cell['frame']>): void {
  const color = hexToYuv(frame.color);
  const t = Math.min(frame.thickness, even(cell.width / 2), even(cell.height / 2));
  fillRect(out, cell.x, cell.y, cell.width, t, color);
  fillRect(out, cell.x, cell.y + cell.height - t, cell.width, t, color);
  fillRect(out, cell.x, cell.y + t, t, cell.height - 2 * t, color);
  fillRect(out, cell.x + cell.width - t, cell.y + t, t, cell.height - 2 * t, color);
}
