/**
 * Layout math, shared by the engine's compositor and the UI's monitors so both draw the same cells: a layout (preset + ordered sources, or explicit placements) and a canvas size →
 * the cells to draw, in even pixel coordinates, in z-order. Pure and synchronous, so a layout
 * change is just a different answer on the next tick.
 */
import type { LayoutSpec } from './show.ts';

/** The colour of the wall highlight's frame unless a layout says otherwise: amber, clear on most pictures. */
export const DEFAULT_HIGHLIGHT_COLOR = '#ffc800';

/** Rounds to the nearest even number (I420 chroma needs even offsets and sizes). */
export const even = (n: number): number => Math.max(0, Math.round(n / 2) * 2);

export interface Cell {
  source: string;
  x: number;
  y: number;
  width: number;
  height: number;
  z: number;
  fit: 'fit' | 'fill';
  crop?: { x: number; y: number; width: number; height: number };
  /** The wall highlight: a frame of this colour and thickness drawn just inside the cell's edges. */
  frame?: { color: string; thickness: number };
}

/** The wall highlight takes this share of the canvas's long side (at most a 16:9 box)... */
const WALL_HIGHLIGHT_SHARE = 0.6;
/** ...and its frame is this fraction of the canvas's short side thick (at least 4 px). */
const WALL_FRAME_FRACTION = 0.015;

export function highlightFrameThickness(width: number, height: number): number {
  return Math.max(4, even(Math.min(width, height) * WALL_FRAME_FRACTION));
}

interface Box {
  x: number;
  y: number;
  w: number;
  h: number;
}

/**
 * Best grid for n cells in an area of `aspect`: the column count whose cells come closest to
 * `target` (the area's own aspect unless given; the wall asks for 16:9 tiles).
 */
export function gridShape(n: number, aspect = 16 / 9, target = aspect): { cols: number; rows: number } {
  if (n <= 1) return { cols: 1, rows: 1 };
  let best = { cols: n, rows: 1, score: Number.POSITIVE_INFINITY };
  for (let cols = 1; cols <= n; cols++) {
    const rows = Math.ceil(n / cols);
    const cellAspect = (aspect * rows) / cols;
    // Prefer cells shaped like the canvas, then fewer empty cells.
    const score = Math.abs(Math.log(cellAspect / target)) + 0.05 * (cols * rows - n);
    // Ties go to more columns: side by side reads better than stacked.
    if (score <= best.score + 1e-9) best = { cols, rows, score };
  }
  return { cols: best.cols, rows: best.rows };
}

function gridBoxes(n: number, area: Box, gap: number, aspect: number, target = aspect): Box[] {
  const { cols, rows } = gridShape(n, aspect, target);
  const cellW = (area.w - gap * (cols - 1)) / cols;
  const cellH = (area.h - gap * (rows - 1)) / rows;
  const boxes: Box[] = [];
  for (let i = 0; i < n; i++) {
    const row = Math.floor(i / cols);
    const inRow = row === rows - 1 ? n - row * cols : cols;
    // Centre an incomplete last row.
    const offset = ((cols - inRow) * (cellW + gap)) / 2;
    const col = i % cols;
    boxes.push({ x: area.x + offset + col * (cellW + gap), y: area.y + row * (cellH + gap), w: cellW, h: cellH });
  }
  return boxes;
}

