/** The show: its name, unsaved-changes mark, New / Open / Save, and the connection state. */
import { useEffect, useRef, useState } from 'react';
import { exportShow, forgetRecentShow, newShow, openShowDocument, openShowPath, reloadRecentShows, saveShow } from '../store/actions.ts';
import { showFileName } from '../store/recentShows.ts';
import { useCutline } from '../store/store.ts';
import { Modal } from './common.tsx';

export function TopBar() {
  const name = useCutline((s) => s.engine?.show.name);
  const dirty = useCutline((s) => s.dirty);
  const showPath = useCutline((s) => s.showPath);
  const connection = useCutline((s) => s.connection);
  const [dialog, setDialog] = useState<'open' | 'save' | null>(null);

  return (
    <header className="topbar">
      <span className="brand">Cutline</span>
      <span className="show-name" title={showPath ?? 'Not saved to a file yet'}>
        {name ?? '—'}
        {dirty ? (
          <span className="dirty" title="Unsaved changes">
            ● <span className="sr-only">Unsaved changes</span>
          </span>
        ) : null}
      </span>
      <nav className="file-actions" aria-label="Show file">
        <button type="button" className="small" onClick={() => void newShow()}>
          New
        </button>
        <button type="button" className="small" onClick={() => setDialog('open')}>
          Open…
        </button>
        <button type="button" className="small" onClick={() => (showPath ? void saveShow() : setDialog('save'))}>
          Save
        </button>
        <button type="button" className="small" onClick={() => setDialog('save')}>
          Save as…
        </button>
      </nav>
      <span className={`connection connection-${connection.state}`} title={connection.message ?? ''}>
        {connection.state === 'open' ? 'Engine connected' : connection.state === 'connecting' ? 'Connecting…' : 'Disconnected'}
      </span>
      {dialog === 'open' ? <OpenDialog onClose={() => setDialog(null)} /> : null}
      {dialog === 'save' ? <SaveDialog onClose={() => setDialog(null)} /> : null}
    </header>
  );
}

function OpenDialog({ onClose }: { onClose: () => void }) {
  const file = useRef<HTMLInputElement>(null);
  return (
    <Modal title="Open a show" onClose={onClose}>
      <RecentShows onOpened={onClose} />
      <div className="dialog-section">
        <h3>From this computer</h3>
        <input
          ref={file}
          type="file"
          accept=".json,application/json"
          aria-label="Show file"
          onChange={async (e) => {
            const f = e.target.files?.[0];
            if (!f) return;
            const outcome = await openShowDocument(await f.text(), f.name);
            if (outcome?.ok) onClose();
          }}
        />
      </div>
      <EnginePathForm title="From a path on the engine’s machine" inputLabel="Show path" submitLabel="Open" initial="" run={openShowPath} onDone={onClose}>
        <p className="muted small">Stream keys are kept only in files on the engine’s machine.</p>
      </EnginePathForm>
    </Modal>
  );
}

/**
 * Shows last opened or saved on the engine's machine: one click opens (asking first over unsaved
 * changes, like every Open), × takes an entry off the list. A path that no longer opens keeps the
 * engine's message under it, with a button to remove it.
 */
