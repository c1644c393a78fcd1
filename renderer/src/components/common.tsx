/** Small pieces every panel uses: state badges, the confirmation dialog, toasts. */
import { useEffect, useRef } from 'react';
import { dismissToast } from '../store/actions.ts';
import { useCutline } from '../store/store.ts';

export function StateBadge({ state, detail }: { state: string; detail?: string }) {
  return (
    <span className={`badge badge-${state}`} data-state={state}>
      {state}
      {detail ? ` ${detail}` : ''}
    </span>
  );
}

/** A stable colour per source, so a source looks the same on every monitor and tile. */
export function sourceHue(id: string): number {
  // FNV-1a, then golden-angle steps, so "cam1" and "cam2" get clearly different hues.
  let h = 2166136261;
  for (let i = 0; i < id.length; i++) h = Math.imul(h ^ id.charCodeAt(i), 16777619);
  return Math.round(((h >>> 0) % 1000) * 137.508) % 360;
}

/** The placeholder colour of a source: a test pattern's own colour, else one derived from its id. */
export function sourceSwatch(spec: { id: string; kind?: string; color?: string } | undefined, id: string, lightness = 28): { fill: string; edge: string } {
  if (spec?.kind === 'testPattern' && spec.color) return { fill: spec.color, edge: '#ffffff55' };
  const hue = sourceHue(id);
  return { fill: `hsl(${hue} 45% ${lightness}%)`, edge: `hsl(${hue} 60% 55%)` };
}

/** Icons are inline SVG: no icon font, no emoji font needed (both may be missing). */
export function TrashIcon() {
  return (
    <svg className="icon-svg" viewBox="0 0 16 16" aria-hidden="true">
      <path d="M6 2h4l.5 1H13v1.5H3V3h2.5zM4 5.5h8l-.6 8.5H4.6z" />
    </svg>
  );
}

export function ConfirmDialog() {
  const confirm = useCutline((s) => s.confirm);
  const okRef = useRef<HTMLButtonElement>(null);
  useEffect(() => {
    if (confirm) okRef.current?.focus();
  }, [confirm]);
  if (!confirm) return null;
  return (
    <div className="modal-backdrop">
      <div
        className="modal"
        role="alertdialog"
        aria-modal="true"
        aria-labelledby="confirm-title"
        onKeyDown={(e) => {
          if (e.key === 'Escape') confirm.resolve(false);
        }}
      >
        <h2 id="confirm-title">{confirm.title}</h2>
        <p>{confirm.message}</p>
        <div className="modal-actions">
          <button type="button" onClick={() => confirm.resolve(false)}>
            Cancel
          </button>
          <button type="button" ref={okRef} className={confirm.danger ? 'danger' : 'primary'} onClick={() => confirm.resolve(true)}>
            {confirm.confirmLabel}
          </button>
        </div>
      </div>
    </div>
  );
}

export function Toasts() {
  const toasts = useCutline((s) => s.toasts);
  return (
    <div className="toasts" aria-live="polite">
      {toasts.map((t) => (
        <div key={t.id} className={`toast toast-${t.kind}`} role={t.kind === 'error' ? 'alert' : 'status'}>
          <span className="toast-message">
            {t.command ? <code>{t.command}</code> : null} {t.message}
          </span>
          <button type="button" className="icon" aria-label="Dismiss" onClick={() => dismissToast(t.id)}>
            ×
          </button>
        </div>
      ))}
    </div>
  );
}

/** A small modal with a title; closes on Escape or the backdrop. */
export function Modal({ title, onClose, children, wide }: { title: string; onClose: () => void; children: React.ReactNode; wide?: boolean }) {
  return (
    // Clicking the backdrop is a mouse shortcut; keyboards have Escape and the Close button.
    // biome-ignore lint/a11y/noStaticElementInteractions: see above
    <div
      className="modal-backdrop"
      role="presentation"
      onMouseDown={(e) => {
        if (e.target === e.currentTarget) onClose();
      }}
    >
      <div
        className={`modal${wide ? ' modal-wide' : ''}`}
        role="dialog"
        aria-modal="true"
        aria-label={title}
        onKeyDown={(e) => {
          if (e.key === 'Escape') onClose();
        }}
      >
        <div className="modal-head">
          <h2>{title}</h2>
          <button type="button" className="icon" aria-label="Close" onClick={onClose}>
            ×
          </button>
        </div>
        {children}
      </div>
    </div>
  );
}

/** The engine's message about a field or form, where the producer is looking. */
export function FieldError({ message }: { message?: string }) {
  if (!message) return null;
  return (
    <div className="field-error wide" role="alert">
      {message}
    </div>
  );
}