export function computeCells(layout: LayoutSpec, width: number, height: number): Cell[] {
  const gap = layout.gap * width;
  const sources = layout.sources;
  const full: Box = { x: 0, y: 0, w: width, h: height };
  const boxes: { source: string; box: Box; z: number; crop?: Cell['crop'] }[] = [];

  switch (layout.preset) {
    case 'solo':
      if (sources[0]) boxes.push({ source: sources[0], box: full, z: 0 });
      break;
    case 'sideBySide': {
      const pair = sources.slice(0, 2);
      const w = (width - gap) / 2;
      const h = Math.min(height, (w * height) / width);
      pair.forEach((source, i) => boxes.push({ source, box: { x: i * (w + gap), y: (height - h) / 2, w, h }, z: 0 }));
      break;
    }
    case 'grid':
      gridBoxes(sources.length, full, gap, width / height).forEach((box, i) => boxes.push({ source: sources[i], box, z: 0 }));
      break;
    case 'spotlight': {
      if (sources.length <= 1) {
        if (sources[0]) boxes.push({ source: sources[0], box: full, z: 0 });
        break;
      }
      const rest = sources.slice(1);
      const stripW = width / 4;
      const mainW = width - stripW - gap;
      boxes.push({ source: sources[0], box: { x: 0, y: 0, w: mainW, h: height }, z: 0 });
      const slots = Math.max(4, rest.length);
      const cellH = Math.min((stripW * height) / width, (height - gap * (slots - 1)) / slots);
      const cellW = (cellH * width) / height;
      const top = (height - (cellH * rest.length + gap * (rest.length - 1))) / 2;
      rest.forEach((source, i) =>
        boxes.push({ source, box: { x: mainW + gap + (stripW - cellW) / 2, y: top + i * (cellH + gap), w: cellW, h: cellH }, z: 1 }),
      );
      break;
    }
    case 'pip': {
      if (sources[0]) boxes.push({ source: sources[0], box: full, z: 0 });
      const margin = width * 0.03;
      const w = width * 0.28;
      const h = (w * height) / width;
      sources.slice(1, 2).forEach((source) =>
        boxes.push({ source, box: { x: width - w - margin, y: height - h - margin, w, h }, z: 1 }),
      );
      break;
    }
    case 'stack': {
      // Two sources top and bottom of a tall canvas, each cropped to fill its half.
      const pair = sources.slice(0, 2);
      if (pair.length === 1) boxes.push({ source: pair[0], box: full, z: 0 });
      else {
        const h = (height - gap) / 2;
        pair.forEach((source, i) => boxes.push({ source, box: { x: 0, y: i * (h + gap), w: width, h }, z: 0 }));
      }
      break;
    }
    case 'wall':
      for (const b of wallBoxes(sources, layout.highlight, full, gap)) boxes.push({ ...b, z: 0 });
      break;
    case 'custom':
      for (const p of layout.placements ?? []) {
        boxes.push({ source: p.source, box: { x: p.x * width, y: p.y * height, w: p.width * width, h: p.height * height }, z: p.z, crop: p.crop });
      }
      break;
  }

  const highlighted = layout.preset === 'wall' && layout.highlight && sources.length > 1 ? layout.highlight : undefined;
  const frame = { color: layout.highlightColor ?? DEFAULT_HIGHLIGHT_COLOR, thickness: highlightFrameThickness(width, height) };
  // Stack is crop-to-fill by definition: halves of a 9:16 canvas letterboxed would be mostly bars.
  const fit = layout.preset === 'stack' ? 'fill' : layout.fit;
  return boxes
    .map(({ source, box, z, crop }) => {
      const x = Math.min(even(box.x), width - 2);
      const y = Math.min(even(box.y), height - 2);
      return {
        source,
        x,
        y,
        width: Math.max(2, Math.min(even(box.w), width - x)),
        height: Math.max(2, Math.min(even(box.h), height - y)),
        z,
        fit,
        ...(crop ? { crop } : {}),
        ...(source === highlighted ? { frame } : {}),
      };
    })
    .sort((a, b) => a.z - b.z);
}

/**
 * The wall: every listed source on a grid of 16:9-shaped tiles. With a highlight (one of the sources), the highlight
 * gets a box on the long side's start — WALL_HIGHLIGHT_SHARE of it, but never wider than 16:9 of
 * the short side, so at 3840×1080 it is exactly one 1920×1080 half — and the others share the rest
 * as a grid. A highlight that is not listed is ignored (a plain grid).
 */
