/**
 * Geometry of the monitor mosaic: ONE small picture the engine composes and encodes for all the
 * desk's monitors except program (like a vMix multiview), so watching the preview and every
 * source costs one extra encode, not one per monitor. Shared by the engine (which draws it) and
 * the UI (which crops each monitor out of the one video), so both agree on every rectangle.
 *
 * 960×540: the preview layout in the top-left 640×360 (fitted to the program's aspect), and
 * 160×90 source tiles in the rest, row by row (right column and bottom band), in show order.
 */

export interface MosaicRect {
  x: number;
  y: number;
  width: number;
  height: number;
}

export const MOSAIC_WIDTH = 960;
export const MOSAIC_HEIGHT = 540;
export const MOSAIC_TILE_WIDTH = 160;
export const MOSAIC_TILE_HEIGHT = 90;
/** The area the preview is fitted into (top-left, 4×4 tiles). */
const PREVIEW_AREA: MosaicRect = { x: 0, y: 0, width: 640, height: 360 };

const evenFloor = (n: number) => Math.max(2, Math.floor(n / 2) * 2);

/** The preview's rectangle: the program's aspect fitted into the preview area, centred. */
export function mosaicPreviewRect(outputWidth: number, outputHeight: number): MosaicRect {
  const scale = Math.min(PREVIEW_AREA.width / outputWidth, PREVIEW_AREA.height / outputHeight);
  const width = Math.min(PREVIEW_AREA.width, evenFloor(outputWidth * scale));
  const height = Math.min(PREVIEW_AREA.height, evenFloor(outputHeight * scale));
  return { x: PREVIEW_AREA.x + Math.floor((PREVIEW_AREA.width - width) / 4) * 2, y: PREVIEW_AREA.y + Math.floor((PREVIEW_AREA.height - height) / 4) * 2, width, height };
}

/** Every tile slot, in the order sources fill them. */
export const MOSAIC_SLOTS: readonly MosaicRect[] = (() => {
  const slots: MosaicRect[] = [];
  for (let row = 0; row < MOSAIC_HEIGHT / MOSAIC_TILE_HEIGHT; row++)
    for (let col = 0; col < MOSAIC_WIDTH / MOSAIC_TILE_WIDTH; col++) {
      const x = col * MOSAIC_TILE_WIDTH;
      const y = row * MOSAIC_TILE_HEIGHT;
      if (x < PREVIEW_AREA.x + PREVIEW_AREA.width && y < PREVIEW_AREA.y + PREVIEW_AREA.height) continue;
      slots.push({ x, y, width: MOSAIC_TILE_WIDTH, height: MOSAIC_TILE_HEIGHT });
    }
  return slots;
})();

/** The tile of the source at `index` in the show's source list, if it has one (first 20). */
export function mosaicTileRect(index: number): MosaicRect | undefined {
  return MOSAIC_SLOTS[index];
}