function RecentShows({ onOpened }: { onOpened: () => void }) {
  const recent = useCutline((s) => s.recentShows);
  const showPath = useCutline((s) => s.showPath);
  const [opening, setOpening] = useState<string | null>(null);
  const [failed, setFailed] = useState<Record<string, string>>({});
  // Another tab of the desk may have changed the list since this page read it.
  useEffect(() => reloadRecentShows(), []);

  const open = async (path: string) => {
    setOpening(path);
    try {
      const outcome = await openShowPath(path);
      if (outcome?.ok) return onOpened();
      if (outcome) {
        const message = outcome.message;
        setFailed((f) => ({ ...f, [path]: message }));
      }
    } finally {
      setOpening(null);
    }
  };
  const forget = (path: string) => {
    forgetRecentShow(path);
    setFailed(({ [path]: _gone, ...rest }) => rest);
  };

  return (
    <section className="dialog-section" aria-labelledby="recent-shows-title">
      <h3 id="recent-shows-title">Recent shows</h3>
      {recent.length === 0 ? (
        <p className="muted small">Shows opened or saved on the engine’s machine appear here.</p>
      ) : (
        <ul className="recent-shows" aria-labelledby="recent-shows-title">
          {recent.map((path) => (
            <li key={path} className="recent-show" data-recent-path={path}>
              <div className="recent-main">
                <button type="button" className="recent-open" aria-label={`Open ${path}`} title={path} disabled={opening !== null} onClick={() => void open(path)}>
                  <span className="recent-name">
                    <span className="recent-file">{showFileName(path)}</span>
                    {path === showPath ? <span className="recent-tag">open now</span> : null}
                    {opening === path ? <span className="recent-tag">opening…</span> : null}
                  </span>
                  <span className="recent-path">{breakablePath(path)}</span>
                </button>
                <button type="button" className="icon" aria-label={`Remove ${path} from recent shows`} title="Remove from this list (the file stays)" onClick={() => forget(path)}>
                  ×
                </button>
              </div>
              {failed[path] ? (
                <div className="recent-error" role="alert">
                  <span>{failed[path]}</span>
                  <button type="button" className="small" onClick={() => forget(path)}>
                    Remove from list
                  </button>
                </div>
              ) : null}
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

/** A long path wraps after its separators rather than mid-name (a <wbr> after each separator). */
function breakablePath(path: string): React.ReactNode[] {
  const out: React.ReactNode[] = [];
  let at = 0;
  for (const part of path.split(/(?<=[\\/])/)) {
    if (at > 0) out.push(<wbr key={`wbr-${at}`} />);
    out.push(part);
    at += part.length;
  }
  return out;
}

function SaveDialog({ onClose }: { onClose: () => void }) {
  const showPath = useCutline((s) => s.showPath);
  const name = useCutline((s) => s.engine?.show.name ?? 'show');
  return (
    <Modal title="Save the show" onClose={onClose}>
      <EnginePathForm title="To a path on the engine’s machine" inputLabel="Save path" submitLabel="Save" initial={showPath ?? ''} run={saveShow} onDone={onClose} />
      <div className="dialog-section">
        <h3>Download a copy</h3>
        <button
          type="button"
          onClick={async () => {
            const doc = await exportShow();
            if (!doc) return;
            const blob = new Blob([`${JSON.stringify(doc, null, 2)}\n`], { type: 'application/json' });
            const a = document.createElement('a');
            a.href = URL.createObjectURL(blob);
            a.download = `${name.replace(/[^\w.-]+/g, '-') || 'show'}.json`;
            a.click();
            setTimeout(() => URL.revokeObjectURL(a.href), 10_000);
            onClose();
          }}
        >
          Download .json
        </button>
        <p className="muted small">Stream keys are left out of downloads.</p>
      </div>
    </Modal>
  );
}

/** A path on the engine's machine, typed in, and what to do with it (open or save there). */
function EnginePathForm(props: {
  title: string;
  inputLabel: string;
  submitLabel: string;
  initial: string;
  run: (path: string) => Promise<{ ok: boolean } | undefined>;
  onDone: () => void;
  children?: React.ReactNode;
}) {
  const [path, setPath] = useState(props.initial);
  return (
    <form
      className="dialog-section"
      onSubmit={async (e) => {
        e.preventDefault();
        const outcome = await props.run(path.trim());
        if (outcome?.ok) props.onDone();
      }}
    >
      <h3>{props.title}</h3>
      <div className="inline">
        <input required value={path} placeholder="/home/me/shows/final.json" onChange={(e) => setPath(e.target.value)} aria-label={props.inputLabel} />
        <button type="submit" className="primary">
          {props.submitLabel}
        </button>
      </div>
      {props.children}
    </form>
  );
}
