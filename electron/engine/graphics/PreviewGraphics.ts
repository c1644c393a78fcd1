/**
 * The overlays of the preview monitor: a second GraphicsLayer that follows the program's one, with
 * every overlay visible that is on air (`visible`) or cued for preview (`onPreview`). So the
 * preview shows what Take would put on air, graphics included, and a producer sees a graphic
 * before it goes on air. A separate layer, because the preview is composed at another size than
 * the program and each layer caches its bitmaps at its own canvas size.
 *
 * It only ever copies specs from the program's layer (the one commands change), on its `changed`
 * event; a spec object is replaced on every change there, so identity tells what changed.
 */
import type { OverlaySpec, OverlayStatus } from '../../../shared/objects.ts';
import type { GraphicsLayer } from './GraphicsLayer.ts';

export class PreviewGraphics {
  private readonly seen = new Map<string, OverlaySpec>();
  private readonly off: () => void;

  constructor(
    program: GraphicsLayer,
    readonly layer: GraphicsLayer,
  ) {
    this.off = program.on('changed', ({ overlays }) => this.follow(overlays));
    this.follow(program.list());
  }

  private follow(overlays: OverlayStatus[]): void {
    const ids = new Set(overlays.map((o) => o.id));
    for (const id of [...this.seen.keys()]) {
      if (ids.has(id)) continue;
      this.seen.delete(id);
      this.layer.remove(id);
    }
    for (const { id, spec } of overlays) {
      if (this.seen.get(id) === spec) continue;
      const onPreview = { ...spec, visible: spec.visible || spec.onPreview };
      try {
        if (this.seen.has(id)) {
          const { kind: _kind, ...fields } = onPreview;
          this.layer.update(fields);
        } else this.layer.add(onPreview);
        this.seen.set(id, spec);
      } catch {
        // The program's layer accepted this spec, so ours does too; a failure only costs the preview.
      }
    }
  }

  dispose(): void {
    this.off();
    this.layer.dispose();
  }
}
