/**
 * The right column's tabs, so everything fits at 1366×768 without shrinking the monitors. Arrow
 * keys move between tabs (WAI-ARIA tabs pattern); the open tab is kept in the store, so a test or
 * another panel (e.g. a toast's link) can switch it.
 */
import type { ReactNode } from 'react';
import { type SideTab, useCutline } from '../store/store.ts';

const TABS: { id: SideTab; label: string }[] = [
  { id: 'show', label: 'Show' },
  { id: 'graphics', label: 'Graphics' },
  { id: 'interaction', label: 'Interaction' },
  { id: 'settings', label: 'Settings' },
  { id: 'health', label: 'Health' },
];

export function SideTabs({ panels }: { panels: Record<SideTab, ReactNode> }) {
  const tab = useCutline((s) => s.sideTab);
  const errors = useCutline((s) => s.log.length && s.log.at(-1)?.level === 'error');
  const select = (id: SideTab) => useCutline.setState({ sideTab: id });
  return (
    <>
      <div
        className="side-tabs"
        role="tablist"
        aria-label="Panels"
        onKeyDown={(e) => {
          if (e.key !== 'ArrowRight' && e.key !== 'ArrowLeft') return;
          const i = TABS.findIndex((t) => t.id === tab);
          const next = TABS[(i + (e.key === 'ArrowRight' ? 1 : TABS.length - 1)) % TABS.length];
          select(next.id);
          (e.currentTarget.querySelector(`[data-tab="${next.id}"]`) as HTMLElement | null)?.focus();
        }}
      >
        {TABS.map((t) => (
          <button
            key={t.id}
            type="button"
            role="tab"
            id={`tab-${t.id}`}
            data-tab={t.id}
            aria-selected={tab === t.id}
            aria-controls={`panel-${t.id}`}
            tabIndex={tab === t.id ? 0 : -1}
            className={tab === t.id ? 'active' : undefined}
            onClick={() => select(t.id)}
          >
            {t.label}
            {t.id === 'health' && errors ? <span className="tab-dot" title="The last engine message is an error" /> : null}
          </button>
        ))}
      </div>
      <div className="side-panel" role="tabpanel" id={`panel-${tab}`} aria-labelledby={`tab-${tab}`}>
        {panels[tab]}
      </div>
    </>
  );
}
