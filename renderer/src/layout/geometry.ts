/**
 * Layout geometry for the desk: where each source sits on a monitor, in fractions of the canvas.
 * The cells come from the engine's own layout math (one implementation, so the placeholder monitors
 * draw exactly what the compositor will), and the custom editor's box moves are pure functions here.
 */
import type { LayoutSpec, Placement } from '../../../shared/show.ts';
import { computeCells } from '../../../shared/layout.ts';

export interface Box {
  source: string;
  x: number;
  y: number;
  width: number;
  height: number;
  z: number;
}

/** Cells of a layout on a canvas of the program's size, as fractions 0..1. */
export function layoutBoxes(layout: LayoutSpec, canvasWidth: number, canvasHeight: number): Box[] {
  return computeCells(layout, canvasWidth, canvasHeight).map((cell) => ({
    source: cell.source,
    x: cell.x / canvasWidth,
    y: cell.y / canvasHeight,
    width: cell.width / canvasWidth,
    height: cell.height / canvasHeight,
    z: cell.z,
  }));
}

const clamp = (v: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, v));
/** Edits snap to 1/200 of the canvas so numbers in saved shows stay short. */
const snap = (v: number) => Math.round(v * 200) / 200;
export const MIN_BOX = 0.05;

/** Moves a box by (dx, dy) canvas fractions, keeping it wholly on the canvas. */
export function moveBox<T extends Box>(box: T, dx: number, dy: number): T {
  return {
    ...box,
    x: snap(clamp(box.x + dx, 0, 1 - box.width)),
    y: snap(clamp(box.y + dy, 0, 1 - box.height)),
  };
}

/**
 * Resizes a box from its bottom-right corner. With `keepAspect` the box keeps the canvas aspect,
 * which in canvas fractions means equal width and height.
 */
export function resizeBox<T extends Box>(box: T, dw: number, dh: number, keepAspect = false): T {
  let width = clamp(box.width + dw, MIN_BOX, 1 - box.x);
  let height = clamp(box.height + dh, MIN_BOX, 1 - box.y);
  if (keepAspect) {
    const size = Math.min(Math.max(width, height), 1 - box.x, 1 - box.y);
    width = size;
    height = size;
  }
  return { ...box, width: snap(width), height: snap(height) };
}

/** Editor boxes → the `placements` of a custom layout (z in drawing order). */
export function boxesToPlacements(boxes: Box[]): Placement[] {
  return boxes.map((b, i) => ({
    source: b.source,
    x: clamp(b.x, 0, 1),
    y: clamp(b.y, 0, 1),
    width: clamp(b.width, 0.001, 1 - clamp(b.x, 0, 1)),
    height: clamp(b.height, 0.001, 1 - clamp(b.y, 0, 1)),
    z: i,
  }));
}

/** Brings a box to the front (last in drawing order). */
export function raise(boxes: Box[], index: number): Box[] {
  const next = boxes.slice();
  const [box] = next.splice(index, 1);
  next.push(box);
  return next.map((b, i) => ({ ...b, z: i }));
}