function wallBoxes(sources: readonly string[], highlight: string | undefined, area: Box, gap: number): { source: string; box: Box }[] {
  // Wall tiles are shaped for 16:9 pictures whatever the shape of the area they share.
  const grid = (ids: readonly string[], box: Box) =>
    gridBoxes(ids.length, box, gap, box.w / box.h, 16 / 9).map((b, i) => ({ source: ids[i], box: b }));
  if (!highlight || !sources.includes(highlight) || sources.length < 2) return grid(sources, area);
  const rest = sources.filter((s) => s !== highlight);
  const wide = area.w >= area.h;
  const long = wide ? area.w : area.h;
  const short = wide ? area.h : area.w;
  const main = Math.min(long * WALL_HIGHLIGHT_SHARE, (short * 16) / 9);
  const mainBox: Box = wide ? { x: area.x, y: area.y, w: main, h: area.h } : { x: area.x, y: area.y, w: area.w, h: main };
  const restBox: Box = wide
    ? { x: area.x + main + gap, y: area.y, w: area.w - main - gap, h: area.h }
    : { x: area.x, y: area.y + main + gap, w: area.w, h: area.h - main - gap };
  return [{ source: highlight, box: mainBox }, ...grid(rest, restBox)];
}

/**
 * The layout with `id` in its main place: the wall's highlight (added to the wall if missing), or
 * the first slot of the other presets (solo, spotlight, pip background, sideBySide and stack's
 * first). A custom layout has no main place: undefined. Active speaker and `layout.highlight` use it.
 */
export function withMainSource(layout: LayoutSpec, id: string): LayoutSpec | undefined {
  if (layout.preset === 'custom') return undefined;
  if (layout.preset === 'wall') return { ...layout, highlight: id, sources: layout.sources.includes(id) ? layout.sources : [...layout.sources, id] };
  return { ...layout, sources: [id, ...layout.sources.filter((s) => s !== id)] };
}

/** Who is in the layout's main place now (the counterpart of withMainSource). */
export function mainSourceOf(layout: LayoutSpec): string | undefined {
  if (layout.preset === 'custom') return undefined;
  return layout.preset === 'wall' ? layout.highlight : layout.sources[0];
}

/** Every source id a layout names (shown, highlighted or followed): all must exist in the show. */
export function sourcesNamedBy(layout: LayoutSpec): string[] {
  return [...new Set([...sourcesIn(layout), ...(layout.highlight ? [layout.highlight] : []), ...(layout.follow?.sources ?? [])])];
}

/** Sources a layout shows (the ones that must be decoded), in order. */
export function sourcesIn(layout: LayoutSpec): string[] {
  const ids = layout.preset === 'custom' ? (layout.placements ?? []).map((p) => p.source) : layout.sources;
  return [...new Set(ids)];
}

export interface Rect {
  x: number;
  y: number;
  width: number;
  height: number;
}

/**
 * The parts of the canvas no cell covers, as rectangles: only these need the background colour,
 * so a full grid or a solo layout paints no background at all.
 */
export function uncoveredRegions(cells: readonly Rect[], width: number, height: number): Rect[] {
  const xs = [...new Set([0, width, ...cells.flatMap((c) => [c.x, Math.min(width, c.x + c.width)])])].sort((a, b) => a - b);
  const ys = [...new Set([0, height, ...cells.flatMap((c) => [c.y, Math.min(height, c.y + c.height)])])].sort((a, b) => a - b);
  const out: Rect[] = [];
  for (let j = 0; j + 1 < ys.length; j++) {
    let run: Rect | undefined;
    for (let i = 0; i + 1 < xs.length; i++) {
      const cx = (xs[i] + xs[i + 1]) / 2;
      const cy = (ys[j] + ys[j + 1]) / 2;
      const covered = cells.some((c) => cx > c.x && cx < c.x + c.width && cy > c.y && cy < c.y + c.height);
      if (covered) {
        run = undefined;
        continue;
      }
      // Merge neighbours in a row into one rectangle (fewer, longer fills).
      if (run && run.x + run.width === xs[i]) run.width += xs[i + 1] - xs[i];
      else {
        run = { x: xs[i], y: ys[j], width: xs[i + 1] - xs[i], height: ys[j + 1] - ys[j] };
        out.push(run);
      }
    }
  }
  return out;
}
