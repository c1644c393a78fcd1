/** The show: its name, unsaved-changes mark, New / Open / Save, and the connection state. */
import { useRef, useState } from 'react';
import { exportShow, newShow, openShowDocument, openShowPath, saveShow } from '../store/actions.ts';
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
  const [path, setPath] = useState('');
  const file = useRef<HTMLInputElement>(null);
  return (
    <Modal title="Open a show" onClose={onClose}>
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
      <form
        className="dialog-section"
        onSubmit={async (e) => {
          e.preventDefault();
          const outcome = await openShowPath(path.trim());
          if (outcome?.ok) onClose();
        }}
      >
        <h3>From a path on the engine’s machine</h3>
        <div className="inline">
          <input required value={path} placeholder="/home/me/shows/final.json" onChange={(e) => setPath(e.target.value)} aria-label="Show path" />
          <button type="submit" className="primary">
            Open
          </button>
        </div>
        <p className="muted small">Stream keys are kept only in files on the engine’s machine.</p>
      </form>
    </Modal>
  );
}

function SaveDialog({ onClose }: { onClose: () => void }) {
  const showPath = useCutline((s) => s.showPath);
  const name = useCutline((s) => s.engine?.show.name ?? 'show');
  const [path, setPath] = useState(showPath ?? '');
  return (
    <Modal title="Save the show" onClose={onClose}>
      <form
        className="dialog-section"
        onSubmit={async (e) => {
          e.preventDefault();
          const outcome = await saveShow(path.trim());
          if (outcome?.ok) onClose();
        }}
      >
        <h3>To a path on the engine’s machine</h3>
        <div className="inline">
          <input required value={path} placeholder="/home/me/shows/final.json" onChange={(e) => setPath(e.target.value)} aria-label="Save path" />
          <button type="submit" className="primary">
            Save
          </button>
        </div>
      </form>
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
