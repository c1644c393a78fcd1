/**
 * The custom layout editor: boxes on a canvas of the program's shape, dragged to move and by the
 * corner to resize (Shift keeps the picture's shape). Apply puts the result on preview as a
 * `custom` layout whose placements are canvas fractions.
 */
import { useRef, useState } from 'react';
import { type Box, boxesToPlacements, layoutBoxes, moveBox, raise, resizeBox } from '../layout/geometry.ts';
import { previewLayout, setCustomPreview } from '../store/actions.ts';
import { useCutline } from '../store/store.ts';
import { Modal, sourceSwatch } from './common.tsx';

interface Drag {
  index: number;
  mode: 'move' | 'resize';
  startX: number;
  startY: number;
  start: Box;
}

export function LayoutEditor({ onClose }: { onClose: () => void }) {
  const engine = useCutline((s) => s.engine);
  const canvas = useRef<HTMLDivElement>(null);
  const [boxes, setBoxes] = useState<Box[]>(() => {
    if (!engine) return [];
    const { width, height } = engine.show.output;
    return layoutBoxes(previewLayout(engine), width, height);
  });
  const [selected, setSelected] = useState<number | null>(null);
  const drag = useRef<Drag | null>(null);
  if (!engine) return null;
  const { width, height } = engine.show.output;
  const labels = new Map(engine.sources.map((s) => [s.id, s.label]));
  const unused = engine.show.sources.filter((s) => !boxes.some((b) => b.source === s.id));

  const onPointerDown = (e: React.PointerEvent, index: number, mode: Drag['mode']) => {
    e.stopPropagation();
    e.preventDefault();
    (e.target as Element).setPointerCapture?.(e.pointerId);
    // Bring the grabbed box to the front, as in every drawing tool.
    const next = raise(boxes, index);
    setBoxes(next);
    setSelected(next.length - 1);
    drag.current = { index: next.length - 1, mode, startX: e.clientX, startY: e.clientY, start: next[next.length - 1] };
  };
  const onPointerMove = (e: React.PointerEvent) => {
    const d = drag.current;
    const rect = canvas.current?.getBoundingClientRect();
    if (!d || !rect || rect.width === 0) return;
    const dx = (e.clientX - d.startX) / rect.width;
    const dy = (e.clientY - d.startY) / rect.height;
    const box = d.mode === 'move' ? moveBox(d.start, dx, dy) : resizeBox(d.start, dx, dy, e.shiftKey);
    setBoxes((bs) => bs.map((b, i) => (i === d.index ? box : b)));
  };
  const onPointerUp = () => {
    drag.current = null;
  };
  const setField = (field: 'x' | 'y' | 'width' | 'height', percent: number) => {
    if (selected === null || !Number.isFinite(percent)) return;
    setBoxes((bs) =>
      bs.map((b, i) => {
        if (i !== selected) return b;
        const v = Math.min(1, Math.max(0, percent / 100));
        const next = { ...b, [field]: v };
        // Keep the box on the canvas.
        return field === 'x' || field === 'y' ? moveBox(next, 0, 0) : resizeBox(next, 0, 0);
      }),
    );
  };
  const box = selected !== null ? boxes[selected] : undefined;

  return (
    <Modal title="Custom layout" onClose={onClose} wide>
      <div className="editor">
        <div
          className="editor-canvas"
          ref={canvas}
          style={{ aspectRatio: `${width} / ${height}` }}
          onPointerMove={onPointerMove}
          onPointerUp={onPointerUp}
          onPointerDown={() => setSelected(null)}
          data-testid="editor-canvas"
        >
          {boxes.map((b, i) => (
            <div
              // biome-ignore lint/suspicious/noArrayIndexKey: a source may be placed twice
              key={`${b.source}-${i}`}
              className={`editor-box${selected === i ? ' selected' : ''}`}
              data-source={b.source}
              style={{
                left: `${b.x * 100}%`,
                top: `${b.y * 100}%`,
                width: `${b.width * 100}%`,
                height: `${b.height * 100}%`,
                zIndex: i + 1,
                background: sourceSwatch(engine.show.sources.find((x) => x.id === b.source), b.source).fill,
              }}
              onPointerDown={(e) => onPointerDown(e, i, 'move')}
            >
              <span>{labels.get(b.source) ?? b.source}</span>
              <div className="editor-handle" onPointerDown={(e) => onPointerDown(e, i, 'resize')} aria-hidden="true" />
            </div>
          ))}
        </div>
        <aside className="editor-side">
          <h3>Add a source</h3>
          {unused.length === 0 ? <p className="muted">Every source is in the layout.</p> : null}
          {unused.map((s) => (
            <button
              type="button"
              key={s.id}
              onClick={() => {
                setBoxes((bs) => [...bs, { source: s.id, x: 0.35, y: 0.35, width: 0.3, height: 0.3, z: bs.length }]);
                setSelected(boxes.length);
              }}
            >
              + {labels.get(s.id) ?? s.label ?? s.id}
            </button>
          ))}
          {box ? (
            <div className="editor-fields">
              <h3>{labels.get(box.source) ?? box.source}</h3>
              {(['x', 'y', 'width', 'height'] as const).map((f) => (
                <label key={f}>
                  {f} %
                  <input type="number" min={0} max={100} step={0.5} value={Math.round(box[f] * 1000) / 10} onChange={(e) => setField(f, Number(e.target.value))} />
                </label>
              ))}
              <button
                type="button"
                className="danger"
                onClick={() => {
                  setBoxes((bs) => bs.filter((_, i) => i !== selected));
                  setSelected(null);
                }}
              >
                Remove from layout
              </button>
            </div>
          ) : (
            <p className="muted">Drag a box to move it, its corner to resize (Shift keeps the shape). Click a box for exact numbers.</p>
          )}
        </aside>
      </div>
      <div className="modal-actions">
        <button type="button" onClick={onClose}>
          Cancel
        </button>
        <button
          type="button"
          className="primary"
          disabled={boxes.length === 0}
          onClick={async () => {
            const outcome = await setCustomPreview(boxesToPlacements(boxes));
            if (outcome.ok) onClose();
          }}
        >
          Put on preview
        </button>
      </div>
    </Modal>
  );
}
