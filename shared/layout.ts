/**
 * Layout math, shared by the engine's compositor and the UI's monitors so both draw the same cells: a layout (preset + ordered sources, or explicit placements) and a canvas size →
 * the cells to draw, in even pixel coordinates, in z-order. Pure and synchronous, so a layout
 * change is just a different answer on the next tick.
 */
import type { LayoutSpec } from './show.ts';

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
}

interface Box {
  x: number;
  y: number;
  w: number;
  h: number;
}

/** Best grid for n cells: the column count whose cells come closest to the canvas aspect. */
export function gridShape(n: number, aspect = 16 / 9): { cols: number; rows: number } {
  if (n <= 1) return { cols: 1, rows: 1 };
  let best = { cols: n, rows: 1, score: Number.POSITIVE_INFINITY };
  for (let cols = 1; cols <= n; cols++) {
    const rows = Math.ceil(n / cols);
    const cellAspect = (aspect * rows) / cols;
    // Prefer cells shaped like the canvas, then fewer empty cells.
    const score = Math.abs(Math.log(cellAspect / aspect)) + 0.05 * (cols * rows - n);
    // Ties go to more columns: side by side reads better than stacked.
    if (score <= best.score + 1e-9) best = { cols, rows, score };
  }
  return { cols: best.cols, rows: best.rows };
}

function gridBoxes(n: number, area: Box, gap: number, aspect: number): Box[] {
  const { cols, rows } = gridShape(n, aspect);
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
    case 'custom':
      for (const p of layout.placements ?? []) {
        boxes.push({ source: p.source, box: { x: p.x * width, y: p.y * height, w: p.width * width, h: p.height * height }, z: p.z, crop: p.crop });
      }
      break;
  }

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
        fit: layout.fit,
        ...(crop ? { crop } : {}),
      };
    })
    .sort((a, b) => a.z - b.z);
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
