/**
 * Health: the engine's recent messages (log.list, then log.appended), newest first, filterable by
 * text, level and what they are about; and the error history of each source and destination.
 */
import { useMemo, useState } from 'react';
import type { LogEntry } from '../../../shared/log.ts';
import { useCutline } from '../store/store.ts';

const HISTORY_PER_ITEM = 5;

export function HealthPanel() {
  const log = useCutline((s) => s.log);
  const engine = useCutline((s) => s.engine);
  const [text, setText] = useState('');
  const [level, setLevel] = useState<'all' | 'error'>('all');
  const [scope, setScope] = useState('all');
  const shown = useMemo(() => {
    const needle = text.trim().toLowerCase();
    return log
      .filter((e) => (level === 'all' || e.level === level) && (scope === 'all' || e.scope?.kind === scope) && (!needle || e.message.toLowerCase().includes(needle)))
      .slice()
      .reverse();
  }, [log, text, level, scope]);
  const history = useMemo(() => {
    const byThing = new Map<string, LogEntry[]>();
    for (const e of log) {
      if (e.level !== 'error' || !e.scope || (e.scope.kind !== 'source' && e.scope.kind !== 'destination')) continue;
      const key = `${e.scope.kind} ${e.scope.id}`;
      byThing.set(key, [...(byThing.get(key) ?? []), e]);
    }
    return byThing;
  }, [log]);
  const things = [
    ...(engine?.sources.map((s) => ({ key: `source ${s.id}`, label: s.label, kind: 'source', state: s.state })) ?? []),
    ...(engine?.destinations.map((d) => ({ key: `destination ${d.id}`, label: d.label, kind: 'destination', state: d.state })) ?? []),
  ];
  return (
    <section className="panel health-panel" aria-label="Health">
      <h3>Errors by source and destination</h3>
      <ul className="rows history-rows">
        {things.map((t) => {
          const errors = history.get(t.key) ?? [];
          return (
            <li key={t.key} className="row" data-history={t.key}>
              <div className="row-main">
                <span className="row-title">{t.label}</span>
                <span className="muted small">{t.kind}</span>
                <span className={`badge badge-${t.state}`}>{t.state}</span>
                <span className={errors.length ? 'warn small' : 'muted small'}>{errors.length} errors</span>
              </div>
              {errors.slice(-HISTORY_PER_ITEM).reverse().map((e) => (
                <div key={e.seq} className="row-message state-error">
                  {new Date(e.at).toLocaleTimeString()} {e.message.replace(`${t.key}: `, '')}
                </div>
              ))}
            </li>
          );
        })}
        {things.length === 0 ? <li className="muted row">No sources or destinations.</li> : null}
      </ul>
      <h3>Engine log</h3>
      <div className="log-filters">
        <input type="search" aria-label="Filter the log" placeholder="Filter…" value={text} onChange={(e) => setText(e.target.value)} />
        <select aria-label="Level" value={level} onChange={(e) => setLevel(e.target.value as 'all' | 'error')}>
          <option value="all">all</option>
          <option value="error">errors</option>
        </select>
        <select aria-label="About" value={scope} onChange={(e) => setScope(e.target.value)}>
          <option value="all">everything</option>
          <option value="source">sources</option>
          <option value="destination">destinations</option>
          <option value="guest">guests</option>
          <option value="overlay">graphics</option>
        </select>
      </div>
      <ol className="log-lines" aria-label="Engine log">
        {shown.map((e) => (
          <li key={e.seq} className={`log-line log-${e.level}`} data-seq={e.seq}>
            <time>{new Date(e.at).toLocaleTimeString()}</time> {e.message}
          </li>
        ))}
        {shown.length === 0 ? <li className="muted">Nothing {log.length ? 'matches' : 'logged yet'}.</li> : null}
      </ol>
    </section>
  );
}
